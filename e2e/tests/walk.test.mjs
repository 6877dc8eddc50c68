// The company's and the buyer's walk (issue 11): every page state a company and a buyer meet, in
// Chinese and English, at 1280 and 375 px. Each state is saved as a screenshot under
// e2e/screenshots/provider/ (indexed in e2e/README.md, "Company and buyer walk") and checked on
// the way: no machine values a person would read, nothing wider than the screen, every field
// labelled. The accounts are put in each state through the JSON API (lib.mjs); the pages are
// then opened as their owners see them.

import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  activatedHolder,
  api,
  approveItem,
  closeBrowser,
  formAt,
  login,
  machineWordsIn,
  movedInProvider,
  operatorApi,
  pendingItem,
  readableText,
  RUN,
  session,
  submittedHolder,
  switchLanguage,
  unlabelledFields,
  uniqueEmail,
  verifiedHolder,
} from '../lib.mjs';

after(closeBrowser);

const SHOTS = join(process.env.E2E_SCREENSHOTS || new URL('../screenshots/', import.meta.url).pathname, 'provider');
mkdirSync(SHOTS, { recursive: true });

const people = {};
before(async () => {
  people.fresh = await activatedHolder('walk-fresh');
  people.inReview = await submittedHolder('walk-review');
  people.deposit = await submittedHolder('walk-deposit', { paid: true });
  people.verified = await verifiedHolder('walk-verified');
  const live = await movedInProvider('walk-live');
  const product = await api('POST', '/api/v1/provider/products', {
    token: live.token,
    expect: 201,
    json: {
      name: `工业设备远程运维平台${RUN}`,
      category: 'iot',
      service_type: 'saas',
      delivery: 'download',
      summary: '设备联网、远程监控、告警推送与固件升级',
      description: '## 功能\n\n- 设备接入与远程监控\n- 告警推送\n\n| 套餐 | 设备数 |\n|---|---|\n| 基础版 | 100 台 |',
      plans: [
        { name: '基础版', price_fen: 9900, billing: 'monthly' },
        { name: '企业版', price_fen: 1999950, billing: 'yearly' },
      ],
      terms: { after_sales_scope: '7×12 工单与电话支持', warranty: '可用性 99.9%' },
    },
  });
  await api('POST', `/api/v1/provider/products/${product.id}/submit`, { token: live.token, json: {}, expect: 200 });
  await approveItem(await pendingItem('product', live.accountId));
  await api('PUT', '/api/v1/provider/settlement', {
    token: live.token,
    expect: 200,
    json: { account_name: live.company, bank_name: '中国银行', branch_name: '中国银行深圳分行', branch_code: '104584000003', account_number: '6217000000009999' },
  });
  const change = await pendingItem('settlement_change', live.accountId);
  await api('POST', `/api/v1/review/items/${change.id}/decision`, {
    token: await operatorApi(),
    json: { decision: 'reject', version: change.version, reasons: [{ field: 'branch_code', message: '联行号与开户支行不符' }] },
    expect: 200,
  });
  people.live = { ...live, productId: product.id };
});

for (const lang of ['zh-CN', 'en']) {
  for (const width of [1280, 375]) {
    test(`the company's and the buyer's walk (${lang}, ${width} px)`, async (t) => {
      const found = [];
      let n = 0;
      const visit = async (s, label, { path, status = 200, act } = {}) => {
        if (path) await s.goto(path, { status, label });
        if (act) await act();
        n += 1;
        await s.page.screenshot({ path: join(SHOTS, `${String(n).padStart(2, '0')}-${label}-${lang}-${width}.png`), fullPage: true });
        found.push(...machineWordsIn(await readableText(s), `${label} (${s.path()})`));
        for (const f of await unlabelledFields(s.page)) found.push(`${label}: an unlabelled field ${f}`);
        const wide = await s.page.evaluate(() => document.documentElement.scrollWidth);
        if (wide > width) found.push(`${label}: the page is ${wide} px wide at ${width} px`);
      };
      const as = async (name, who) => {
        const s = await session(t, `${name}-${lang}-${width}`, { viewport: { width, height: 900 } });
        await s.goto('/', { label: 'home' });
        if (lang === 'en') await switchLanguage(s, 'en');
        if (who) await login(s, lang, who.email, who.password);
        return s;
      };

      // A buyer (anonymous).
      const b = await as('buyer');
      await visit(b, 'home', { path: '/' });
      await visit(b, 'register-errors', {
        path: '/register',
        act: async () => {
          const f = formAt(b.page, '/register');
          await f.locator('#f-email').fill('not-an-address');
          await f.locator('#f-password').fill('short');
          await f.locator('#f-password_confirm').fill('other');
          await b.submit(f.locator('button[type="submit"]'), { status: 422, label: 'register-errors' });
        },
      });
      await visit(b, 'storefront', { path: '/products' });
      await visit(b, 'product', { path: `/products/${people.live.productId}` });
      await visit(b, 'agreement', { path: '/agreement' });
      await visit(b, 'contact', { path: '/contact' });
      await visit(b, 'contact-sent', {
        act: async () => {
          const f = formAt(b.page, '/contact');
          await f.locator('#f-name').fill(lang === 'en' ? 'Walker' : '走查');
          await f.locator('#f-email').fill(uniqueEmail('walk-buyer'));
          await f.locator('#f-message').fill(lang === 'en' ? 'How long does a review take?' : '审核一般需要多久？');
          await b.submit(f.locator('button[type="submit"]'), { label: 'contact-sent' });
        },
      });
      await visit(b, 'not-found', { path: '/no-such-page', status: 404 });
      await b.done();

      // A company that has just registered.
      const f = await as('fresh', people.fresh);
      await visit(f, 'move-in-fresh', { path: '/move-in' });
      await visit(f, 'enterprise-empty', { path: '/move-in/enterprise' });
      await visit(f, 'enterprise-errors', {
        act: async () => {
          const form = formAt(f.page, '/move-in/enterprise');
          await form.locator('#f-company_name').fill(lang === 'en' ? 'Walk Test Co. Ltd' : '走查测试有限公司');
          await form.locator('#f-uscc').fill('914403001922038217');
          await f.submit(form.locator('button[value="submit"]'), { status: 422, label: 'enterprise-errors' });
        },
      });
      await visit(f, 'backend-not-yet', { path: '/provider/info/customer-service', status: 403 });
      await visit(f, 'products-not-yet', { path: '/provider/products', status: 403 });
      await f.done();

      const r = await as('in-review', people.inReview);
      await visit(r, 'enterprise-in-review', { path: '/move-in/enterprise' });
      await visit(r, 'move-in-in-review', { path: '/move-in' });
      await r.done();

      const d = await as('deposit', people.deposit);
      await visit(d, 'enterprise-deposit', { path: '/move-in/enterprise' });
      await visit(d, 'move-in-deposit', { path: '/move-in' });
      await d.done();

      const v = await as('verified', people.verified);
      await visit(v, 'application-empty', { path: '/move-in/application' });
      await visit(v, 'application-errors', {
        act: async () => {
          const form = formAt(v.page, '/move-in/application');
          await form.locator('[id="f-contact.mobile"]').fill('12345');
          await v.submit(form.locator('button[value="submit"]'), { status: 422, label: 'application-errors' });
        },
      });
      await v.done();

      const l = await as('live', people.live);
      await visit(l, 'move-in-live', { path: '/move-in' });
      await visit(l, 'customer-service', { path: '/provider/info/customer-service' });
      await visit(l, 'settlement-change-rejected', { path: '/provider/info/settlement' });
      await visit(l, 'products', { path: '/provider/products' });
      await visit(l, 'product-edit', { path: `/provider/products/${people.live.productId}` });
      await visit(l, 'product-new-errors', {
        path: '/provider/products/new',
        act: async () => {
          const form = formAt(l.page, '/provider/products');
          await l.page.locator('[id="f-plans.0.price"]').fill('-1');
          await l.submit(form.locator('button[value="save"]'), { status: 422, label: 'product-new-errors' });
        },
      });
      await l.done();

      assert.deepEqual(found, [], `the walk found machine values, unlabelled fields or overflow`);
    });
  }
}
