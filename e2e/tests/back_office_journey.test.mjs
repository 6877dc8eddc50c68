// The back office end to end, as issue 14 asks for it in one go: an administrator invites a
// reviewer from the staff page; the reviewer accepts the mailed link, sets a password, enrols the
// second factor at the first sign-in, claims a waiting verification from the queue and returns it
// with a reason from the library. The company, whose holder reads Chinese, saw on its move-in page
// the date a decision could be expected, and now reads the reason in Chinese.

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import {
  RUN,
  closeBrowser,
  enrolSecondFactor,
  enterPassword,
  expectText,
  formAt,
  freshTotp,
  login,
  loginAsNewStaff,
  machineValues,
  session,
  signedInAs,
  tr,
  uniqueEmail,
  waitForMail,
} from '../lib.mjs';
import { submittedCompany } from '../console.mjs';

after(closeBrowser);

test('invite → accept → second factor → claim → decide with a library reason → the applicant reads date and reason', async (t) => {
  const en = (key, params) => tr('en', key, params);
  const zh = (key, params) => tr('zh-CN', key, params);
  const c = await submittedCompany('backoffice', { sameAsLegalRep: true });

  // The company waits: its move-in page says, in Chinese, when a decision can be expected.
  const holder = await session(t, 'applicant', { locale: 'zh-CN' });
  await login(holder, 'zh-CN', c.email, c.password);
  await holder.goto('/move-in', { label: 'waiting' });
  const expected = (await holder.page.locator('[data-expected="enterprise_verification"]').textContent()).trim();
  assert.match(expected, /^预计 \d{4}年\d{1,2}月\d{1,2}日（星期[一二三四五六日]） 前完成审核 · 排第 \d+ 位$/, expected);
  assert.deepEqual(await machineValues(holder), []);

  // The administrator invites a reviewer.
  const a = await session(t, 'admin', { locale: 'en' });
  const admin = await loginAsNewStaff(a, 'en', { role: 'admin' });
  await a.goto('/console/staff', { label: 'staff' });
  const invite = formAt(a.page, '/console/staff');
  const email = uniqueEmail('reviewer');
  await invite.getByLabel(en('label.email'), { exact: true }).fill(email);
  await invite.getByRole('checkbox', { name: new RegExp(en('audit.role.reviewer')) }).check();
  const codeField = invite.getByLabel(en('label.second_factor_code'), { exact: true });
  if (await codeField.count()) await codeField.fill(await freshTotp(admin));
  await a.submit(invite.getByRole('button', { name: en('staff.invite_button') }), { label: 'invited' });
  await expectText(a.page.locator('#invitations'), email);
  await a.done();

  // The reviewer accepts, sets a password and enrols the second factor at the first sign-in.
  const mail = await waitForMail(email);
  const link = mail.body.match(/https?:\/\/\S+\/staff\/invitation\?token=[A-Za-z0-9_-]+/);
  assert.ok(link, `a link in the invitation:\n${mail.body}`);
  const r = await session(t, 'reviewer', { locale: 'en' });
  const target = new URL(link[0]);
  await r.goto(target.pathname + target.search, { label: 'invitation' });
  const password = `reviewer-${RUN}-password`;
  const accept = formAt(r.page, '/staff/invitation');
  await accept.getByLabel(en('label.new_password'), { exact: true }).fill(password);
  await accept.getByLabel(en('label.password_confirm'), { exact: true }).fill(password);
  await r.submit(accept.getByRole('button', { name: en('invitation.accept') }), { label: 'accepted' });
  const reviewer = { email, password, secret: null, lastStep: 0, recoveryCodes: [] };
  await enterPassword(r, 'en', email, password, { label: 'first-login' });
  assert.equal(r.path(), '/account/security');
  await enrolSecondFactor(r, 'en', reviewer);
  await r.submit(r.page.getByRole('link', { name: en('second_factor.saved_codes'), exact: true }), { label: 'console' });
  assert.equal(r.path(), '/console');
  assert.equal(await signedInAs(r), email);

  // The reviewer claims the verification from the queue and finds it under "mine".
  const p = r.page;
  const row = p.locator(`tr[data-item="${c.item.id}"]`);
  assert.equal(await row.count(), 1, 'the verification waits in the queue');
  await r.submit(row.getByRole('button', { name: new RegExp(`^${en('console.claim')}`) }), { label: 'claimed' });
  assert.ok(p.url().includes('view=mine'), `"mine" after claiming: ${p.url()}`);
  const mine = p.locator(`tr[data-item="${c.item.id}"]`);
  assert.equal((await mine.locator('td.holder').textContent()).trim(), en('console.held_by_you'));

  // …and returns it with a reason from the library, and a note.
  await r.goto(`/console/items/${c.item.id}`, { label: 'item' });
  await expectText(p.locator('#holder'), en('console.held_by_you_until'));
  await p.locator('#rc-licence_illegible').check();
  await p.locator('#rn-licence_illegible').fill(`(${RUN})`);
  await r.submit(p.getByRole('button', { name: en('console.reject'), exact: true }), { label: 'returned' });
  await expectText(p.locator('main h1 .badge'), en('decision.rejected'));
  await r.done();

  // The applicant reads the reason in Chinese, beside the step it concerns.
  await holder.goto('/move-in', { label: 'returned' });
  const step = holder.page.locator('#step-enterprise_verification');
  await expectText(step.locator('.reasons li').first(), `营业执照照片不清晰，请上传清晰完整的照片。 (${RUN})`);
  assert.ok(await step.getByRole('link', { name: zh('appeal.link') }).count(), 'the rejection can be answered');
  assert.deepEqual(await machineValues(holder), []);
  await holder.done();
});
