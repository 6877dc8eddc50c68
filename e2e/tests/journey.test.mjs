// The whole move-in journey in a browser: register → activate → log in → enterprise
// verification (rejected once, fixed, micro-deposit) → move-in application → provider backend
// (customer service, settlement) → moved in. Once in Chinese (the default) and once in English
// (chosen with the language switch). An operator works in a second browser context.

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import {
  RUN,
  assertLabelled,
  closeBrowser,
  expectText,
  formAt,
  login,
  loginAsNewStaff,
  pdfBytes,
  registerAndActivate,
  session,
  switchLanguage,
  tr,
  uniqueUscc,
  waitForMail,
  openFromQueue,
} from '../lib.mjs';

after(closeBrowser);

/** The review screen of each journey's resubmitted enterprise verification, by language. */
const reviewed = {};

const STEP_KEYS = ['account', 'enterprise_verification', 'partner_application', 'customer_service_info', 'settlement_info'];

/** The stepper's rows as { title, status } (status from the step-<status> class). */
async function stepper(page) {
  const rows = page.locator('ol.stepper > li.step');
  const out = [];
  for (let i = 0; i < (await rows.count()); i++) {
    const row = rows.nth(i);
    const cls = (await row.getAttribute('class')) || '';
    out.push({ title: (await row.locator('h2').textContent()).trim(), status: cls.match(/step-(\w+)/)?.[1] });
  }
  return out;
}

async function journey(t, lang) {
  const zh = lang === 'zh-CN';
  const L = (key, params) => tr(lang, key, params);
  const run = `${RUN}${zh ? 'z' : 'e'}`;
  const firstName = zh ? `深圳市泊位测试科技有限公司${run}` : `Berth Test Technology Co. Ltd ${run}`;
  const company = zh ? `深圳市泊位云测试科技有限公司${run}` : `Berth Cloud Test Technology Co. Ltd ${run}`;
  const uscc = uniqueUscc();
  const reason = zh ? `公司名称与营业执照不一致（${run}）` : `The name differs from the business licence (${run})`;

  // ---- the provider: language, register, activate, log in -----------------------------------
  const p = await session(t, 'provider', { locale: 'zh-CN' });
  const page = p.page;
  await p.goto('/', { label: 'home' });
  assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN', 'Chinese is the default');
  if (!zh) await switchLanguage(p, 'en');
  await expectText(page.locator('main h1'), L('home.headline'));

  const { email, password } = await registerAndActivate(p, lang, zh ? { mobile: '13800138000' } : {});
  await login(p, lang, email, password, { expectPath: '/move-in' });

  // ---- the stepper ------------------------------------------------------------------------------
  await expectText(page.locator('main h1'), L('move_in.title'));
  const steps = await stepper(page);
  assert.deepEqual(
    steps.map((s) => s.title),
    STEP_KEYS.map((k) => L(`step.${k}`)),
    'the stepper shows the 5 steps',
  );
  assert.equal(steps[0].status, 'done', 'the account step is done');
  assert.deepEqual(steps.slice(1).map((s) => s.status), ['not_started', 'not_started', 'not_started', 'not_started']);

  // ---- applying before verification: a notice with a link, not an error page -------------------
  await p.goto('/move-in/application', { label: 'application-needs-verification' });
  const notice = page.locator('#verification-required');
  await expectText(notice, L('application.verification_required_title'));
  await expectText(notice, L('application.verification_required'));
  assert.equal(await page.locator('.status-code').count(), 0, 'not an error page');
  assert.equal(await formAt(page, '/move-in/application').count(), 0, 'no form before verification');
  const verifyLink = notice.getByRole('link', { name: L('application.go_verify') });
  assert.equal(await verifyLink.getAttribute('href'), '/move-in/enterprise');
  await p.submit(verifyLink, { label: 'enterprise-empty' });
  assert.equal(p.path(), '/move-in/enterprise');
  await assertLabelled(p);

  // ---- enterprise verification: fill, choose the licence, save, submit ------------------------------
  const form = formAt(page, '/move-in/enterprise');
  await form.getByLabel(L('subject.enterprise'), { exact: true }).check();
  await form.getByLabel(L('fieldname.company_name'), { exact: true }).fill(firstName);
  await form.getByLabel(L('fieldname.uscc'), { exact: true }).fill(uscc);
  await form.getByLabel(L('fieldname.registered_address'), { exact: true }).fill(zh ? '广东省深圳市南山区科技园1号' : '1 Science Park, Nanshan, Shenzhen');
  await form.locator('[id="f-legal_rep.name"]').fill(zh ? '张三' : 'Zhang San');
  await form.locator('[id="f-legal_rep.id_type"]').selectOption('prc_id');
  await form.locator('[id="f-legal_rep.id_number"]').fill('11010519491231002X');
  await form.locator('[id="f-license_valid_until"]').fill('2036-06-30');
  await form.locator('input[name="legal_rep.id_long_term"]').check();
  await form.getByLabel(L('authorized.same'), { exact: true }).check();
  await form.getByLabel(L('fieldname.corporate_account.bank_name'), { exact: true }).fill(zh ? '中国工商银行' : 'Industrial and Commercial Bank of China');
  await form.getByLabel(L('fieldname.corporate_account.province'), { exact: true }).fill(zh ? '广东省' : 'Guangdong');
  await form.getByLabel(L('fieldname.corporate_account.city'), { exact: true }).fill(zh ? '深圳市' : 'Shenzhen');
  await form.getByLabel(L('fieldname.corporate_account.branch_name'), { exact: true }).fill(zh ? '深圳南山支行' : 'Shenzhen Nanshan Branch');
  await form.getByLabel(L('fieldname.corporate_account.account_number'), { exact: true }).fill('6222020200112233445');
  // The licence is part of the same form: chosen, then saved with everything typed.
  await form.locator('[id="f-documents.business_license"]').setInputFiles({ name: 'business-licence.pdf', mimeType: 'application/pdf', buffer: pdfBytes() });
  await p.submit(form.getByRole('button', { name: L('form.save_draft') }), { label: 'enterprise-draft-saved' });
  await expectText(page.locator('.notice.success'), L('notice.saved'));
  assert.equal(await form.getByLabel(L('fieldname.company_name'), { exact: true }).inputValue(), firstName);
  assert.equal(await form.locator('[id="f-legal_rep.id_number"]').inputValue(), '', 'the ID number is never echoed');
  await expectText(page.locator('[id="k-legal_rep.id_number"]'), L('enterprise.secret_kept', { last4: '002X' }));
  await expectText(page.locator('[id="d-documents.business_license"]'), L('file_type.pdf'));

  await p.submit(form.getByRole('button', { name: L('form.submit_review') }), { label: 'enterprise-submitted' });
  await expectText(page.locator('.notice.success'), L('notice.submitted'));
  await expectText(page.locator('main h1 .badge'), L('journey.badge.in_review'));
  await expectText(page.locator('.banner.info:not(.agreement-due)'), L('enterprise.in_review'));
  assert.equal(await form.locator('fieldset[disabled]').count(), 1, 'the form is read-only while in review');

  // ---- the operator returns it with a reason on the company name -------------------------------------
  const op = await session(t, 'operator', { locale: 'zh-CN' });
  await op.goto('/', { label: 'home' });
  if (!zh) await switchLanguage(op, 'en');
  await loginAsNewStaff(op, lang);
  await openFromQueue(op, lang, firstName, 'enterprise_verification');
  await expectText(op.page.locator('table.compare'), firstName);
  await assertLabelled(op);
  await expectText(op.page.locator('.case-docs'), L('doc.business_license'));
  await op.page.locator('#rf1').selectOption('company_name');
  await op.page.locator('#rm1').fill(reason);
  await op.submit(op.page.getByRole('button', { name: L('console.reject') }), { label: 'enterprise-rejected' });
  await expectText(op.page.locator('.notice.success'), L('notice.decided'));
  await expectText(op.page.locator('main h1 .badge'), L('decision.rejected'));

  // ---- the provider is told by mail, sees the reason at the field, fixes the name, resubmits -------
  await waitForMail(email, (m) => m.body.includes(reason));
  await p.goto('/move-in', { label: 'stepper-rejected' });
  const afterReject = await stepper(page);
  assert.equal(afterReject[1].status, 'rejected');
  await expectText(page.locator('ol.stepper > li.step').nth(1).locator('.reasons'), reason);

  await p.goto('/move-in/enterprise', { label: 'enterprise-rejected' });
  await expectText(page.locator('.banner.warn:not(.agreement-due)'), L('enterprise.rejected'));
  await expectText(page.locator('#returned .reasons'), reason);
  const nameField = form.locator('.field').filter({ has: page.locator('#f-company_name') });
  const besideName = nameField.locator('xpath=following-sibling::*[1]');
  assert.equal(await besideName.getAttribute('class'), 'review-reason', 'the reason follows the company-name field');
  await expectText(besideName, reason);
  const idField = form.locator('[id="f-legal_rep.id_number"]');
  const accountField = form.getByLabel(L('fieldname.corporate_account.account_number'), { exact: true });
  assert.equal(await idField.inputValue(), '');
  assert.equal(await accountField.inputValue(), '');
  await expectText(page.locator('[id="k-corporate_account.account_number"]'), L('enterprise.secret_kept', { last4: '3445' }));
  await form.getByLabel(L('fieldname.company_name'), { exact: true }).fill(company);
  await p.submit(form.getByRole('button', { name: L('form.submit_review') }), { label: 'enterprise-resubmitted' });
  await expectText(page.locator('.notice.success'), L('notice.submitted'));
  await expectText(page.locator('main h1 .badge'), L('journey.badge.in_review'));

  // ---- the operator compares, records the micro-deposit and approves ----------------------------------
  await openFromQueue(op, lang, company, 'enterprise_verification');
  reviewed[lang] = op.path();
  const compare = op.page.locator('table.compare');
  await expectText(compare.locator('thead'), L('console.earlier_submission'));
  const changed = compare.locator('tbody tr.changed');
  assert.equal(await changed.count(), 1, 'exactly one changed row (ID and account numbers were kept)');
  assert.equal((await changed.locator('th').textContent()).trim(), L('fieldname.company_name'));
  await expectText(changed.locator('td').first(), company);
  assert.equal((await changed.locator('td.earlier').textContent()).trim(), firstName);
  await expectText(op.page.locator('.history'), reason);

  // The deposit is paid once the documents are approved (issue 11, finding 2).
  await op.submit(op.page.getByRole('button', { name: L('console.approve') }), { label: 'enterprise-approved' });
  await expectText(op.page.locator('.notice.success'), L('notice.decided'));
  await expectText(op.page.locator('main h1 .badge'), L('decision.approved'));
  await op.submit(op.page.getByRole('button', { name: L('console.record_deposit') }), { label: 'deposit-recorded' });
  const amountText = await op.page.locator('#deposit-amount').textContent();
  const amount = amountText.match(/¥\s*(\d+\.\d{2})/)?.[1];
  assert.ok(amount, `an amount in ${JSON.stringify(amountText)}`);
  const fen = Math.round(Number(amount) * 100);
  assert.ok(fen >= 1 && fen <= 99, `0.01–0.99 CNY, got ${amount}`);

  // ---- the provider types the amount: once wrong, then right -----------------------------------------
  await p.goto('/move-in/enterprise', { label: 'deposit-due' });
  const deposit = page.locator('#deposit');
  await expectText(deposit, L('enterprise.deposit.title'));
  await expectText(deposit.locator('.hint'), L('enterprise.deposit.attempts', { n: 5 }));
  const amountInput = deposit.getByLabel(L('enterprise.deposit.amount'), { exact: true });
  const wrong = ((fen === 99 ? 98 : fen + 1) / 100).toFixed(2);
  await amountInput.fill(wrong);
  await p.submit(deposit.getByRole('button', { name: L('enterprise.deposit.confirm') }), { status: 422, label: 'deposit-wrong' });
  await expectText(deposit.locator('#e-amount'), L('field.wrong_amount', { attempts_left: 4 }));
  assert.equal(await amountInput.getAttribute('aria-invalid'), 'true');
  await expectText(deposit.locator('.hint'), L('enterprise.deposit.attempts', { n: 4 }));
  await amountInput.fill(amount);
  await p.submit(deposit.getByRole('button', { name: L('enterprise.deposit.confirm') }), { label: 'deposit-confirmed' });
  await expectText(page.locator('.notice.success'), L('notice.deposit_confirmed'));
  await expectText(page.locator('.banner.done'), L('enterprise.verified'));
  assert.equal(await page.locator('#deposit').count(), 0);

  // ---- the move-in application ---------------------------------------------------------------
  await p.submit(page.locator('.banner.done').getByRole('link', { name: L('journey.next.partner_application.not_started') }), { label: 'application-empty' });
  assert.equal(p.path(), '/move-in/application');
  await expectText(page.locator('main h1 .badge'), L('journey.badge.not_started'));
  await assertLabelled(p);
  const app = formAt(page, '/move-in/application');
  await app.getByLabel(L('fieldname.contact.name'), { exact: true }).fill(zh ? '李四' : 'Li Si');
  await app.getByLabel(L('fieldname.contact.title'), { exact: true }).fill(zh ? '商务经理' : 'Business manager');
  await app.getByLabel(L('fieldname.contact.mobile'), { exact: true }).fill('13912345678');
  await app.getByLabel(L('fieldname.contact.email'), { exact: true }).fill(`contact-${run}@example.com`);
  await app
    .getByLabel(L('fieldname.business_brief'), { exact: true })
    .fill(zh ? '我们为中小企业提供云端财务软件和实施服务，计划上架SaaS产品。' : 'We build cloud accounting software for small companies and will release SaaS products.');
  const categories = app.locator('#f-categories input[type="checkbox"]');
  assert.ok((await categories.count()) >= 2, 'the default categories are offered');
  await categories.nth(0).check();
  await categories.nth(1).check();
  await app.locator('#f-service_types input[type="checkbox"]').first().check();
  await app.getByLabel(L('fieldname.service_hours'), { exact: true }).selectOption('7x12');
  await app.getByLabel(L('fieldname.years_in_industry'), { exact: true }).fill('8');
  await app.locator('input[name="agreement"]').check();
  await p.submit(app.getByRole('button', { name: L('form.submit_review') }), { label: 'application-submitted' });
  await expectText(page.locator('.notice.success'), L('notice.submitted'));
  await expectText(page.locator('main h1 .badge'), L('journey.badge.in_review'));

  await openFromQueue(op, lang, company, 'partner_application');
  await op.submit(op.page.getByRole('button', { name: L('console.approve') }), { label: 'application-approved' });
  await expectText(op.page.locator('main h1 .badge'), L('decision.approved'));
  await op.done();

  // ---- the provider backend: Information Management → Basic Information ---------------------------
  await p.goto('/provider', { label: 'provider-customer-service' });
  assert.equal(p.path(), '/provider/info/customer-service');
  await expectText(page.locator('.sidenav'), L('provider.info_management'));
  await expectText(page.locator('.sidenav a[aria-current="page"]'), L('provider.basic_info'));
  await expectText(page.locator('main h1'), L('provider.basic_info'));
  await expectText(page.locator('.tabs .tab[aria-selected="true"]'), L('provider.tab.customer_service'));
  await assertLabelled(p);
  const cs = formAt(page, '/provider/info/customer-service');
  await cs.getByLabel(L('label.cs_phone'), { exact: true }).fill('400-123-4567');
  await cs.getByLabel(L('label.cs_email'), { exact: true }).fill(`service-${run}@example.com`);
  await cs.getByLabel(L('label.dongdong_group_id'), { exact: true }).fill('20231234');
  await cs.getByLabel(L('label.cs_hours'), { exact: true }).fill(zh ? '工作日 9:00–18:00' : 'Weekdays 9:00–18:00');
  await p.submit(cs.getByRole('button', { name: L('form.submit') }), { label: 'customer-service-saved' });
  await expectText(page.locator('.notice.success'), L('notice.saved'));
  assert.equal(await cs.getByLabel(L('label.dongdong_group_id'), { exact: true }).inputValue(), '20231234');

  await p.submit(page.locator('.tabs').getByRole('tab', { name: L('provider.tab.settlement') }), { label: 'settlement' });
  assert.equal(p.path(), '/provider/info/settlement');
  await assertLabelled(p);
  const st = formAt(page, '/provider/info/settlement');
  await st.getByLabel(L('label.account_name'), { exact: true }).fill(company);
  await st.getByLabel(L('label.bank_name'), { exact: true }).fill(zh ? '招商银行' : 'China Merchants Bank');
  await st.getByLabel(L('label.branch_name'), { exact: true }).fill(zh ? '招商银行深圳分行' : 'China Merchants Bank Shenzhen Branch');
  await st.getByLabel(L('label.branch_code'), { exact: true }).fill('308584000013');
  await st.getByLabel(L('label.account_number'), { exact: true }).fill('6222020200112233445');
  await p.submit(st.getByRole('button', { name: L('form.submit') }), { label: 'settlement-saved' });
  await expectText(page.locator('.notice.success'), L('notice.saved'));
  assert.equal((await page.locator('#masked-account').textContent()).trim(), '**** **** 3445');
  assert.equal(await st.getByLabel(L('label.account_number'), { exact: true }).inputValue(), '', 'the account number is never echoed');

  // ---- moved in ---------------------------------------------------------------------------
  await p.goto('/move-in', { label: 'moved-in' });
  await expectText(page.locator('.banner.done'), L('move_in.live_title'));
  assert.deepEqual((await stepper(page)).map((s) => s.status), ['done', 'done', 'done', 'done', 'done']);
  await p.done();
}

test('the move-in journey in Chinese (the default language)', async (t) => {
  await journey(t, 'zh-CN');
});

test('the move-in journey in English (chosen with the language switch)', async (t) => {
  await journey(t, 'en');
});

for (const lang of ['zh-CN', 'en']) {
  test(`the review screen shows choices in the operator's language, not as codes (${lang})`, async (t) => {
    const L = (key) => tr(lang, key);
    assert.ok(reviewed[lang], `the ${lang} journey reached the review of its resubmission`);
    const op = await session(t, `operator-${lang}`, { locale: 'zh-CN' });
    await op.goto('/', { label: 'home' });
    if (lang === 'en') await switchLanguage(op, 'en');
    await loginAsNewStaff(op, lang);
    await op.goto(reviewed[lang], { label: 'reviewed-item' });
    const value = async (field) => {
      const row = op.page.locator(`table.compare tbody tr[data-field="${field}"]`);
      assert.equal(await row.count(), 1, `one row for ${field}`);
      return (await row.locator('td').first().textContent()).trim();
    };
    assert.equal(await value('subject_type'), L('subject.enterprise'), `${lang}: subject type`);
    assert.equal(await value('legal_rep.id_type'), L('id_type.prc_id'), `${lang}: ID type`);
    await op.done();
  });
}
