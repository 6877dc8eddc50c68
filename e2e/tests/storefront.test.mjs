// The storefront in a browser: a moved-in provider releases a product (draft → icon → submit),
// the operator returns it once and approves it, an anonymous visitor finds it (search, category
// filter), reads its page (provider panel on the left, sanitised Markdown), and the provider
// unlists and relists it. Then the contact-us form and the operator's reply, and the storefront
// on a 375 px phone.
//
// Getting a provider to "moved in" is SETUP and goes through the JSON API (lib.mjs
// `movedInProvider()`, as tests/api/helpers.rs `moved_in_provider()`); everything the tests are
// about goes through the pages. Each operator is a new staff account that signs in through the
// pages with its second factor (lib.mjs `loginAsNewStaff()`).

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { deflateSync } from 'node:zlib';
import {
  RUN,
  api,
  approveItem,
  assertLabelled,
  closeBrowser,
  expectText,
  formAt,
  login,
  loginAsNewStaff,
  mailsTo,
  movedInProvider,
  operatorApi,
  pendingItem,
  session,
  switchLanguage,
  tr,
  uniqueEmail,
  waitForMail,
} from '../lib.mjs';

after(closeBrowser);

/** A product form for the API (prices in fen). */
function apiProduct(name, description) {
  return {
    name,
    category: 'iot',
    service_type: 'saas',
    delivery: 'download',
    summary: '工业设备联网、远程监控与告警',
    description,
    plans: [
      { name: '基础版', price_fen: 9900, billing: 'monthly' },
      { name: '企业版', price_fen: 199950, billing: 'yearly' },
    ],
    terms: { after_sales_scope: '工单与电话支持', warranty: '99.9% 可用性' },
  };
}

// ---------------------------------------------------------------------------------------------
// Small helpers

function crc32(buf) {
  let crc = 0xffffffff;
  for (const b of buf) {
    let c = (crc ^ b) & 0xff;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    crc = (crc >>> 8) ^ c;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function pngChunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([len, typed, crc]);
}

/** A valid 1×1 RGBA PNG (IHDR, IDAT, IEND with correct CRCs). */
function pngBytes() {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(1, 0); // width
  ihdr.writeUInt32BE(1, 4); // height
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  const pixels = Buffer.from([0, 0x1f, 0x6f, 0xd1, 0xff]); // filter byte + one pixel
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(pixels)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** The natural width of a loaded image (waits for it to decode). */
async function loadedWidth(img) {
  await img.waitFor({ state: 'visible' });
  return img.evaluate(async (el) => {
    if (!el.complete) await new Promise((r) => el.addEventListener('load', r, { once: true }));
    return el.naturalWidth;
  });
}

async function text(locator) {
  return (await locator.textContent()).replace(/\s+/g, ' ').trim();
}

/** Searches the storefront with the search form; returns the page's cards. */
async function search(s, lang, { q = '', category = '' } = {}) {
  const p = s.page;
  const form = p.locator('form.search');
  await form.locator('#q').fill(q);
  await form.locator('#category').selectOption(category);
  await s.submit(form.getByRole('button', { name: tr(lang, 'store.search'), exact: true }), {
    label: `search-${q || 'all'}-${category || 'any'}`,
  });
  assert.equal(s.path(), '/products');
  const params = new URL(p.url()).searchParams;
  assert.equal(params.get('q'), q);
  assert.equal(params.get('category'), category);
  // The form keeps what was asked.
  assert.equal(await form.locator('#q').inputValue(), q);
  assert.equal(await form.locator('#category').inputValue(), category);
  return p.locator('ul.product-grid > li.product-card');
}

async function noHorizontalScroll(s, width) {
  const sizes = await s.page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth,
  }));
  assert.ok(sizes.scroll <= width, `no horizontal scroll on ${s.path()} at ${width} px: scrollWidth ${sizes.scroll}`);
}

// ---------------------------------------------------------------------------------------------
// 1. Release → return → fix → approve → storefront → unlist → relist

async function releaseJourney(t, lang) {
  const zh = lang === 'zh-CN';
  const L = (key, params) => tr(lang, key, params);
  const run = `${RUN}${zh ? 'z' : 'e'}`;
  const provider = await movedInProvider(zh ? 'relz' : 'rele');

  const name = zh ? `智能设备远程监控平台${run}` : `Remote Device Monitor ${run}`;
  const vagueSummary = zh ? '设备监控服务' : 'Device monitoring';
  const summary = zh
    ? '面向工厂的设备告警推送与远程运维，支持短信和邮件通知'
    : 'Alert push and remote operations for factory equipment, with SMS and e-mail notices';
  const summaryWord = zh ? '告警推送' : 'ALERT'; // typed in upper case: the search ignores case
  const nonsense = zh ? `量子烤面包机${run}` : `xyzzyquux${run}`;
  const reason = zh ? `简介过于笼统，请写明适用场景（${run}）` : `The summary is too vague: say who it is for (${run})`;
  const description = [
    zh ? '## 功能' : '## Features',
    '',
    zh ? '- 设备接入与远程监控' : '- Device onboarding and remote monitoring',
    zh ? '- 告警推送' : '- Alert push',
    '',
    '<script>alert(1)</script>',
    '',
    zh ? '点击 [x](javascript:alert(1)) 了解更多。' : 'Click [x](javascript:alert(1)) to learn more.',
  ].join('\n');
  const plans = [
    { name: zh ? '基础版' : 'Basic', price: '99', shown: '¥99.00', billing: 'monthly' },
    { name: zh ? '企业版' : 'Enterprise', price: '1999.50', shown: '¥1,999.50', billing: 'yearly' },
  ];
  const afterSales = zh ? '7×12 工单与电话支持，远程排障' : '7×12 tickets and phone support, remote troubleshooting';
  const warranty = zh ? '服务可用性 99.9%，未达标按比例退款' : '99.9% availability, pro-rata refund below that';

  // ---- the provider logs in and finds the release form -------------------------------------
  const p = await session(t, 'provider', { locale: 'zh-CN' });
  const page = p.page;
  await p.goto('/', { label: 'home' });
  if (!zh) await switchLanguage(p, 'en');
  await login(p, lang, provider.email, provider.password);
  await p.submit(page.locator('.topbar nav').getByRole('link', { name: L('nav.provider'), exact: true }), { label: 'provider-backend' });
  assert.equal(p.path(), '/provider/info/customer-service');
  await p.submit(page.locator('.sidenav').getByRole('link', { name: L('provider.products'), exact: true }), { label: 'products-empty' });
  assert.equal(p.path(), '/provider/products');
  await expectText(page.locator('.sidenav a[aria-current="page"]'), L('provider.products'));
  await expectText(page.locator('.empty'), L('product.none'));
  await p.submit(page.getByRole('link', { name: L('product.new'), exact: true }), { label: 'release-form' });
  assert.equal(p.path(), '/provider/products/new');
  await expectText(page.locator('main h1'), L('product.release'));
  await assertLabelled(p);

  // ---- the form ---------------------------------------------------------------------------
  const form = formAt(page, '/provider/products');
  await form.getByLabel(L('product.name'), { exact: true }).fill(name);
  const category = form.getByLabel(L('fieldname.category'), { exact: true });
  const offered = await category.locator('option').evaluateAll((os) => os.map((o) => o.value).filter(Boolean).sort());
  assert.deepEqual(offered, ['iot', 'ops-services'], 'only the categories declared in the application are offered');
  await category.selectOption('iot');
  await form.getByLabel(L('fieldname.service_type'), { exact: true }).selectOption('saas');
  await form.getByLabel(L('fieldname.delivery'), { exact: true }).selectOption('download');
  await form.getByLabel(L('product.summary'), { exact: true }).fill(vagueSummary);
  await form.getByLabel(L('fieldname.description'), { exact: true }).fill(description);
  for (const [i, plan] of plans.entries()) {
    await form.locator(`[id="f-plans.${i}.name"]`).fill(plan.name);
    await form.locator(`[id="f-plans.${i}.price"]`).fill(plan.price);
    await form.locator(`[id="f-plans.${i}.billing"]`).selectOption(plan.billing);
  }
  await form.getByLabel(L('store.after_sales'), { exact: true }).fill(afterSales);
  await form.getByLabel(L('store.warranty'), { exact: true }).fill(warranty);

  await p.submit(form.getByRole('button', { name: L('form.save_draft'), exact: true }), { label: 'draft-saved' });
  const productPath = p.path();
  const id = productPath.match(/^\/provider\/products\/([^/]+)$/)?.[1];
  assert.ok(id && id !== 'new', `a product page after saving, got ${productPath}`);
  await expectText(page.locator('.notice.success'), L('notice.saved'));
  await expectText(page.locator('main h1 .badge'), L('product.status.draft'));
  const edit = formAt(page, `/provider/products/${id}`);
  assert.equal(await edit.getByLabel(L('product.name'), { exact: true }).inputValue(), name);
  assert.equal(await edit.getByLabel(L('fieldname.description'), { exact: true }).inputValue(), description);
  assert.equal(await edit.locator('[id="f-plans.1.price"]').inputValue(), '1999.50', 'the price is shown in yuan again');
  assert.equal(await edit.locator('[id="f-plans.1.billing"]').inputValue(), 'yearly');

  // ---- the icon, chosen in the same form and saved with it -------------------------------------
  await edit.locator('#f-icon').setInputFiles({ name: 'icon.png', mimeType: 'image/png', buffer: pngBytes() });
  await p.submit(edit.getByRole('button', { name: L('form.save_draft'), exact: true }), { label: 'icon-uploaded' });
  await expectText(page.locator('.notice.success'), L('notice.saved'));
  assert.equal(await loadedWidth(page.locator('img.icon.big')), 1, 'the uploaded 1×1 icon is shown');
  assert.equal(await edit.getByLabel(L('product.summary'), { exact: true }).inputValue(), vagueSummary, 'the upload kept the draft');

  // ---- submit -------------------------------------------------------------------------------
  await p.submit(edit.getByRole('button', { name: L('form.submit_review'), exact: true }), { label: 'submitted' });
  await expectText(page.locator('.notice.success'), L('notice.submitted'));
  await expectText(page.locator('main h1 .badge'), L('product.status.in_review'));
  await expectText(page.locator('.banner.info:not(.agreement-due)'), L('product.in_review'));
  assert.equal(await edit.locator('fieldset[disabled]').count(), 1, 'the form is read-only while in review');
  assert.equal(await page.locator('#f-icon:not(:disabled)').count(), 0, 'no icon upload while in review');

  // ---- the operator filters the queue to products and returns it ---------------------------------
  const op = await session(t, 'operator', { locale: 'zh-CN' });
  await op.goto('/', { label: 'home' });
  if (!zh) await switchLanguage(op, 'en');
  await loginAsNewStaff(op, lang);
  const openProductItem = async (label) => {
    await op.goto('/console', { label: `queue-${label}` });
    const filters = op.page.locator('form.filters');
    await filters.getByLabel(L('console.kind')).selectOption('product');
    await op.submit(filters.getByRole('button', { name: L('console.filter'), exact: true }), { label: `queue-products-${label}` });
    assert.equal(new URL(op.page.url()).searchParams.get('kind'), 'product');
    const rows = op.page.locator('table.queue tbody tr');
    const kinds = await rows.locator('td:first-child').allTextContents();
    assert.ok(kinds.length >= 1, 'the product filter lists items');
    assert.deepEqual([...new Set(kinds.map((k) => k.trim()))], [L('kind.product')], 'only products after filtering');
    const row = rows.filter({ hasText: provider.company });
    assert.equal(await row.count(), 1, `one pending product of ${provider.company}`);
    await op.submit(row.getByRole('link', { name: L('console.open'), exact: true }), { label: `item-${label}` });
    assert.match(op.path(), /^\/console\/items\/[^/]+$/);
    await expectText(op.page.locator('main h1'), L('kind.product'));
    await expectText(op.page.locator('main h1 .badge'), L('decision.pending'));
    await expectText(op.page.locator('.case-data'), name);
  };
  await openProductItem('first');
  await assertLabelled(op);
  await expectText(op.page.locator('.case-data'), vagueSummary);
  await op.page.locator('#rf1').selectOption('summary');
  await op.page.locator('#rm1').fill(reason);
  await op.submit(op.page.getByRole('button', { name: L('console.reject'), exact: true }), { label: 'returned' });
  await expectText(op.page.locator('.notice.success'), L('notice.decided'));
  await expectText(op.page.locator('main h1 .badge'), L('decision.rejected'));

  // ---- the provider sees the reason, fixes the summary, resubmits ------------------------------
  await p.goto('/provider/products', { label: 'list-returned' });
  const listRow = page.locator('table.queue tbody tr').filter({ hasText: name });
  await expectText(listRow.locator('.badge'), L('product.status.rejected'));
  await p.submit(listRow.getByRole('link', { name: L('product.open'), exact: true }), { label: 'returned' });
  assert.equal(p.path(), `/provider/products/${id}`);
  await expectText(page.locator('main h1 .badge'), L('product.status.rejected'));
  const returned = page.locator('.banner.warn:not(.agreement-due)');
  await expectText(returned, L('product.returned'));
  await expectText(returned.locator('ul.reasons'), reason);
  assert.equal(await edit.locator('fieldset[disabled]').count(), 0, 'a returned product can be edited');
  await edit.getByLabel(L('product.summary'), { exact: true }).fill(summary);
  await p.submit(edit.getByRole('button', { name: L('form.submit_review'), exact: true }), { label: 'resubmitted' });
  await expectText(page.locator('.notice.success'), L('notice.submitted'));
  await expectText(page.locator('main h1 .badge'), L('product.status.in_review'));

  // ---- the operator sees exactly the summary changed, and approves ---------------------------------
  await openProductItem('second');
  const changed = op.page.locator('table.compare tbody tr.changed');
  assert.deepEqual(
    (await changed.locator('th').allTextContents()).map((s) => s.trim()),
    [L('fieldname.summary')],
    'only the summary changed',
  );
  await expectText(changed.locator('td').first(), summary);
  assert.equal(await text(changed.locator('td.earlier')), vagueSummary);
  await expectText(op.page.locator('.history'), reason);
  await op.submit(op.page.getByRole('button', { name: L('console.approve'), exact: true }), { label: 'approved' });
  await expectText(op.page.locator('.notice.success'), L('notice.decided'));
  await expectText(op.page.locator('main h1 .badge'), L('decision.approved'));
  await op.done();

  // ---- an anonymous visitor: the catalogue, search, category filter --------------------------------
  const v = await session(t, 'visitor', { locale: 'zh-CN' });
  const vp = v.page;
  const dialogs = [];
  vp.on('dialog', (d) => {
    dialogs.push(d.message());
    d.dismiss().catch(() => {});
  });
  await v.goto('/', { label: 'home' });
  if (!zh) await switchLanguage(v, 'en');
  await v.submit(vp.locator('.topbar nav').getByRole('link', { name: L('nav.storefront'), exact: true }), { label: 'catalogue' });
  assert.equal(v.path(), '/products');
  await expectText(vp.locator('main h1'), L('store.title'));
  const card = () => vp.locator('ul.product-grid > li.product-card').filter({ hasText: name });
  assert.equal(await card().count(), 1, 'the approved product is listed');
  const iotName = zh ? '物联网' : 'IoT';
  assert.equal(await text(card().locator('.summary')), summary);
  await expectText(card().locator('.meta'), provider.company);
  assert.equal(await text(card().locator('.meta .tag')), iotName);
  assert.equal(await text(card().locator('.price')), L('store.from', { price: '¥99.00' }));
  assert.equal(await loadedWidth(card().locator('img.icon')), 1, 'the card shows the icon');

  let cards = await search(v, lang, { q: summaryWord });
  assert.equal(await cards.filter({ hasText: name }).count(), 1, `searching "${summaryWord}" (a word of the summary) finds it`);
  cards = await search(v, lang, { q: nonsense });
  assert.equal(await cards.count(), 0, `searching "${nonsense}" finds nothing`);
  await expectText(vp.locator('.empty'), L('store.no_match'));
  cards = await search(v, lang, { category: 'ops-services' });
  assert.equal(await cards.filter({ hasText: name }).count(), 0, 'not listed under another category');
  cards = await search(v, lang, { category: 'iot' });
  assert.equal(await cards.filter({ hasText: name }).count(), 1, 'listed under its category');
  const tags = (await cards.locator('.meta .tag').allTextContents()).map((s) => s.trim());
  assert.deepEqual([...new Set(tags)], [iotName], 'every card of the filtered list is of that category');
  cards = await search(v, lang, { q: summaryWord, category: 'iot' });
  assert.equal(await cards.filter({ hasText: name }).count(), 1, 'search and category together');

  // ---- the product page ----------------------------------------------------------------------
  await v.submit(card().getByRole('link', { name }), { label: 'product' });
  assert.equal(v.path(), `/products/${id}`);
  await expectText(vp.locator('#product-head h1'), name);
  await expectText(vp.locator('#product-head .lead'), summary);
  const panel = vp.locator('#provider-panel');
  const main = vp.locator('#product-main');
  const pb = await panel.boundingBox();
  const mb = await main.boundingBox();
  assert.ok(pb && mb, 'both the provider panel and the product are shown');
  assert.ok(pb.x < mb.x, `the provider panel (x=${pb.x}) is left of the product (x=${mb.x}) at 1280×900`);
  assert.ok(pb.x + pb.width <= mb.x, 'the panel ends before the product starts');
  await expectText(panel.locator('h2'), provider.company);
  const facts = {};
  const dts = panel.locator('dl.facts dt');
  for (let i = 0; i < (await dts.count()); i++) {
    facts[(await dts.nth(i).textContent()).trim()] = await text(panel.locator('dl.facts dd').nth(i));
  }
  assert.deepEqual(facts, {
    [L('label.cs_phone')]: provider.cs.phone,
    [L('label.cs_email')]: provider.cs.email,
    [L('store.dongdong')]: provider.cs.dongdong_group_id,
    // Finding 11: buyers read "service hours", not the provider-facing "(shown to buyers)".
    [L('store.service_hours')]: provider.cs.service_hours,
  });
  assert.equal(await panel.getByRole('link', { name: provider.cs.phone }).getAttribute('href'), `tel:${provider.cs.phone}`);
  assert.equal(await panel.getByRole('link', { name: provider.cs.email }).getAttribute('href'), `mailto:${provider.cs.email}`);
  assert.equal(await loadedWidth(vp.locator('#product-head img.icon.big')), 1, 'the product page shows the icon');

  const planRows = main.locator('table.plans tbody tr');
  assert.equal(await planRows.count(), 2);
  for (const [i, plan] of plans.entries()) {
    assert.equal(await text(planRows.nth(i).locator('th')), plan.name);
    assert.equal(await text(planRows.nth(i).locator('td.price')), plan.shown);
    assert.equal(await text(planRows.nth(i).locator('td').last()), L(`billing.${plan.billing}`));
  }
  await expectText(main, afterSales);
  await expectText(main, warranty);

  // The Markdown description: the script is text, the javascript: link is defused.
  const prose = main.locator('.prose');
  await expectText(prose, '<script>alert(1)</script>');
  assert.equal(await prose.locator('script').count(), 0, 'no <script> element in the description');
  await expectText(prose.locator('li').first(), zh ? '设备接入与远程监控' : 'Device onboarding and remote monitoring');
  const x = prose.getByRole('link', { name: 'x', exact: true });
  assert.equal(await x.count(), 1, 'the link is still a link');
  const href = (await x.getAttribute('href')) || '';
  assert.ok(!/^\s*javascript:/i.test(href), `the link's href is not javascript: (got ${JSON.stringify(href)})`);
  assert.ok(!/javascript:/i.test(await prose.innerHTML()), 'no javascript: anywhere in the description');
  await vp.waitForTimeout(300);
  assert.deepEqual(dialogs, [], 'no dialog opened');
  await v.shot('product-checked');

  // ---- unlist: gone from the storefront; relist: back -----------------------------------------------
  await p.goto(`/provider/products/${id}`, { label: 'listed' });
  await expectText(page.locator('main h1 .badge'), L('product.status.listed'));
  await p.submit(page.getByRole('button', { name: L('product.unlist'), exact: true }), { label: 'unlisted' });
  await expectText(page.locator('.notice.success'), L('notice.unlisted'));
  await expectText(page.locator('main h1 .badge'), L('product.status.unlisted'));

  await v.goto(`/products/${id}`, { status: 404, label: 'unlisted-404' });
  assert.equal(await text(vp.locator('.status-code')), '404');
  assert.equal(await vp.locator('#product-main').count(), 0);
  await v.goto('/products', { label: 'catalogue-unlisted' });
  assert.equal(await card().count(), 0, 'no card of an unlisted product');

  await p.submit(page.getByRole('button', { name: L('product.relist'), exact: true }), { label: 'relisted' });
  await expectText(page.locator('.notice.success'), L('notice.relisted'));
  await expectText(page.locator('main h1 .badge'), L('product.status.listed'));
  await v.goto('/products', { label: 'catalogue-relisted' });
  assert.equal(await card().count(), 1, 'the relisted product is back');
  await v.goto(`/products/${id}`, { label: 'product-relisted' });
  await expectText(vp.locator('#product-head h1'), name);
  assert.deepEqual(dialogs, [], 'no dialog opened');

  await p.goto('/provider/products', { label: 'list-final' });
  const finalRow = page.locator('table.queue tbody tr').filter({ hasText: name });
  await expectText(finalRow.locator('.badge'), L('product.status.listed'));
  assert.equal(await finalRow.getByRole('link', { name: L('product.view_live'), exact: true }).getAttribute('href'), `/products/${id}`);

  await v.done();
  await p.done();
}

test('Chinese: a provider releases a product; returned once, approved, found, unlisted and relisted', async (t) => {
  await releaseJourney(t, 'zh-CN');
});

test('English: a provider releases a product; returned once, approved, found, unlisted and relisted', async (t) => {
  await releaseJourney(t, 'en');
});

// ---------------------------------------------------------------------------------------------
// 2. Contact us

test('contact us: a field error keeps the text, a reference by page and mail, the reply by mail (Chinese)', async (t) => {
  const lang = 'zh-CN';
  const L = (key, params) => tr(lang, key, params);
  const email = uniqueEmail('visitor');
  const badEmail = `visitor-${RUN}.example.com`;
  const name = '王五';
  const company = `杭州访客测试有限公司${RUN}`;
  const message = `请问商品上架后多久可以在商城搜索到？（${RUN}）`;
  const reply = `审核通过后即刻可以搜索到，一般在一个工作日内完成审核。（${RUN}）`;

  const v = await session(t, 'visitor', { locale: 'zh-CN' });
  const p = v.page;
  await v.goto('/', { label: 'home' });
  await v.submit(p.locator('.topbar nav').getByRole('link', { name: L('nav.contact'), exact: true }), { label: 'contact' });
  assert.equal(v.path(), '/contact');
  await expectText(p.locator('main h1'), L('contact.title'));
  await assertLabelled(v);
  const form = formAt(p, '/contact');
  await form.getByLabel(L('contact.topic'), { exact: true }).selectOption('product_question');
  await form.getByLabel(L('label.person_name'), { exact: true }).fill(name);
  await form.getByLabel(L('contact.company'), { exact: true }).fill(company);
  await form.getByLabel(L('label.email'), { exact: true }).fill(badEmail);
  await form.getByLabel(L('contact.message'), { exact: true }).fill(message);
  await v.submit(form.getByRole('button', { name: L('contact.send'), exact: true }), { status: 422, label: 'contact-bad-email' });

  const emailField = form.getByLabel(L('label.email'), { exact: true });
  await expectText(p.locator('#e-email'), L('field.email'));
  assert.equal(await emailField.getAttribute('aria-invalid'), 'true');
  assert.equal(await emailField.getAttribute('aria-describedby'), 'e-email');
  assert.equal(await p.locator('.field.has-error').count(), 1, 'only the e-mail field is in error');
  await expectText(p.locator('.error-summary'), L('field.email'));
  assert.equal(await emailField.inputValue(), badEmail, 'the e-mail typed is kept');
  assert.equal(await form.getByLabel(L('label.person_name'), { exact: true }).inputValue(), name);
  assert.equal(await form.getByLabel(L('contact.company'), { exact: true }).inputValue(), company);
  assert.equal(await form.getByLabel(L('contact.message'), { exact: true }).inputValue(), message);
  assert.equal(await form.getByLabel(L('contact.topic'), { exact: true }).inputValue(), 'product_question');
  assert.equal(await p.locator('#consultation-reference').count(), 0);

  await emailField.fill(email);
  await v.submit(form.getByRole('button', { name: L('contact.send'), exact: true }), { label: 'contact-sent' });
  const banner = p.locator('#consultation-reference');
  await expectText(banner, L('contact.thanks'));
  const reference = (await text(banner)).match(/C\d{8}-[2-9A-HJ-NP-Z]{6}/)?.[0];
  assert.ok(reference, `a reference number in ${JSON.stringify(await text(banner))}`);
  await expectText(banner, L('contact.reference', { reference }));
  const received = await waitForMail(email, (m) => m.body.includes(reference) || m.head.includes(reference));
  assert.ok(received.body.includes(reference), `the reference is in the mail's text:\n${received.body}`);
  await v.done();

  // ---- the operator answers ------------------------------------------------------------------
  const op = await session(t, 'operator', { locale: 'zh-CN' });
  await loginAsNewStaff(op, lang);
  await op.submit(op.page.getByRole('link', { name: L('console.consultations'), exact: true }), { label: 'consultations' });
  assert.equal(op.path(), '/console/consultations');
  const row = op.page.locator('table.queue tbody tr').filter({ hasText: reference });
  assert.equal(await row.count(), 1, `one open consultation ${reference}`);
  await expectText(row, L('topic.product_question'));
  await expectText(row, name);
  await op.submit(row.getByRole('link', { name: L('console.view_and_reply'), exact: true }), { label: 'consultation' });
  assert.match(op.path(), /^\/console\/consultations\/[^/]+$/);
  await expectText(op.page.locator('main h1'), reference);
  await expectText(op.page.locator('main h1 .badge'), L('consultation.status.open'));
  await expectText(op.page.locator('blockquote.message'), message);
  await expectText(op.page.locator('dl.facts'), email);
  await expectText(op.page.locator('dl.facts'), company);
  await assertLabelled(op);
  const seen = mailsTo(email).length;
  await op.page.getByLabel(L('console.reply_label'), { exact: true }).fill(reply);
  await op.submit(op.page.getByRole('button', { name: L('console.send_reply'), exact: true }), { label: 'replied' });
  await expectText(op.page.locator('.notice.success'), L('notice.replied'));
  await expectText(op.page.locator('main h1 .badge'), L('consultation.status.replied'));
  await expectText(op.page.locator('main'), reply);

  const answer = await waitForMail(email, (m) => m.body.includes(reply));
  assert.ok(mailsTo(email).length > seen, 'a new mail for the reply');
  assert.ok(answer.body.includes(reference) || answer.head.includes(reference), 'the reply mail names the reference');

  await op.goto('/console/consultations?status=replied', { label: 'replied-list' });
  assert.equal(await op.page.locator('table.queue tbody tr').filter({ hasText: reference }).count(), 1, 'listed under replied');
  await op.goto('/console/consultations', { label: 'open-list' });
  assert.equal(await op.page.locator('table.queue tbody tr').filter({ hasText: reference }).count(), 0, 'no longer open');
  await op.done();
});

// ---------------------------------------------------------------------------------------------
// 3. A 375 px phone

test('on a 375 px phone the storefront and a product page do not scroll sideways (Chinese)', async (t) => {
  const L = (key, params) => tr('zh-CN', key, params);
  // Setup: a listed product, released and approved through the API.
  const provider = await movedInProvider('phone');
  const name = `手机端测试商品设备管理平台${RUN}`;
  const description = [
    '## 套餐对比',
    '',
    '| 套餐 | 设备数 | 数据保留 | 价格 |',
    '|---|---|---|---|',
    '| 基础版 | 100 台 | 30 天 | ¥99/月 |',
    '| 企业版 | 10000 台 | 365 天 | ¥1999.50/年 |',
    '',
    '接入文档：<https://docs.example.com/device-management/getting-started/onboarding-your-first-gateway>',
    '',
    '- 设备接入、远程监控、告警推送、固件升级',
  ].join('\n');
  const created = await api('POST', '/api/v1/provider/products', {
    token: provider.token,
    json: apiProduct(name, description),
    expect: 201,
  });
  await api('POST', `/api/v1/provider/products/${created.id}/submit`, { token: provider.token, json: {}, expect: 200 });
  await approveItem(await pendingItem('product', provider.accountId));

  const v = await session(t, 'phone', { locale: 'zh-CN', viewport: { width: 375, height: 800 } });
  const p = v.page;
  await v.goto('/products', { label: 'catalogue-375' });
  const card = p.locator('ul.product-grid > li.product-card').filter({ hasText: name });
  assert.equal(await card.count(), 1);
  assert.ok(await card.isVisible(), 'the card is visible');
  await noHorizontalScroll(v, 375);
  assert.ok(await p.locator('form.search #q').isVisible(), 'the search box is visible');

  await v.submit(card.getByRole('link', { name }), { label: 'product-375' });
  assert.equal(v.path(), `/products/${created.id}`);
  await noHorizontalScroll(v, 375);
  const panel = p.locator('#provider-panel');
  const main = p.locator('#product-main');
  assert.ok(await panel.isVisible(), 'the provider panel is visible on the phone');
  assert.ok(await main.isVisible(), 'the product is visible on the phone');
  for (const box of [await panel.boundingBox(), await main.boundingBox()]) {
    assert.ok(box.x >= 0 && box.x + box.width <= 375 + 0.5, `inside the screen: ${JSON.stringify(box)}`);
  }
  await expectText(panel, provider.cs.phone);
  await expectText(p.locator('#product-head h1'), name);
  // Finding 11: on a phone the provider panel comes right under the product's heading, not at
  // the bottom of the page.
  const head = await p.locator('#product-head').boundingBox();
  const pb = await panel.boundingBox();
  const mb = await main.boundingBox();
  assert.ok(head.y < pb.y && pb.y < mb.y, `heading (${head.y}), then the panel (${pb.y}), then the rest (${mb.y})`);
  // Prices read with thousands grouped (finding 4).
  await expectText(main.locator('table.plans'), '¥1,999.50');
  await expectText(main.locator('.prose'), L('store.description'));
  await v.done();
});

// ---------------------------------------------------------------------------------------------
// 4. The review of a product speaks the reader's language

test('a returned product names fields and documents in words, not codes, for provider and operator (Chinese)', async (t) => {
  const lang = 'zh-CN';
  const L = (key, params) => tr(lang, key, params);
  // Setup: a product with an icon, submitted and returned through the API.
  const provider = await movedInProvider('words');
  const name = `字段名称测试商品${RUN}`;
  const reason = `请写明适用的设备类型（${RUN}）`;
  const created = await api('POST', '/api/v1/provider/products', {
    token: provider.token,
    json: apiProduct(name, '## 功能\n\n- 远程监控'),
    expect: 201,
  });
  const icon = new FormData();
  icon.append('file', new Blob([pngBytes()], { type: 'image/png' }), 'icon.png');
  await api('POST', `/api/v1/provider/products/${created.id}/icon`, { token: provider.token, form: icon, expect: 200 });
  await api('POST', `/api/v1/provider/products/${created.id}/submit`, { token: provider.token, json: {}, expect: 200 });
  const item = await pendingItem('product', provider.accountId);
  await api('POST', `/api/v1/review/items/${item.id}/decision`, {
    token: await operatorApi(),
    json: { decision: 'reject', version: item.version, reasons: [{ field: 'summary', message: reason }] },
    expect: 200,
  });

  const codeLike = /\b(fieldname|doc|kind|decision|billing|delivery)\.[a-z_.]+/;
  // Every finding is collected, so that one defect does not hide the others.
  const found = [];

  // The provider's returned banner names the field as the form does.
  const p = await session(t, 'provider', { locale: 'zh-CN' });
  await login(p, lang, provider.email, provider.password);
  await p.goto(`/provider/products/${created.id}`, { label: 'returned' });
  const li = p.page.locator('.banner.warn ul.reasons li').filter({ hasText: reason });
  assert.equal(await li.count(), 1, 'the reason is shown to the provider');
  const shownField = await text(li.locator('strong'));
  if (shownField !== L('fieldname.summary')) {
    found.push(`provider's returned banner names the field ${JSON.stringify(shownField)}, not ${JSON.stringify(L('fieldname.summary'))}`);
  }
  await p.done();

  // The operator's review screen: every field and document named in words; prices not as JSON.
  const op = await session(t, 'operator', { locale: 'zh-CN' });
  await loginAsNewStaff(op, lang);
  await op.goto(`/console/items/${item.id}`, { label: 'item' });
  const headers = (await op.page.locator('table.compare tbody th').allTextContents()).map((s) => s.trim());
  const docs = (await op.page.locator('.case-docs figcaption strong').allTextContents()).map((s) => s.trim());
  for (const h of [...headers, ...docs].filter((h) => codeLike.test(h))) {
    found.push(`operator's review screen shows the text key ${JSON.stringify(h)}`);
  }
  const plansRow = op.page.locator('table.compare tbody tr').filter({
    has: op.page.getByRole('rowheader', { name: L('fieldname.plans'), exact: true }),
  });
  const plansText = await text(plansRow.locator('td').first());
  if (/price_fen|[{}]/.test(plansText)) found.push(`operator's review screen shows the plans as JSON: ${plansText}`);
  assert.deepEqual(found, [], 'the product review speaks in words');
  await op.done();
});
