// A credit code that fails its GB 32100 check character (DOMAIN.md: a few real, registered
// codes do): the provider may save it only by ticking "this is the code on our licence", and an
// operator may approve it only with a recorded reason — without one the approval is refused at
// the field and nothing is decided.

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import {
  RUN,
  closeBrowser,
  expectText,
  formAt,
  login,
  loginAsNewStaff,
  pdfBytes,
  registerAndActivate,
  session,
  tr,
  uniqueUscc,
  usccCheck,
  openFromQueue,
} from '../lib.mjs';

after(closeBrowser);

const USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';

/** A valid code of this run with only its last character changed, so that the check fails. */
function failingUscc() {
  // The rule of DOMAIN.md, on its own examples: 914403001922038216 passes, …217 does not.
  assert.equal(usccCheck('91440300192203821'), '6');
  const good = uniqueUscc();
  assert.equal(usccCheck(good.slice(0, 17)), good[17], `${good} passes its check`);
  const wrong = USCC_ALPHABET[(USCC_ALPHABET.indexOf(good[17]) + 7) % USCC_ALPHABET.length];
  const bad = good.slice(0, 17) + wrong;
  assert.notEqual(usccCheck(bad.slice(0, 17)), bad[17], `${bad} fails its check`);
  return bad;
}

test('a credit code that fails its check: ticked by the provider, approved only with a reason', async (t) => {
  const lang = 'zh-CN';
  const L = (key, params) => tr(lang, key, params);
  const company = `深圳市校验位例外测试有限公司${RUN}`;
  const uscc = failingUscc();
  const overrideReason = `已与营业执照原件及国家企业信用信息公示系统核对，代码一致（${RUN}）`;

  // ---- the provider: register, activate, log in ---------------------------------------------
  const p = await session(t, 'provider', { locale: 'zh-CN' });
  const page = p.page;
  const { email, password } = await registerAndActivate(p, lang);
  await login(p, lang, email, password, { expectPath: '/move-in' });
  await p.goto('/move-in/enterprise', { label: 'enterprise-empty' });

  const form = formAt(page, '/move-in/enterprise');
  const usccInput = form.getByLabel(L('fieldname.uscc'), { exact: true });
  const override = form.getByLabel(L('label.uscc_check_override'), { exact: true });
  assert.equal(await page.locator('input[name="uscc_check_override"]').count(), 0, 'no override box before an error');

  // The ID and account numbers are never echoed back, so they are typed again after a 422.
  const fillSecrets = async () => {
    await form.locator('[id="f-legal_rep.id_number"]').fill('11010519491231002X');
    await form.locator('[id="f-license_valid_until"]').fill('2036-06-30');
    await form.locator('input[name="legal_rep.id_long_term"]').check();
    await form.getByLabel(L('fieldname.corporate_account.account_number'), { exact: true }).fill('6222020200112233445');
  };
  await form.getByLabel(L('subject.enterprise'), { exact: true }).check();
  await form.getByLabel(L('fieldname.company_name'), { exact: true }).fill(company);
  await usccInput.fill(uscc);
  await form.getByLabel(L('fieldname.registered_address'), { exact: true }).fill('广东省深圳市南山区科技园1号');
  await form.locator('[id="f-legal_rep.name"]').fill('张三');
  await form.locator('[id="f-legal_rep.id_type"]').selectOption('prc_id');
  await form.getByLabel(L('authorized.same'), { exact: true }).check();
  await form.getByLabel(L('fieldname.corporate_account.bank_name'), { exact: true }).fill('中国工商银行');
  await form.getByLabel(L('fieldname.corporate_account.province'), { exact: true }).fill('广东省');
  await form.getByLabel(L('fieldname.corporate_account.city'), { exact: true }).fill('深圳市');
  await form.getByLabel(L('fieldname.corporate_account.branch_name'), { exact: true }).fill('深圳南山支行');
  await fillSecrets();

  // ---- saving the failing code: an error at the field, and the box to say it is on the licence ----
  await p.submit(form.getByRole('button', { name: L('form.save_draft') }), { status: 422, label: 'uscc-check-fails' });
  assert.equal(await usccInput.inputValue(), uscc, 'the typed code is kept');
  assert.equal(await usccInput.getAttribute('aria-invalid'), 'true');
  await expectText(page.locator('#e-uscc'), L('field.checksum'));
  await expectText(page.locator('.error-summary a[href="#f-uscc"]'), L('field.checksum'));
  assert.equal(await page.locator('input[name="uscc_check_override"]').count(), 1, 'the override box is offered after the check error');
  assert.equal(await override.count(), 1, 'the override box is labelled');
  assert.equal(await override.isChecked(), false, 'the box is not ticked for the provider');
  await expectText(page.locator('#f-uscc_check_override .hint'), L('enterprise.uscc_check_override_hint'));

  // ---- ticked: the draft is saved with the code as typed, and the box stays ticked ----------------
  await override.check();
  await fillSecrets();
  await p.submit(form.getByRole('button', { name: L('form.save_draft') }), { label: 'uscc-override-saved' });
  await expectText(page.locator('.notice.success'), L('notice.saved'));
  assert.equal(await page.locator('.error-summary').count(), 0, 'no errors after ticking the box');
  assert.equal(await usccInput.inputValue(), uscc, 'the failing code is stored as typed');
  assert.equal(await usccInput.getAttribute('aria-invalid'), 'false');
  assert.equal(await override.isChecked(), true, 'the draft carries the override');

  // ---- the licence, chosen in the same form, then submit ------------------------------------------
  await form.locator('[id="f-documents.business_license"]').setInputFiles({ name: 'business-licence.pdf', mimeType: 'application/pdf', buffer: pdfBytes() });
  await p.submit(form.getByRole('button', { name: L('form.submit_review') }), { label: 'enterprise-submitted' });
  await expectText(page.locator('.notice.success'), L('notice.submitted'));
  await expectText(page.locator('main h1 .badge'), L('journey.badge.in_review'));

  // ---- the operator: warned, refused without a reason, approves with one ---------------------------
  const op = await session(t, 'operator', { locale: 'zh-CN' });
  await loginAsNewStaff(op, lang);
  await openFromQueue(op, lang, company, 'enterprise_verification');
  const itemPath = op.path();
  const itemId = itemPath.split('/').at(-1);
  await expectText(op.page.locator('table.compare'), uscc);
  const decision = op.page.locator('form[action$="/decision"]');
  await expectText(decision.locator('.notice.error'), L('console.uscc_check_failed'));
  const reasonBox = decision.getByLabel(L('label.override_reason'), { exact: true });
  assert.equal(await reasonBox.count(), 1, 'the decision form asks for the override reason');
  assert.equal(await reasonBox.getAttribute('name'), 'override_reason');

  await op.submit(decision.getByRole('button', { name: L('console.approve'), exact: true }), { status: 422, label: 'approve-without-reason' });
  assert.equal(op.path(), `${itemPath}/decision`);
  await expectText(op.page.locator('#e-override_reason'), L('field.required'));
  await expectText(
    op.page.locator('.field.has-error').filter({ has: op.page.locator('#f-override_reason') }).locator('.field-error'),
    L('field.required'),
  );
  await expectText(op.page.locator('.error-summary a[href="#f-override_reason"]'), L('field.required'));
  assert.equal(await reasonBox.getAttribute('aria-invalid'), 'true');
  await expectText(op.page.locator('main h1 .badge'), L('decision.pending'));

  // Nothing was decided: the item is still pending when opened afresh, and the provider still waits.
  await op.goto(itemPath, { label: 'still-pending' });
  await expectText(op.page.locator('main h1 .badge'), L('decision.pending'));
  await p.goto('/move-in/enterprise', { label: 'still-in-review' });
  await expectText(page.locator('main h1 .badge'), L('journey.badge.in_review'));

  await reasonBox.fill(overrideReason);
  await op.submit(decision.getByRole('button', { name: L('console.approve'), exact: true }), { label: 'approved-with-reason' });
  assert.equal(op.path(), itemPath);
  await expectText(op.page.locator('.notice.success'), L('notice.decided'));
  await expectText(op.page.locator('main h1 .badge'), L('decision.approved'));
  assert.equal(await op.page.locator('form[action$="/decision"]').count(), 0, 'decided: no decision form');

  // The reason is on record in the approval's audit event, found with the audit page's filters.
  await op.goto(`/console/audit?about=${itemId}&action=review.approved`, { label: 'audit' });
  const events = op.page.locator('table.audit-log tbody tr');
  assert.equal(await events.count(), 1, `one approval of ${itemId} in the audit log`);
  await expectText(events, L('audit.action.review.approved'));
  await expectText(events, overrideReason);
  await op.done();

  // ---- the provider sees the verification approved (the micro-deposit comes next) -----------------
  await p.goto('/move-in/enterprise', { label: 'enterprise-approved' });
  // Finding 10: the page and the stepper say the same — the deposit is on its way, not "approved".
  await expectText(page.locator('main h1 .badge'), L('journey.badge.deposit_waiting'));
  await expectText(page.locator('.banner.info:not(.agreement-due)'), L('journey.detail.enterprise_verification.deposit_waiting'));
  await p.goto('/move-in', { label: 'stepper-deposit-waiting' });
  await expectText(page.locator('#step-enterprise_verification .badge'), L('journey.badge.deposit_waiting'));
  await p.done();
});
