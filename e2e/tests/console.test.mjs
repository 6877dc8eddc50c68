// The operator's day in the console (issue 11): the micro-deposit as operator work with money
// (finding 2), the review screen as a case to read and decide (finding 5), words instead of
// machine values (finding 4), the catalog, consultations and audit intro (finding 11), the
// home's view of what is waiting, and the queue and review screen on a 375 px phone.

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import {
  BASE,
  RUN,
  api,
  closeBrowser,
  expectText,
  loginAsNewStaff,
  machineValues,
  movedInProvider,
  operatorApi,
  pendingItem,
  session,
  switchLanguage,
  tr,
} from '../lib.mjs';
import { consoleMachineValues, fitsTheScreen, resubmit, submittedCompany, withoutDataNumbers } from '../console.mjs';

after(closeBrowser);

// Companies shared by the tests of this file (each registration counts against the suite's one
// client): `other` names its authorised person and sends a letter; `same` is its own
// authorised person. Both stay pending until the reason-row test returns `other`.
let other = null;
let same = null;
const otherCompany = async () => (other ??= await submittedCompany('sections'));
const sameCompany = async () => (same ??= await submittedCompany('same', { sameAsLegalRep: true }));
let consultation = null;

const text = async (locator) => (await locator.first().textContent()).replace(/\s+/g, ' ').trim();

/** A staff member signed in, in `lang`, at `width` px. */
async function operator(t, name, lang, width = 1280) {
  const op = await session(t, name, { locale: 'zh-CN', viewport: { width, height: 900 } });
  await op.goto('/', { label: 'home' });
  if (lang === 'en') await switchLanguage(op, 'en');
  await loginAsNewStaff(op, lang);
  return op;
}

// ---------------------------------------------------------------------------------------------
// Finding 2: the micro-deposit

test('finding 2: the deposit is paid only after approval, its amount stays on screen, and a second draw is refused in words', async (t) => {
  const lang = 'zh-CN';
  const L = (key, params) => tr(lang, key, params);
  const c = await submittedCompany('deposit');
  const op = await operator(t, 'operator', lang);
  const p = op.page;
  const itemPath = `/console/items/${c.item.id}`;
  const payButton = () => p.locator('#deposit').getByRole('button', { name: L('console.record_deposit'), exact: true });
  const companyText = L('move_in.deposit.not_sent');

  // Before any decision: the card says what the operator waits for; no button; no text meant for the company.
  await op.goto(itemPath, { label: 'pending' });
  await expectText(p.locator('#deposit-state'), L('console.deposit_badge.waiting_documents'));
  await expectText(p.locator('#deposit-explained'), L('console.deposit_state.waiting_documents'));
  assert.equal(await payButton().count(), 0, 'no deposit can be paid before the documents are approved');
  assert.ok(!(await text(p.locator('main'))).includes(companyText), 'the company\'s text is not on the operator\'s screen');
  const early = await api('POST', `/api/v1/review/items/${c.item.id}/micro-deposit`, { token: await operatorApi(), json: {} });
  assert.equal(early.error.code, 'documents_not_approved', 'the workflow refuses too');

  // Returned: still nothing to pay.
  await p.locator('#rf1').selectOption('company_name');
  await p.locator('#rm1').fill(`名称与营业执照不一致 ${RUN}`);
  await op.submit(p.getByRole('button', { name: L('console.reject'), exact: true }), { label: 'rejected' });
  await expectText(p.locator('main h1 .badge'), L('decision.rejected'));
  await expectText(p.locator('#deposit-state'), L('console.deposit_badge.waiting_documents'));
  assert.equal(await payButton().count(), 0, 'no deposit after a rejection');
  assert.ok(!(await text(p.locator('main'))).includes(companyText));

  // Resubmitted and approved: now the deposit is due.
  const second = await resubmit(c, `${c.company}（更正）`);
  await op.goto(`/console/items/${second.id}`, { label: 'resubmitted' });
  await expectText(p.locator('#submission-no'), L('console.nth_submission', { n: 2 }));
  await op.submit(p.locator('form[action$="/decision"]').getByRole('button', { name: L('console.approve'), exact: true }), { label: 'approved' });
  await expectText(p.locator('#deposit-state'), L('console.deposit_badge.due'));

  // A second tab opened now still offers the button: the stale click below must be refused.
  const stale = await op.context.newPage();
  await stale.goto(BASE + `/console/items/${second.id}`);

  await op.submit(payButton(), { label: 'paid' });
  assert.equal(op.path(), `/console/items/${second.id}`, 'paying redirects to the item');
  await expectText(p.locator('.notice.success'), L('notice.deposit_recorded'));
  await expectText(p.locator('#deposit-state'), L('console.deposit_badge.sent'));
  const amount = await text(p.locator('#deposit-amount'));
  assert.match(amount, /^¥0\.\d\d$/, 'the amount to pay');
  await op.goto(`/console/items/${second.id}`, { label: 'paid-again-opened' });
  assert.equal(await text(p.locator('#deposit-amount')), amount, 'the amount is shown again, the same');
  assert.equal(await payButton().count(), 0, 'no button while a deposit is out');

  const [resp] = await Promise.all([
    stale.waitForNavigation(),
    stale.locator('#deposit').getByRole('button', { name: L('console.record_deposit'), exact: true }).click(),
  ]);
  assert.equal(resp.status(), 409, 'a second draw is refused');
  assert.equal((await stale.locator('#deposit-error').textContent()).trim(), L('error.deposit_already_sent'));
  assert.equal((await stale.locator('#deposit-amount').textContent()).trim(), amount, 'the amount did not change');
  await stale.close();

  // The company never sees the amount; typing it confirms the deposit.
  const ent = await api('GET', '/api/v1/me/enterprise', { token: c.token, expect: 200 });
  assert.ok(!JSON.stringify(ent).includes('amount'), `no amount in the company's view: ${JSON.stringify(ent.micro_deposit)}`);
  const fen = Math.round(Number(amount.slice(1)) * 100);
  await api('POST', '/api/v1/me/enterprise/micro-deposit/confirm', { token: c.token, json: { amount_fen: fen }, expect: 200 });
  await op.goto(`/console/items/${second.id}`, { label: 'confirmed' });
  await expectText(p.locator('#deposit-state'), L('console.deposit_badge.confirmed'));
  assert.equal(await p.locator('#deposit-amount').count(), 0, 'a confirmed amount is no longer shown');
  await op.done();
});

// ---------------------------------------------------------------------------------------------
// Finding 5: the review screen

for (const lang of ['zh-CN', 'en']) {
  test(`finding 5: the review screen shows the form's sections in its order, in words, beside the documents (${lang})`, async (t) => {
    const L = (key, params) => tr(lang, key, params);
    const c = await otherCompany();
    const same = await sameCompany();
    const op = await operator(t, 'operator', lang);
    const p = op.page;
    await op.goto(`/console/items/${c.item.id}`, { label: 'verification' });

    const titles = (await p.locator('.case-data section h2').allTextContents()).map((s) => s.trim());
    assert.deepEqual(titles, ['company', 'validity', 'legal_rep', 'authorized_person', 'corporate_account'].map((k) => L(`console.section.${k}`)));
    const fields = await p.locator('.case-data tr[data-field]').evaluateAll((rows) => rows.map((r) => r.dataset.field));
    assert.deepEqual(fields, [
      'subject_type', 'company_name', 'uscc', 'registered_address',
      'license_valid_until', 'legal_rep.id_valid_until',
      'legal_rep.name', 'legal_rep.id_type', 'legal_rep.id_number_masked',
      'authorized_person.name', 'authorized_person.id_type', 'authorized_person.id_number_masked',
      'corporate_account.bank_name', 'corporate_account.province', 'corporate_account.city', 'corporate_account.branch_name', 'corporate_account.account_number_masked',
    ], 'the form\'s order, not the alphabet');
    const value = async (f) => text(p.locator(`tr[data-field="${f}"] td.value`));
    assert.equal(await value('subject_type'), L('subject.enterprise'));
    assert.equal(await value('legal_rep.id_type'), L('id_type.prc_id'));
    assert.equal(await value('legal_rep.id_valid_until'), L('term.long_term'), 'terms in words');
    assert.equal(await value('authorized_person.id_type'), L('id_type.passport'));
    await expectText(p.locator('#submission-no'), L('console.nth_submission', { n: 1 }));

    // The documents beside the data: the licence (PDF) framed, the letter (PNG) as a picture.
    const frame = p.locator('.case-docs iframe');
    assert.equal(await frame.getAttribute('title'), L('doc.business_license'));
    const viewUrl = await frame.getAttribute('src');
    assert.match(viewUrl, /^\/console\/documents\/[^/]+$/);
    const img = p.locator('.case-docs img');
    assert.equal(await img.getAttribute('alt'), L('doc.authorization_letter'));
    assert.ok(await img.evaluate((i) => i.complete && i.naturalWidth > 0), 'the letter is shown');
    const caption = await text(p.locator('.case-docs figcaption').first());
    assert.match(caption, /PDF · \d+(\.\d)? (B|KB)/, `type and size in words: ${caption}`);
    const view = await p.request.get(BASE + viewUrl);
    assert.equal(view.status(), 200);
    assert.equal(view.headers()['content-type'], 'application/pdf');
    assert.equal(view.headers()['content-disposition'], 'inline');
    assert.equal(view.headers()['x-content-type-options'], 'nosniff');
    assert.match(view.headers()['content-security-policy'], /default-src 'none'; sandbox/);
    // Loaded exactly as the download is: staff here; not a visitor, not another company.
    const visitor = await fetch(BASE + viewUrl, { redirect: 'manual' });
    assert.ok([303, 401, 403, 404].includes(visitor.status), `a visitor gets no document (${visitor.status})`);
    const other = await api('POST', '/api/v1/sessions', { json: { email: same.email, password: same.password }, expect: 201 });
    const foreign = await fetch(BASE + viewUrl, { headers: { Cookie: `berth_session=${other.token}` }, redirect: 'manual' });
    assert.ok(foreign.status !== 200, 'another company gets no document');

    // Not a provider: no standing to change, no red button.
    assert.equal(await p.locator('#standing').count(), 0, 'no "suspend" before the company is a provider');
    assert.equal(await p.locator('main .button.danger').count(), 1, 'one red button: returning the submission');

    // "Same as the legal representative": one row in words, no empty rows.
    await op.goto(`/console/items/${same.item.id}`, { label: 'same-as-legal-rep' });
    const authorised = p.locator('.case-data section')
      .filter({ has: p.locator('h2', { hasText: L('console.section.authorized_person') }) })
      .locator('tbody tr');
    assert.equal(await authorised.count(), 1);
    assert.equal(await text(authorised.locator('td.value')), L('console.same_as_legal_rep'));
    assert.equal(await p.locator('.case-data td.value').filter({ hasText: /^\s*$/ }).count(), 0, 'no empty value cells');
    await op.done();
  });
}

test('finding 5: reason rows start empty and are added and removed by the form itself', async (t) => {
  const lang = 'zh-CN';
  const L = (key, params) => tr(lang, key, params);
  const c = await otherCompany();
  const op = await operator(t, 'operator', lang);
  const p = op.page;
  await op.goto(`/console/items/${c.item.id}`, { label: 'item' });
  const rows = p.locator('.reason-rows > li');
  assert.equal(await rows.count(), 1, 'one row to begin with');
  assert.equal(await p.locator('#rf1').inputValue(), '', 'no field chosen by default');
  assert.equal(await p.locator('#rf1 option').first().textContent(), L('console.choose_field'));
  const groups = await p.locator('#rf1 optgroup').evaluateAll((g) => g.map((x) => x.label));
  assert.deepEqual(groups, ['company', 'validity', 'legal_rep', 'authorized_person', 'corporate_account'].map((k) => L(`console.section.${k}`)).concat(L('console.documents')));
  assert.equal(await p.locator('#rf1 option[value="authorized_person.id_number_masked"]').count(), 1);

  await p.locator('#rm1').fill('第一条原因');
  // No script: the page is sent and drawn again with one more row, what was typed kept.
  await p.evaluate(() => document.querySelectorAll('script').forEach((s) => s.remove()));
  await op.submit(p.getByRole('button', { name: L('console.add_reason'), exact: true }), { label: 'added' });
  assert.equal(await rows.count(), 2);
  assert.equal(await p.locator('#rm1').inputValue(), '第一条原因');
  await p.locator('#rf2').selectOption('registered_address');
  await p.locator('#rm2').fill('地址缺少门牌号');
  await op.submit(p.getByRole('button', { name: L('console.remove_reason_n', { n: 1 }), exact: true }), { label: 'removed' });
  assert.equal(await rows.count(), 1);
  assert.equal(await p.locator('#rf1').inputValue(), 'registered_address');
  assert.equal(await p.locator('#rm1').inputValue(), '地址缺少门牌号');

  // A reason without its field is refused at its row.
  await op.submit(p.getByRole('button', { name: L('console.add_reason'), exact: true }), { label: 'added-again' });
  await p.locator('#rm2').fill('没有选字段的原因');
  await op.submit(p.getByRole('button', { name: L('console.reject'), exact: true }), { status: 422, label: 'unnamed' });
  await expectText(p.locator('.reason-rows > li').nth(1).locator('.field-error'), L('console.reason_needs_field'));
  await expectText(p.locator('.error-summary'), L('console.reason_rows_incomplete'));
  await expectText(p.locator('main h1 .badge'), L('decision.pending'));
  await p.locator('#rf2').selectOption('legal_rep.name');
  await op.submit(p.getByRole('button', { name: L('console.reject'), exact: true }), { label: 'returned' });
  await expectText(p.locator('main h1 .badge'), L('decision.rejected'));
  const reasons = (await p.locator('main .reasons li').allTextContents()).map((s) => s.trim());
  assert.equal(reasons.length, 2, JSON.stringify(reasons));
  await op.done();
});

test('finding 5: a product item shows its description as the storefront does, prices and catalog names in words, and the standing only of a provider', async (t) => {
  const lang = 'zh-CN';
  const L = (key, params) => tr(lang, key, params);
  const provider = await movedInProvider('console');
  const name = `控制台测试商品${RUN}`;
  const created = await api('POST', '/api/v1/provider/products', {
    token: provider.token,
    expect: 201,
    json: {
      name,
      category: 'iot',
      service_type: 'saas',
      delivery: 'download',
      summary: '设备联网与远程监控',
      description: '## 功能\n\n- 远程监控\n- 告警通知\n\n适合 **工厂** 使用。',
      plans: [{ name: '企业版', price_fen: 1234567, billing: 'yearly' }],
      terms: { after_sales_scope: '工单支持', warranty: '99.9% 可用性' },
    },
  });
  await api('POST', `/api/v1/provider/products/${created.id}/submit`, { token: provider.token, json: {}, expect: 200 });
  const item = await pendingItem('product', provider.accountId);
  const op = await operator(t, 'operator', lang);
  const p = op.page;
  await op.goto(`/console/items/${item.id}`, { label: 'product' });
  const description = p.locator('tr[data-field="description"] td.value .md');
  assert.equal(await text(description.locator('h2')), '功能');
  assert.equal(await description.locator('li').count(), 2);
  assert.equal(await text(description.locator('strong')), '工厂');
  await expectText(p.locator('tr[data-field="plans"] td.value'), `企业版 · ¥12,345.67 · ${L('billing.yearly')}`);
  assert.equal(await text(p.locator('tr[data-field="category"] td.value')), '物联网');
  assert.equal(await text(p.locator('tr[data-field="service_type"] td.value')), '软件服务');
  assert.deepEqual(await consoleMachineValues(op), []);

  // A provider: its standing is a secondary action, behind a disclosure, not in red.
  const standing = p.locator('details#standing');
  assert.equal(await standing.count(), 1);
  await expectText(standing.locator('summary'), L('console.standing.active'));
  await standing.locator('summary').click();
  await op.a11y({ force: true });
  const suspend = standing.getByRole('button', { name: L('console.suspend'), exact: true });
  assert.equal(await suspend.evaluate((b) => b.classList.contains('danger')), false, 'not a red button');
  await op.done();
});

test('finding 5: the queue and the review screen work on a 375 px phone', async (t) => {
  const lang = 'zh-CN';
  const L = (key) => tr(lang, key);
  const c = await sameCompany();
  const op = await operator(t, 'phone', lang, 375);
  const p = op.page;
  await op.goto('/console?kind=enterprise_verification&status=pending', { label: 'queue-375' });
  const row = p.locator('table.queue tbody tr').filter({ hasText: c.company });
  await fitsTheScreen(op, row.getByRole('link', { name: L('console.open'), exact: true }), 'the row\'s action');
  await op.submit(row.getByRole('link', { name: L('console.open'), exact: true }), { label: 'item-375' });
  await fitsTheScreen(op, p.getByRole('button', { name: L('console.approve'), exact: true }), 'the approve button');
  await fitsTheScreen(op, p.locator('.case-docs iframe'), 'the licence');
  await op.goto('/console/audit', { label: 'audit-375' });
  await fitsTheScreen(op, null);
  await op.goto('/console/catalog', { label: 'catalog-375' });
  await fitsTheScreen(op, p.locator('#name_zh-categories-iot'), 'a name field');
  await op.done();
});

// ---------------------------------------------------------------------------------------------
// Finding 4 and 11: words, and the polish

for (const lang of ['zh-CN', 'en']) {
  test(`findings 4 and 11: console pages speak in words, the catalog and consultations say what they do (${lang})`, async (t) => {
    const L = (key, params) => tr(lang, key, params);
    const c = await sameCompany();
    consultation ??= await api('POST', '/api/v1/consultations', {
      json: { topic: 'provider_cooperation', name: '赵六', email: `zhao-${RUN}@example.com`, message: `想了解入驻流程 ${RUN}` },
      expect: 201,
    });
    const op = await operator(t, 'operator', lang);
    const p = op.page;
    const found = [];
    for (const path of ['/console', `/console/items/${c.item.id}`, '/console/audit', '/console/consultations', '/console/catalog']) {
      await op.goto(path, { label: path.split('/').at(2) || 'queue' });
      found.push(...withoutDataNumbers(await machineValues(op)));
      found.push(...(await consoleMachineValues(op, { slugs: path !== '/console/catalog' })));
    }
    assert.deepEqual(found, [], 'words, not machine values');

    // The catalog: the identifier column has a name, names line up, retiring is not a red alarm.
    await op.goto('/console/catalog', { label: 'catalog' });
    const heads = (await p.locator('table.catalog-table').first().locator('thead th').allTextContents()).map((s) => s.trim());
    assert.deepEqual(heads.slice(0, 3), [L('console.name_zh'), L('console.name_en'), L('console.identifier')]);
    assert.ok(!heads.includes('slug'));
    assert.equal(await p.locator('button[value="retire"].danger').count(), 0, 'no red retire buttons');
    const zh = await p.locator('#name_zh-categories-iot').boundingBox();
    const zhHead = await p.locator('table.catalog-table').first().locator('thead th').first().boundingBox();
    assert.ok(Math.abs(zh.x - zhHead.x) < 20, `the Chinese name sits under its header (${zh.x} vs ${zhHead.x})`);

    // The audit page's introduction has no literal backticks.
    await op.goto('/console/audit', { label: 'audit' });
    assert.ok(!(await text(p.locator('main .hint').first())).includes('`'));

    // Consultations are answered from "view and reply".
    await op.goto('/console/consultations', { label: 'consultations' });
    const reply = p.locator('table.queue tbody tr').first().getByRole('link');
    assert.equal(await text(reply), L('console.view_and_reply'));
    await op.done();
  });
}

// ---------------------------------------------------------------------------------------------
// The operators' home: what is waiting

test('the console\'s home shows what is waiting by kind and age, each number a link into the queue', async (t) => {
  const lang = 'zh-CN';
  const L = (key, params) => tr(lang, key, params);
  const c = await sameCompany();
  const op = await operator(t, 'operator', lang);
  const p = op.page;
  await op.goto('/console', { label: 'home' });
  const row = p.locator('.waiting tbody tr[data-kind="enterprise_verification"]');
  await expectText(row.locator('th'), L('kind.enterprise_verification'));
  const today = row.locator('td').first();
  assert.ok(parseInt(await text(today.locator('a')), 10) >= 1, 'at least one verification is waiting since today');
  await expectText(row.locator('td.oldest'), L('console.age.under_hour'));
  await op.submit(today.locator('a'), { label: 'queue-today' });
  const url = new URL(p.url());
  assert.equal(url.searchParams.get('kind'), 'enterprise_verification');
  assert.equal(url.searchParams.get('age'), 'under_day');
  const kinds = (await p.locator('table.queue tbody tr td:first-child').allTextContents()).map((s) => s.trim());
  assert.ok(kinds.length >= 1 && kinds.every((k) => k === L('kind.enterprise_verification')));
  assert.equal(await p.locator('table.queue tbody tr').filter({ hasText: c.company }).count(), 1);
  await op.goto('/console?kind=enterprise_verification&status=pending&age=older', { label: 'queue-older' });
  assert.equal(await p.locator('table.queue tbody tr').filter({ hasText: c.company }).count(), 0, 'not older than three days');
  await op.done();
});
