// The company's and the buyer's pages as people meet them (issue 11): forms that never lose what
// was typed (an upload, a refused upload, a mistake, a language switch), every error at once,
// a form sent twice making one thing, a decision visible where the person acts, the agreement
// readable, one journey in the same words everywhere, and error pages for the visitor who asked.
// Each test names the finding of the issue it covers. Setup that is not what a test is about
// goes through the JSON API (lib.mjs `movedInProvider`, `verifiedHolder`).

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import {
  BASE,
  RUN,
  api,
  badUscc,
  closeBrowser,
  expectText,
  formAt,
  login,
  machineWordsIn,
  mailsTo,
  movedInProvider,
  operatorApi,
  pdfBytes,
  pendingItem,
  readableText,
  registerAndActivate,
  session,
  signedInAs,
  switchLanguage,
  tr,
  uniqueEmail,
  usccCheck,
  verifiedHolder,
  waitForMail,
} from '../lib.mjs';

after(closeBrowser);

const textOf = async (locator) => ((await locator.textContent()) || '').replace(/\s+/g, ' ').trim();

/** The summary's entries as { href, text }. */
async function summary(page) {
  return page.locator('.error-summary li a').evaluateAll((as) => as.map((a) => ({ href: a.getAttribute('href'), text: a.textContent.trim() })));
}

// ---------------------------------------------------------------------------------------------
// Finding 1: typed input survives an upload, a refused upload, a mistake and a language switch

test('finding 1: the enterprise form keeps what was typed through an upload, a refused upload, a mistake and a language switch', async (t) => {
  const lang = 'zh-CN';
  const L = (key, params) => tr(lang, key, params);
  const s = await session(t, 'enterprise-keeps');
  const p = s.page;
  const { email, password } = await registerAndActivate(s, lang);
  await login(s, lang, email, password);
  await s.goto('/move-in/enterprise', { label: 'enterprise-empty' });
  const form = formAt(p, '/move-in/enterprise');
  const company = `保留输入测试有限公司${RUN}`;
  await form.getByLabel(L('fieldname.company_name'), { exact: true }).fill(company);
  await form.getByLabel(L('fieldname.registered_address'), { exact: true }).fill('广东省深圳市南山区科技园1号');
  await form.locator('[id="f-legal_rep.name"]').fill('张三');
  await form.locator('[id="f-legal_rep.id_number"]').fill('11010519491231002X');
  await form.locator('[id="f-license_valid_until"]').fill('2036-06-30');
  await form.locator('input[name="legal_rep.id_long_term"]').check();
  await form.locator('[id="f-corporate_account.account_number"]').fill('6222020200112244444');

  // An upload: the licence is chosen in the same form; everything typed is saved with it.
  await form.locator('[id="f-documents.business_license"]').setInputFiles({ name: 'licence.pdf', mimeType: 'application/pdf', buffer: pdfBytes() });
  await s.submit(form.getByRole('button', { name: L('form.save_draft') }), { label: 'saved-with-licence' });
  assert.equal(s.path(), '/move-in/enterprise');
  assert.equal(await form.getByLabel(L('fieldname.company_name'), { exact: true }).inputValue(), company);
  await expectText(p.locator('[id="d-documents.business_license"]'), L('file_type.pdf'));
  // Secrets are never echoed, but a secret typed without an error is kept and said to be.
  assert.equal(await form.locator('[id="f-legal_rep.id_number"]').inputValue(), '');
  await expectText(p.locator('[id="k-legal_rep.id_number"]'), L('enterprise.secret_kept', { last4: '002X' }));
  await expectText(p.locator('[id="k-corporate_account.account_number"]'), L('enterprise.secret_kept', { last4: '4444' }));

  // A refused upload: the error is at the top, focused, in view, linking to the file field;
  // what was typed meanwhile is still there.
  await p.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
  await form.getByLabel(L('fieldname.registered_address'), { exact: true }).fill('广东省深圳市福田区深南大道1号');
  await form.locator('[id="f-documents.business_license"]').setInputFiles({ name: 'licence.txt', mimeType: 'text/plain', buffer: Buffer.from('not a licence') });
  await s.submit(form.getByRole('button', { name: L('form.save_draft') }), { status: 422, label: 'refused-upload' });
  const box = p.locator('.error-summary');
  assert.ok(await box.evaluate((el) => el === document.activeElement), 'the summary has the focus');
  const inView = await box.evaluate((el) => {
    const r = el.getBoundingClientRect();
    return r.top >= 0 && r.top < window.innerHeight;
  });
  assert.ok(inView, 'the summary is where the eye is');
  assert.deepEqual(
    (await summary(p)).map((e) => e.href),
    ['#f-documents.business_license'],
    'the refused file is the one error',
  );
  await expectText(box, L('field.unsupported_media_type'));
  assert.equal(await form.getByLabel(L('fieldname.registered_address'), { exact: true }).inputValue(), '广东省深圳市福田区深南大道1号');
  await expectText(p.locator('[id="d-documents.business_license"]'), L('file_type.pdf'));

  // A mistake: the typed code is kept beside its error, the rest of the draft saved.
  const code = badUscc();
  await form.getByLabel(L('fieldname.uscc'), { exact: true }).fill(code);
  await s.submit(form.getByRole('button', { name: L('form.save_draft') }), { status: 422, label: 'bad-code' });
  assert.equal(await form.getByLabel(L('fieldname.uscc'), { exact: true }).inputValue(), code);
  await expectText(box.locator('h2'), L('form.saved_not_all'));

  // A language switch on the page reached by that POST: back to the page, signed in, in
  // English, with the saved draft and the code that could not be saved, still explained.
  await switchLanguage(s, 'en');
  assert.equal(s.path(), '/move-in/enterprise');
  assert.equal(await signedInAs(s), email, 'the top bar still shows who is signed in');
  await expectText(p.locator('main h1'), tr('en', 'enterprise.title'));
  assert.equal(await form.getByLabel(tr('en', 'fieldname.company_name'), { exact: true }).inputValue(), company);
  assert.equal(await form.getByLabel(tr('en', 'fieldname.registered_address'), { exact: true }).inputValue(), '广东省深圳市福田区深南大道1号');
  assert.equal(await form.getByLabel(tr('en', 'fieldname.uscc'), { exact: true }).inputValue(), code, 'the code typed survives the switch');
  await expectText(p.locator('#e-uscc'), tr('en', 'field.checksum'));
  await expectText(p.locator('[id="k-legal_rep.id_number"]'), tr('en', 'enterprise.secret_kept', { last4: '002X' }));

  // And a switch mid-form, before anything was sent: typed, then switched back.
  await form.getByLabel(tr('en', 'fieldname.corporate_account.bank_name'), { exact: true }).fill('招商银行');
  await switchLanguage(s, 'zh-CN');
  assert.equal(await form.getByLabel(L('fieldname.corporate_account.bank_name'), { exact: true }).inputValue(), '招商银行');
  await s.done();
});

test('finding 1: the application form keeps what was typed through a language switch, also after a refused save', async (t) => {
  const holder = await verifiedHolder('app-keeps');
  const s = await session(t, 'application-keeps');
  const p = s.page;
  await login(s, 'zh-CN', holder.email, holder.password);
  await s.goto('/move-in/application', { label: 'application' });
  const form = formAt(p, '/move-in/application');
  await form.getByLabel(tr('zh-CN', 'fieldname.contact.name'), { exact: true }).fill('李四');
  await form.getByLabel(tr('zh-CN', 'fieldname.contact.mobile'), { exact: true }).fill('12345');
  await switchLanguage(s, 'en');
  assert.equal(s.path(), '/move-in/application');
  assert.equal(await form.getByLabel(tr('en', 'fieldname.contact.name'), { exact: true }).inputValue(), '李四');
  assert.equal(await form.getByLabel(tr('en', 'fieldname.contact.mobile'), { exact: true }).inputValue(), '12345', 'the refused mobile is kept');
  await expectText(p.locator('[id="e-contact.mobile"]'), tr('en', 'field.mobile'));

  await s.submit(form.getByRole('button', { name: tr('en', 'form.submit_review') }), { status: 422, label: 'application-refused' });
  await switchLanguage(s, 'zh-CN');
  assert.equal(s.path(), '/move-in/application', 'a page reached by POST switches back to itself, never a 405');
  assert.equal(await signedInAs(s), holder.email);
  assert.equal(await form.getByLabel(tr('zh-CN', 'fieldname.contact.name'), { exact: true }).inputValue(), '李四');
  await s.done();
});

// ---------------------------------------------------------------------------------------------
// Finding 7: every error at once, and what was and was not saved

test('finding 7: a submission names every error at once and says the draft was saved but not submitted', async (t) => {
  const L = (key, params) => tr('zh-CN', key, params);
  const s = await session(t, 'all-at-once');
  const p = s.page;
  const { email, password } = await registerAndActivate(s, 'zh-CN');
  await login(s, 'zh-CN', email, password);
  await s.goto('/move-in/enterprise', { label: 'enterprise' });
  const form = formAt(p, '/move-in/enterprise');
  const company = `一次报全测试有限公司${RUN}`;
  await form.getByLabel(L('fieldname.company_name'), { exact: true }).fill(company);
  await form.getByLabel(L('fieldname.uscc'), { exact: true }).fill(badUscc());
  await s.submit(form.getByRole('button', { name: L('form.submit_review') }), { status: 422, label: 'submitted-with-errors' });
  const hrefs = (await summary(p)).map((e) => e.href);
  for (const f of ['#f-uscc', '#f-documents.business_license', '#f-legal_rep.id_number', '#f-registered_address']) {
    assert.ok(hrefs.includes(f), `${f} is listed with the wrong check character: ${hrefs.join(' ')}`);
  }
  await expectText(p.locator('.error-summary h2'), L('form.saved_not_submitted'));
  // The badge tells the truth: a draft was saved (the company name), it was not submitted.
  await expectText(p.locator('main h1 .badge'), L('journey.badge.draft'));
  await s.goto('/move-in/enterprise', { label: 'reloaded' });
  assert.equal(await form.getByLabel(L('fieldname.company_name'), { exact: true }).inputValue(), company, 'the valid part was saved');
  await s.done();

  // A short, mismatched password: both problems at once.
  const r = await session(t, 'register-all');
  await r.goto('/register', { label: 'register' });
  const reg = formAt(r.page, '/register');
  await reg.getByLabel(L('label.email'), { exact: true }).fill(uniqueEmail('both'));
  await reg.getByLabel(L('label.password'), { exact: true }).fill('short');
  await reg.getByLabel(L('label.password_confirm'), { exact: true }).fill('shorter');
  await r.submit(reg.getByRole('button', { name: L('register.submit') }), { status: 422, label: 'register-both' });
  assert.deepEqual((await summary(r.page)).map((e) => e.href), ['#f-password', '#f-password_confirm']);
  await r.done();
});

// ---------------------------------------------------------------------------------------------
// Finding 6: a form sent twice makes one thing; refresh and Back after sending

test('finding 6: contact us — a refresh and Back make no second ticket, and a double submission makes one', async (t) => {
  const L = (key, params) => tr('zh-CN', key, params);
  const email = uniqueEmail('twice');
  const s = await session(t, 'contact-twice');
  const p = s.page;
  await s.goto('/contact', { label: 'contact' });
  const form = formAt(p, '/contact');
  await form.getByLabel(L('label.person_name'), { exact: true }).fill('赵六');
  await form.getByLabel(L('label.email'), { exact: true }).fill(email);
  await form.getByLabel(L('contact.message'), { exact: true }).fill(`刷新不应重复提交（${RUN}）`);
  await s.submit(form.getByRole('button', { name: L('contact.send') }), { label: 'sent' });
  assert.equal(s.path(), '/contact', 'the answer to the form is a page of its own address (POST → 303 → GET)');
  const reference = new URL(p.url()).searchParams.get('reference');
  assert.match(reference, /^C\d{8}-[2-9A-Z]{6}$/);
  await expectText(p.locator('#consultation-reference'), reference);
  const resp = await p.reload();
  assert.equal(resp.status(), 200);
  await expectText(p.locator('#consultation-reference'), reference);
  const back = await p.goBack({ waitUntil: 'load' });
  assert.equal(back.status(), 200, 'Back is the form again, not ERR_CACHE_MISS');
  assert.equal(s.path(), '/contact');
  await expectText(p.locator('main h1'), L('contact.title'));

  // The same form sent twice (a double click): one ticket.
  await s.goto('/contact', { label: 'contact-again' });
  await form.getByLabel(L('label.person_name'), { exact: true }).fill('赵六');
  await form.getByLabel(L('label.email'), { exact: true }).fill(email);
  await form.getByLabel(L('contact.message'), { exact: true }).fill(`双击只算一次（${RUN}）`);
  const landed = await p.evaluate(async () => {
    const f = document.querySelector('main form');
    const send = () => fetch(f.action, { method: 'POST', body: new URLSearchParams(new FormData(f)) });
    const [a, b] = await Promise.all([send(), send()]);
    return [a.redirected && a.url, b.redirected && b.url];
  });
  assert.match(landed[0], /\/contact\?reference=C\d{8}-/, 'the first is sent on to its reference');
  assert.equal(landed[1], landed[0], 'the repeat is sent to the same reference');
  await waitForMail(email, (m) => m.body.includes('C'));
  const op = await operatorApi();
  const listed = await api('GET', '/api/v1/review/consultations?limit=200', { token: op, expect: 200 });
  const mine = listed.items.filter((c) => c.email === email);
  assert.equal(mine.length, 2, `one ticket for the refreshed form and one for the double submission: ${JSON.stringify(mine.map((c) => c.message))}`);
  await s.done();
});

// ---------------------------------------------------------------------------------------------
// Findings 3 and 4: a rejected settlement change leaves a trace, in words, on the page and in mail

test('finding 3: a rejected settlement change is shown with its reasons on the settlement page and in My move-in; its mail names fields in words (finding 4)', async (t) => {
  const L = (key, params) => tr('zh-CN', key, params);
  const provider = await movedInProvider('settle');
  const s = await session(t, 'settlement-trace');
  const p = s.page;
  await login(s, 'zh-CN', provider.email, provider.password);
  await s.goto('/provider/info/settlement', { label: 'settlement' });
  const form = formAt(p, '/provider/info/settlement');
  await form.getByLabel(L('label.account_name'), { exact: true }).fill(provider.company);
  await form.getByLabel(L('label.bank_name'), { exact: true }).fill('中国银行');
  await form.getByLabel(L('label.branch_name'), { exact: true }).fill('中国银行深圳分行');
  await form.getByLabel(L('label.branch_code'), { exact: true }).fill('104584000003');
  await form.getByLabel(L('label.account_number'), { exact: true }).fill('6217000000009999');
  await s.submit(form.getByRole('button', { name: L('form.submit') }), { label: 'change-requested' });
  const pending = p.locator('#pending-change');
  await expectText(pending, '**** **** 9999');
  assert.doesNotMatch(await textOf(pending), /\d{4}-\d\d-\d\dT/, 'the time is in words');
  await expectText(p.locator('#masked-account'), '**** **** 3445');

  const reason = `联行号与开户支行不符（${RUN}）`;
  const item = await pendingItem('settlement_change', provider.accountId);
  await api('POST', `/api/v1/review/items/${item.id}/decision`, {
    token: await operatorApi(),
    json: { decision: 'reject', version: item.version, reasons: [{ field: 'branch_code', message: reason }] },
    expect: 200,
  });
  await s.goto('/provider/info/settlement', { label: 'change-rejected' });
  const rejected = p.locator('#change-rejected');
  await expectText(rejected, L('provider.settlement.rejected'));
  await expectText(rejected, '**** **** 9999');
  await expectText(rejected.locator('.reasons'), reason);
  await expectText(rejected.locator('.reasons'), L('fieldname.branch_code'));
  const besideField = p.locator('.field').filter({ has: p.locator('#f-branch_code') }).locator('xpath=following-sibling::*[1]');
  await expectText(besideField, reason);
  await expectText(p.locator('#masked-account'), '**** **** 3445');

  await s.goto('/move-in', { label: 'stepper-change-rejected' });
  const step = p.locator('#step-settlement_info');
  await expectText(step.locator('.badge'), L('journey.badge.change_rejected'));
  await expectText(step.locator('.reasons'), reason);
  await s.done();

  const mail = await waitForMail(provider.email, (m) => m.body.includes(reason));
  assert.ok(mail.body.includes(`${L('fieldname.branch_code')}: ${reason}`), `the mail names the field in words:\n${mail.body}`);
  assert.ok(!mail.body.includes('branch_code'), 'no field key in the mail');
});

// ---------------------------------------------------------------------------------------------
// Finding 8: the product form

test('finding 8: the product form offers the declared service types, asks for the delivery, names the plan row in yuan, takes the icon from the first draft', async (t) => {
  const L = (key, params) => tr('zh-CN', key, params);
  const offline = await movedInProvider('offline', { serviceTypes: ['offline-service'] });
  // The workflow refuses an undeclared service type, with a field error (the API too).
  const refused = await api('POST', '/api/v1/provider/products', {
    token: offline.token,
    json: {
      name: '未声明类型',
      category: 'iot',
      service_type: 'saas',
      delivery: 'download',
      summary: '一句话',
      description: '详情',
      plans: [{ name: '基础版', price_fen: 100, billing: 'monthly' }],
      terms: { after_sales_scope: '工单', warranty: '无' },
    },
    expect: 422,
  });
  assert.deepEqual(
    refused.error.fields.map((f) => [f.field, f.code]),
    [['service_type', 'service_type_not_declared']],
  );

  const s = await session(t, 'product-form');
  const p = s.page;
  await login(s, 'zh-CN', offline.email, offline.password);
  await s.goto('/provider/products/new', { label: 'new-offline' });
  const form = formAt(p, '/provider/products');
  const types = await form.locator('#f-service_type option').evaluateAll((os) => os.map((o) => o.value));
  assert.deepEqual(types, ['offline-service'], 'only the declared service type is offered');
  assert.equal(await form.locator('#f-delivery').inputValue(), 'offline_service', 'the delivery follows the one declared type, not "image"');
  // The icon from the first draft: a placeholder with a hint, and the file input.
  await expectText(p.locator('#icon-card'), L('product.icon_placeholder'));
  assert.equal(await form.locator('#f-icon').count(), 1);

  // An empty submit: only the first plan row is required.
  await s.submit(form.getByRole('button', { name: L('form.submit_review') }), { status: 422, label: 'empty-product' });
  assert.equal(await p.locator('[id="f-plans.0.name"]').getAttribute('aria-invalid'), 'true');
  for (const i of [1, 2]) {
    assert.equal(await p.locator(`[id="f-plans.${i}.name"]`).getAttribute('aria-invalid'), 'false', `plan row ${i + 1} is not required`);
  }

  // A price of −1: the plan row's price is named, the limit said in yuan.
  await form.getByLabel(L('product.name'), { exact: true }).fill(`上门运维服务${RUN}`);
  await p.locator('[id="f-plans.0.name"]').fill('基础版');
  await p.locator('[id="f-plans.0.price"]').fill('-1');
  await s.submit(form.getByRole('button', { name: L('form.save_draft') }), { status: 422, label: 'negative-price' });
  const message = L('field.price_range', { min: '¥0.00', max: '¥100,000,000.00' });
  await expectText(p.locator('[id="e-plans.0.price"]'), message);
  await expectText(p.locator('.error-summary a[href="#f-plans.0.price"]'), `${L('product.plan.0.price')}: ${message}`);
  await s.done();

  // A company that declared two types chooses the delivery itself: none is assumed.
  const two = await movedInProvider('two-types');
  const s2 = await session(t, 'product-two');
  await login(s2, 'zh-CN', two.email, two.password);
  await s2.goto('/provider/products/new', { label: 'new-two' });
  const types2 = await formAt(s2.page, '/provider/products').locator('#f-service_type option').evaluateAll((os) => os.map((o) => o.value).filter(Boolean));
  assert.deepEqual(types2, ['saas', 'offline-service']);
  assert.equal(await s2.page.locator('#f-delivery').inputValue(), '', 'no delivery is assumed');
  await s2.done();
});

// ---------------------------------------------------------------------------------------------
// Finding 9: the agreement can be read

test('finding 9: the agreement on the application form is a link to the agreement in force, in both languages', async (t) => {
  const holder = await verifiedHolder('agreement');
  const s = await session(t, 'agreement');
  const p = s.page;
  await login(s, 'zh-CN', holder.email, holder.password);
  await s.goto('/move-in/application', { label: 'application' });
  const link = p.locator('#f-agreement_version a');
  await expectText(link, tr('zh-CN', 'agreement.name'));
  assert.equal(await link.getAttribute('href'), '/agreement');
  await s.goto('/agreement', { label: 'agreement-zh' });
  await expectText(p.locator('#agreement h1'), tr('zh-CN', 'agreement.name_plain'));
  await expectText(p.locator('#agreement-version'), tr('zh-CN', 'agreement.version_line', { version: '2026-01', date: '2026年1月1日' }));
  await s.submit(p.getByRole('link', { name: 'English version' }), { label: 'agreement-en-text' });
  await expectText(p.locator('#agreement h1'), tr('en', 'agreement.name_plain'));
  await switchLanguage(s, 'en');
  await expectText(p.locator('#agreement-version'), tr('en', 'agreement.version_line', { version: '2026-01', date: '1 Jan 2026' }));
  await s.done();
});

// ---------------------------------------------------------------------------------------------
// Finding 10: one journey, in the same words everywhere

test('finding 10: the home page, the stepper, the "not yet" pages and the next step read from one journey', async (t) => {
  const L = (key, params) => tr('zh-CN', key, params);
  const s = await session(t, 'journey-words');
  const p = s.page;
  const { email, password } = await registerAndActivate(s, 'zh-CN');
  await login(s, 'zh-CN', email, password);

  await s.goto('/move-in', { label: 'stepper-fresh' });
  const titles = (await p.locator('ol.stepper > li.step h2').allTextContents()).map((x) => x.trim());
  // Locked steps say so, and offer no "continue".
  for (const key of ['partner_application', 'customer_service_info', 'settlement_info']) {
    const row = p.locator(`#step-${key}`);
    await expectText(row.locator('.badge'), L('journey.badge.locked'));
    assert.equal(await row.locator('.step-link').count(), 0, `${key} offers no link while locked`);
  }
  // The promised to-do list, and its next step.
  await expectText(p.locator('#todo'), L('journey.todo_title'));
  await expectText(p.locator('#next-action'), L('journey.next.enterprise_verification.not_started'));
  assert.equal(await p.locator('#next-action').getAttribute('href'), '/move-in/enterprise');

  await s.goto('/', { label: 'home-signed-in' });
  const home = (await p.locator('ol.process li strong').allTextContents()).map((x) => x.trim());
  assert.deepEqual(home, titles, "the home page's steps are the stepper's");
  await expectText(p.locator('#home-cta'), L('home.cta_continue'));
  assert.equal(await p.locator('#home-cta').getAttribute('href'), '/move-in/enterprise');

  // Products before moving in: the "not yet" page says what is due, instead of a silent redirect.
  await s.goto('/provider/products', { status: 403, label: 'products-not-yet' });
  assert.equal(s.path(), '/provider/products');
  await expectText(p.locator('#not-yet h1'), L('provider.not_yet_title.products'));
  assert.equal(await p.locator('#not-yet ul.due-list > li').count(), 4);
  await s.done();

  // Moved in: the next step is releasing a product, and the verified enterprise page no longer
  // offers to apply.
  const provider = await movedInProvider('next');
  const m = await session(t, 'journey-moved-in');
  await login(m, 'zh-CN', provider.email, provider.password);
  await m.goto('/move-in', { label: 'moved-in' });
  const release = m.page.locator('#moved-in').getByRole('link', { name: L('journey.next.release') });
  assert.equal(await release.getAttribute('href'), '/provider/products/new');
  await m.goto('/move-in/enterprise', { label: 'verified' });
  assert.equal(await m.page.locator('.banner.done').getByRole('link', { name: L('journey.next.partner_application.not_started') }).count(), 0);
  await expectText(m.page.locator('.banner.done a'), L('journey.next.release'));
  await m.done();
});

// ---------------------------------------------------------------------------------------------
// Finding 11: polish

test('finding 11: the wrong password is said once; summary labels are the field labels, in form order; the code box only for a check failure', async (t) => {
  const L = (key, params) => tr('zh-CN', key, params);
  const s = await session(t, 'polish');
  const p = s.page;
  const { email, password } = await registerAndActivate(s, 'zh-CN');
  await s.goto('/login', { label: 'login' });
  const form = formAt(p, '/login');
  await form.getByLabel(L('label.email'), { exact: true }).fill(email);
  await form.getByLabel(L('label.password'), { exact: true }).fill('not-the-password-at-all');
  await s.submit(form.getByRole('button', { name: L('login.submit') }), { status: 422, label: 'wrong-password' });
  const said = (await p.locator('main').innerText()).split(L('error.invalid_credentials')).length - 1;
  assert.equal(said, 1, 'the wrong-password message is shown once');

  await login(s, 'zh-CN', email, password);
  await s.goto('/move-in/enterprise', { label: 'enterprise' });
  const ent = formAt(p, '/move-in/enterprise');
  await s.submit(ent.getByRole('button', { name: L('form.submit_review') }), { status: 422, label: 'empty' });
  const entries = await p.locator('.error-summary li a').evaluateAll((as) =>
    as.map((a) => {
      const id = decodeURIComponent(a.getAttribute('href').slice(1));
      const el = document.getElementById(id);
      const label = el && (el.tagName === 'FIELDSET' ? el.querySelector('legend') : document.querySelector(`label[for="${CSS.escape(id)}"]`));
      return { name: a.querySelector('strong')?.textContent.trim(), label: label?.textContent.trim(), top: el ? el.getBoundingClientRect().top + window.scrollY : -1 };
    }),
  );
  assert.ok(entries.length >= 10);
  for (const e of entries) assert.equal(e.name, e.label, 'the summary names a field by its label');
  const tops = entries.map((e) => e.top);
  assert.deepEqual(tops, [...tops].sort((a, b) => a - b), 'the summary is in the order of the form');
  // Required, not a check failure: no box to vouch for the code.
  assert.equal(await p.locator('input[name="uscc_check_override"]').count(), 0, 'no override box for an empty code');
  // A sole proprietor's code (92…) for an enterprise: refused, but not for its check character.
  await ent.getByLabel(L('fieldname.uscc'), { exact: true }).fill(`92440300MA5F00000${usccCheck('92440300MA5F00000')}`);
  await s.submit(ent.getByRole('button', { name: L('form.save_draft') }), { status: 422, label: 'sole-code-for-enterprise' });
  assert.equal(await p.locator('input[name="uscc_check_override"]').count(), 0, 'no override box for a code of the wrong subject type');
  await s.done();
});

test('finding 11: a very long company name is shortened with its full text in a title; at 375 px the navigation stays on one line and the panel follows the heading', async (t) => {
  const longName = `深圳市${'超长名称'.repeat(43)}科技有限公司${RUN}`;
  const provider = await movedInProvider('long', { company: longName });
  const created = await api('POST', '/api/v1/provider/products', {
    token: provider.token,
    json: {
      name: `长名称服务商的商品${RUN}`,
      category: 'iot',
      service_type: 'saas',
      delivery: 'download',
      summary: '工业设备联网',
      description: '详情',
      plans: [{ name: '基础版', price_fen: 123456789, billing: 'yearly' }],
      terms: { after_sales_scope: '工单', warranty: '99.9%' },
    },
    expect: 201,
  });
  await api('POST', `/api/v1/provider/products/${created.id}/submit`, { token: provider.token, json: {}, expect: 200 });
  const item = await pendingItem('product', provider.accountId);
  await api('POST', `/api/v1/review/items/${item.id}/decision`, { token: await operatorApi(), json: { decision: 'approve', version: item.version }, expect: 200 });

  const shortened = async (s, selector) =>
    s.page.locator(selector).first().evaluate((el, full) => ({
      title: el.getAttribute('title') === full,
      cut: el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1,
    }), longName);
  const v = await session(t, 'long-name');
  await v.goto(`/products/${created.id}`, { label: 'product-long-name' });
  assert.deepEqual(await shortened(v, '#provider-panel h2'), { title: true, cut: true }, 'the panel');
  await expectText(v.page.locator('table.plans'), '¥1,234,567.89');
  await v.goto('/products', { label: 'catalogue-long-name' });
  const card = `ul.product-grid > li.product-card:has(a[href="/products/${created.id}"]) .meta`;
  assert.deepEqual(await shortened(v, card), { title: true, cut: true }, 'the card');
  await v.done();

  const s = await session(t, 'long-name-backend');
  await login(s, 'zh-CN', provider.email, provider.password);
  await s.goto('/provider/info/settlement', { label: 'settlement-long-name' });
  assert.deepEqual(await shortened(s, '.backend-main p.clip'), { title: true, cut: true }, 'the backend heading');
  await s.done();

  const phone = await session(t, 'phone-nav', { viewport: { width: 375, height: 800 } });
  await login(phone, 'zh-CN', provider.email, provider.password);
  await phone.goto(`/products/${created.id}`, { label: 'product-375' });
  const rows = await phone.page.locator('.topbar nav a').evaluateAll((as) => new Set(as.map((a) => Math.round(a.getBoundingClientRect().top))).size);
  assert.equal(rows, 1, 'the navigation is one row');
  const head = await phone.page.locator('#product-head').boundingBox();
  const panel = await phone.page.locator('#provider-panel').boundingBox();
  const main = await phone.page.locator('#product-main').boundingBox();
  assert.ok(head.y < panel.y && panel.y < main.y, 'the panel comes right under the heading');
  assert.ok((await phone.page.evaluate(() => document.documentElement.scrollWidth)) <= 375);
  await phone.done();
});

// ---------------------------------------------------------------------------------------------
// Finding 12: error pages for the visitor who asked

test('finding 12: error pages know who asked; an expired form says so; the log-in keeps the query; a bad product address is 404', async (t) => {
  const L = (key, params) => tr('zh-CN', key, params);
  const s = await session(t, 'error-pages');
  const p = s.page;
  const { email, password } = await registerAndActivate(s, 'zh-CN');

  // The log-in redirect keeps the whole address asked for.
  await s.goto('/move-in?x=1', { label: 'asked-with-query' });
  assert.equal(s.path(), '/login');
  assert.equal(new URL(p.url()).searchParams.get('next'), '/move-in?x=1');
  await login(s, 'zh-CN', email, password);

  // An unknown page and a method not allowed: the signed-in top bar, and a language switch that works.
  await s.goto('/no-such-page', { status: 404, label: 'unknown' });
  assert.equal(await signedInAs(s), email);
  await s.submit(p.locator('form.lang-switch button[name="lang"]'), { status: 404, label: 'unknown-en' });
  assert.equal(s.path(), '/no-such-page');
  assert.equal(await p.locator('html').getAttribute('lang'), 'en', 'the language button works on an error page');
  await s.submit(p.locator('form.lang-switch button[name="lang"]'), { status: 404, label: 'unknown-zh' });
  const answer = await p.request.post(`${BASE}/move-in`, { form: { x: '1' }, maxRedirects: 0 });
  assert.equal(answer.status(), 405);
  assert.ok((await answer.text()).includes(email), 'the 405 page shows who is signed in');

  // An expired form: said so, with a way back to it.
  await s.goto('/contact', { label: 'contact' });
  await p.evaluate(() => { document.querySelector('main form input[name="csrf_token"]').value = 'expired'; });
  const form = formAt(p, '/contact');
  await form.getByLabel(L('contact.message'), { exact: true }).fill('过期的表单');
  await s.submit(form.getByRole('button', { name: L('contact.send') }), { status: 403, label: 'expired-form' });
  await expectText(p.locator('main h1'), L('page.error_title.csrf_failed'));
  await expectText(p.locator('main'), L('page.error_hint.csrf_failed'));
  assert.ok(!(await p.locator('main').innerText()).includes(L('page.error_hint.403')));
  await s.submit(p.getByRole('link', { name: L('page.error_back') }), { label: 'went-back' });
  assert.equal(s.path(), '/contact');
  assert.equal(await form.getByLabel(L('contact.message'), { exact: true }).inputValue(), '过期的表单', 'the typed text is back');

  // A product address that is not even text: 404, as the API says.
  await s.goto('/products/%ff%fe', { status: 404, label: 'bad-product-address' });
  await s.done();
});

// ---------------------------------------------------------------------------------------------
// Finding 4: words, not machine values, on every page visited and in every mail

test('finding 4: the pages a company and a buyer meet, and the mails they get, show no machine values', async (t) => {
  const provider = await movedInProvider('words4');
  const found = [];
  const s = await session(t, 'words');
  await login(s, 'zh-CN', provider.email, provider.password);
  const created = await api('POST', '/api/v1/provider/products', {
    token: provider.token,
    json: {
      name: `文字检查商品${RUN}`,
      category: 'ops-services',
      service_type: 'offline-service',
      delivery: 'offline_service',
      summary: '上门运维',
      description: '## 服务内容\n\n- 巡检',
      plans: [{ name: '年度', price_fen: 1234500, billing: 'yearly' }],
      terms: { after_sales_scope: '工单', warranty: '一年' },
    },
    expect: 201,
  });
  await api('POST', `/api/v1/provider/products/${created.id}/submit`, { token: provider.token, json: {}, expect: 200 });
  const item = await pendingItem('product', provider.accountId);
  await api('POST', `/api/v1/review/items/${item.id}/decision`, {
    token: await operatorApi(),
    json: { decision: 'reject', version: item.version, reasons: [{ field: 'summary', message: '请写明服务范围' }, { field: 'plans', message: '价格过高' }] },
    expect: 200,
  });
  for (const lang of ['zh-CN', 'en']) {
    if (lang === 'en') await switchLanguage(s, 'en');
    for (const path of ['/move-in', '/move-in/enterprise', '/move-in/application', '/provider/info/customer-service', '/provider/info/settlement', '/provider/products', `/provider/products/${created.id}`, '/provider/products/new', '/', '/products', '/agreement', '/contact', '/help']) {
      await s.goto(path, { label: `words-${lang}` });
      found.push(...machineWordsIn(await readableText(s), `${lang} ${path}`));
    }
  }
  await s.done();
  await waitForMail(provider.email, (m) => m.body.includes('请写明服务范围'));
  for (const m of mailsTo(provider.email)) found.push(...machineWordsIn(m.body, `mail ${m.file}`));
  assert.deepEqual(found, [], 'machine values a person would read');
});
