// Staff management as people meet it (issue 14): an administrator invites a colleague from the
// console's staff page; the colleague opens the mailed link, sets a password, enrols the second
// factor at the first sign-in and sees the console (without the administrators' screens); the
// staff page then shows the colleague's role and last sign-in in words. axe-core runs on every
// page state.

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import {
  closeBrowser,
  enrolSecondFactor,
  enterPassword,
  expectText,
  formAt,
  freshTotp,
  loginAsNewStaff,
  machineValues,
  session,
  signedInAs,
  tr,
  uniqueEmail,
  waitForMail,
} from '../lib.mjs';

after(closeBrowser);

test('an admin invites a colleague, who sets a password, enrols a second factor and reviews', async (t) => {
  const lang = 'zh-CN';
  const L = (key, params) => tr(lang, key, params);
  const a = await session(t, 'admin', { locale: 'zh-CN' });
  const admin = await loginAsNewStaff(a, lang, { role: 'admin' });

  // The staff screen is in the admin's menu.
  await a.submit(a.page.locator('nav .console-nav').getByRole('link', { name: L('staff.title'), exact: true }), { label: 'staff' });
  assert.equal(a.path(), '/console/staff');
  assert.deepEqual(await machineValues(a), [], 'no machine values on the staff page');

  // Nothing chosen: both fields named at once.
  const form = formAt(a.page, '/console/staff');
  const codeField = form.getByLabel(L('label.second_factor_code'), { exact: true });
  await a.submit(form.getByRole('button', { name: L('staff.invite_button') }), { status: 422, label: 'invite-refused' });
  await expectText(a.page.locator('#e-email'), L('field.required'));

  // The invitation.
  const email = uniqueEmail('colleague');
  await form.getByLabel(L('label.email'), { exact: true }).fill(email);
  await form.getByRole('checkbox', { name: new RegExp(L('audit.role.reviewer')) }).check();
  if (await codeField.count()) await codeField.fill(await freshTotp(admin));
  await a.submit(form.getByRole('button', { name: L('staff.invite_button') }), { label: 'invited' });
  assert.equal(a.path(), '/console/staff');
  await expectText(a.page.locator('main .notice.success'), L('notice.invitation_sent'));
  await expectText(a.page.locator('#invitations'), email);

  // The colleague opens the mailed link in their own browser.
  const mail = await waitForMail(email);
  const link = mail.body.match(/https?:\/\/\S+\/staff\/invitation\?token=[A-Za-z0-9_-]+/);
  assert.ok(link, `a link in the invitation:\n${mail.body}`);
  const c = await session(t, 'colleague', { locale: 'zh-CN' });
  const target = new URL(link[0]);
  await c.goto(target.pathname + target.search, { label: 'invitation' });
  await expectText(c.page.locator('main h1'), L('invitation.title'));
  await expectText(c.page.locator('main .lead'), L('audit.role.reviewer'));
  const password = `colleague-${Date.now()}-password`;
  const accept = formAt(c.page, '/staff/invitation');
  await accept.getByLabel(L('label.new_password'), { exact: true }).fill(password);
  await accept.getByLabel(L('label.password_confirm'), { exact: true }).fill(password);
  await c.submit(accept.getByRole('button', { name: L('invitation.accept') }), { label: 'password-set' });
  assert.equal(c.path(), '/login');
  await expectText(c.page.locator('main .notice.success'), L('notice.invitation_accepted'));

  // The first sign-in enrols the second factor, then the console opens.
  const colleague = { email, password, secret: null, lastStep: 0, recoveryCodes: [] };
  await enterPassword(c, lang, email, password, { label: 'first-login' });
  assert.equal(c.path(), '/account/security');
  await enrolSecondFactor(c, lang, colleague);
  await c.submit(c.page.getByRole('link', { name: L('second_factor.saved_codes'), exact: true }), { label: 'console' });
  assert.equal(c.path(), '/console');
  assert.equal(await signedInAs(c), email);
  assert.equal(await c.page.locator('nav .console-nav a[href="/console/staff"]').count(), 0, 'a reviewer has no staff screen');

  // The link works once.
  await c.goto(target.pathname + target.search, { status: 410, label: 'invitation-used' });
  await expectText(c.page.locator('main .notice.error'), L('error.invitation_used'));

  // The admin sees the colleague with the role and a last sign-in, in words.
  await a.goto('/console/staff', { label: 'staff-after' });
  const row = a.page.locator('#staff tr.staff-member').filter({ hasText: email });
  await expectText(row, L('audit.role.reviewer'));
  assert.ok(!(await row.textContent()).includes(L('staff.never_signed_in')), 'the sign-in is shown');
});
