// The operator's walk (issue 11): a day in the console in Chinese and in English, at 1280 and
// 375 px — the home and queue, the review screen of each kind (a verification with a licence
// and a letter of authorisation, a move-in application, a settlement change, a product), the
// deposit, consultations, the catalog and the audit log. Every page is checked by axe and for
// machine values, and kept as a screenshot in e2e/screenshots/console/ (indexed in
// e2e/README.md, "Operator walk").

import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  RUN,
  api,
  approveItem,
  closeBrowser,
  loginAsNewStaff,
  machineValues,
  movedInProvider,
  operatorApi,
  pendingItem,
  session,
  switchLanguage,
} from '../lib.mjs';
import { consoleMachineValues, submittedCompany, withoutDataNumbers } from '../console.mjs';

after(closeBrowser);

const SHOTS = join(process.env.E2E_SCREENSHOTS || new URL('../screenshots/', import.meta.url).pathname, 'console');
mkdirSync(SHOTS, { recursive: true });

/** The items of the walk, one of each kind, made once for the four walks. */
const items = {};

before(async () => {
  const op = await operatorApi();
  // A verification with a licence and a letter of authorisation, waiting.
  const letter = await submittedCompany('walk');
  items.verification = letter.item.id;
  // A verification approved with its deposit out: the deposit card.
  const paying = await submittedCompany('walkpay', { sameAsLegalRep: true });
  await approveItem(paying.item);
  await api('POST', `/api/v1/review/items/${paying.item.id}/micro-deposit`, { token: op, json: {}, expect: 200 });
  items.deposit = paying.item.id;
  // A provider: its settlement change and a product, waiting.
  const provider = await movedInProvider('walk');
  await api('PUT', '/api/v1/provider/settlement', {
    token: provider.token,
    expect: 200,
    json: {
      account_name: provider.company,
      bank_name: '中国工商银行',
      branch_name: '深圳科技园支行',
      branch_code: '102584000045',
      account_number: '6212260200098765432',
    },
  });
  items.settlement = (await pendingItem('settlement_change', provider.accountId)).id;
  const product = await api('POST', '/api/v1/provider/products', {
    token: provider.token,
    expect: 201,
    json: {
      name: `设备远程运维平台${RUN}`,
      category: 'iot',
      service_type: 'saas',
      delivery: 'download',
      summary: '工业设备联网、远程监控与告警',
      description: '## 功能\n\n- 设备联网与远程监控\n- 告警与工单\n\n## 交付\n\n开通后 1 个工作日内交付。',
      plans: [
        { name: '基础版', price_fen: 9900, billing: 'monthly' },
        { name: '企业版', price_fen: 1999950, billing: 'yearly' },
      ],
      terms: { after_sales_scope: '工单与电话支持', warranty: '99.9% 可用性' },
    },
  });
  await api('POST', `/api/v1/provider/products/${product.id}/submit`, { token: provider.token, json: {}, expect: 200 });
  items.product = (await pendingItem('product', provider.accountId)).id;
  // A verified company whose move-in application waits.
  const applicant = await submittedCompany('walkapp', { sameAsLegalRep: true });
  await approveItem(applicant.item);
  const sent = await api('POST', `/api/v1/review/items/${applicant.item.id}/micro-deposit`, { token: op, json: {}, expect: 200 });
  await api('POST', '/api/v1/me/enterprise/micro-deposit/confirm', { token: applicant.token, json: { amount_fen: sent.amount_fen }, expect: 200 });
  await api('PUT', '/api/v1/me/application', {
    token: applicant.token,
    expect: 200,
    json: {
      contact: { name: '李四', title: '商务经理', mobile: '13800138000', email: `contact-${RUN}@example.com` },
      business_brief: '我们为制造企业提供设备联网与运维服务，计划上架 SaaS 产品和现场运维服务。',
      categories: ['iot', 'ops-services'],
      service_types: ['saas', 'offline-service'],
      service_hours: '7x12',
      years_in_industry: 6,
      agreement_version: '2026-01',
    },
  });
  await api('POST', '/api/v1/me/application/submit', { token: applicant.token, json: {}, expect: 200 });
  items.application = (await pendingItem('partner_application', applicant.accountId)).id;
  await api('POST', '/api/v1/consultations', {
    expect: 201,
    json: { topic: 'provider_cooperation', name: '赵六', company: '深圳某科技公司', email: `walk-${RUN}@example.com`, message: `请问入驻需要准备哪些材料？（${RUN}）` },
  });
});

for (const lang of ['zh-CN', 'en']) {
  for (const width of [1280, 375]) {
    test(`the operator's walk (${lang}, ${width} px)`, async (t) => {
      const s = await session(t, `walk-${lang}-${width}`, { locale: 'zh-CN', viewport: { width, height: 900 } });
      await s.goto('/', { label: 'home' });
      if (lang === 'en') await switchLanguage(s, 'en');
      await loginAsNewStaff(s, lang);
      const found = [];
      let n = 0;
      const visit = async (path, name) => {
        await s.goto(path, { label: name });
        n += 1;
        await s.page.screenshot({ path: join(SHOTS, `${lang}-${width}-${String(n).padStart(2, '0')}-${name}.png`), fullPage: true });
        found.push(...withoutDataNumbers(await machineValues(s)));
        found.push(...(await consoleMachineValues(s, { slugs: name !== 'catalog' })));
        const wide = await s.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        if (wide > 0) found.push(`${path} scrolls sideways by ${wide} px at ${width}`);
      };
      await visit('/console', 'home-and-queue');
      await visit(`/console/items/${items.verification}`, 'verification');
      await visit(`/console/items/${items.deposit}`, 'deposit');
      await visit(`/console/items/${items.application}`, 'application');
      await visit(`/console/items/${items.settlement}`, 'settlement-change');
      await visit(`/console/items/${items.product}`, 'product');
      await visit('/console/consultations', 'consultations');
      await visit('/console/catalog', 'catalog');
      await visit('/console/audit', 'audit');
      assert.deepEqual(found, [], 'the walk finds words only, and nothing wider than the screen');
      await s.done();
    });
  }
}
