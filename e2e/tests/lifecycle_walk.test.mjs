// The life after move-in, walked (issues 13–15): every page a moved-in company and the back
// office meet after the journey — the company's deposit ledger (paid, then short after a
// deduction, with the top-up deadline), re-verification, its data and account closure, the
// agreements, its API tokens, webhooks and integration; the console's staff, reasons, report,
// rules, calendar, agreements, tokens, webhooks and a provider's deposit ledger — in Chinese and
// English, at 1280 and 375 px. Each page is checked for machine values a person would read
// (raw booleans, timestamps, codes, text keys, JSON), unlabelled fields and sideways scrolling,
// and kept as a screenshot under e2e/screenshots/lifecycle/.

import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  RUN,
  api,
  closeBrowser,
  login,
  loginAsNewStaff,
  machineValues,
  machineWordsIn,
  movedInProvider,
  readableText,
  session,
  staffApiToken,
  switchLanguage,
  unlabelledFields,
} from '../lib.mjs';
import { consoleMachineValues, withoutDataNumbers } from '../console.mjs';

after(closeBrowser);

const SHOTS = join(process.env.E2E_SCREENSHOTS || new URL('../screenshots/', import.meta.url).pathname, 'lifecycle');
mkdirSync(SHOTS, { recursive: true });

const people = {};
before(async () => {
  // A category of this run's own with a deposit of ¥5,000.00; the provider declares it, finance
  // records the payment, then a deduction of ¥1,200.00 leaves the balance short.
  const admin = await staffApiToken({ role: 'admin' });
  const slug = `lifewalk-${RUN}`.toLowerCase().replace(/[^a-z0-9-]/g, '').slice(0, 40);
  await api('POST', '/api/v1/review/catalog/categories', {
    token: admin.token,
    json: { slug, name_zh: `生命周期类目${RUN}`, name_en: `Lifecycle category ${RUN}`, deposit_fen: 500000 },
    expect: 201,
  });
  const provider = await movedInProvider('lifewalk', { categories: ['iot', slug], expectMovedIn: false });
  const finance = await staffApiToken({ role: 'finance' });
  const base = `/api/v1/review/providers/${provider.accountId}/deposit`;
  await api('POST', `${base}/payments`, { token: finance.token, json: { amount_fen: 500000, reference: `CMB-${RUN}` }, expect: 201 });
  await api('POST', `${base}/deductions`, { token: finance.token, json: { amount_fen: 120000, reason: '买家投诉成立，按协议扣除违约金' }, expect: 201 });
  const deposit = await api('GET', '/api/v1/me/deposit', { token: provider.token, expect: 200 });
  assert.equal(deposit.status, 'short', JSON.stringify(deposit));
  people.provider = provider;
  // The reason library's codes are identifiers admins choose and type (`licence_illegible`):
  // its page shows them as such, and they are the only snake_case words it may show.
  const library = await api('GET', '/api/v1/review/reasons?include_retired=true', { token: admin.token, expect: 200 });
  people.reasonCodes = new Set((Array.isArray(library) ? library : library.items).map((r) => r.code));
});

/** The findings of a page less the reason codes on the reason library's page. */
function withoutReasonCodes(found, path) {
  if (path !== '/console/reasons') return found;
  return found.filter((f) => {
    const m = f.match(/(?:snake_case|field key) "([a-z0-9_]+)"/);
    return !(m && people.reasonCodes.has(m[1]));
  });
}

for (const lang of ['zh-CN', 'en']) {
  for (const width of [1280, 375]) {
    test(`life after move-in, walked (${lang}, ${width} px)`, async (t) => {
      const found = [];
      let n = 0;
      const visit = async (s, who, path, { console: inConsole = false, name = path.replace(/^\//, '').replace(/[^a-z0-9]+/gi, '-') } = {}) => {
        await s.goto(path, { label: name });
        n += 1;
        await s.page.screenshot({ path: join(SHOTS, `${lang}-${width}-${String(n).padStart(2, '0')}-${who}-${name}.png`), fullPage: true });
        const here = [...machineWordsIn(await readableText(s), `${who} ${path}`), ...withoutDataNumbers(await machineValues(s))];
        if (inConsole) here.push(...(await consoleMachineValues(s)));
        found.push(...withoutReasonCodes(here, path));
        for (const f of await unlabelledFields(s.page)) found.push(`${path}: an unlabelled field ${f}`);
        const wide = await s.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        if (wide > 0) found.push(`${path} scrolls sideways by ${wide} px at ${width}`);
      };

      const p = await session(t, `lifewalk-provider-${lang}-${width}`, { locale: 'zh-CN', viewport: { width, height: 900 } });
      await p.goto('/', { label: 'home' });
      if (lang === 'en') await switchLanguage(p, 'en');
      await login(p, lang, people.provider.email, people.provider.password);
      for (const path of [
        '/provider',
        '/move-in',
        '/provider/deposit',
        '/provider/reverification',
        '/account/data',
        '/account/security',
        '/agreements',
        '/agreement',
        '/provider/tokens',
        '/provider/webhooks',
        '/provider/info/integration',
      ]) {
        await visit(p, 'provider', path);
      }
      await p.done();

      const c = await session(t, `lifewalk-console-${lang}-${width}`, { locale: 'zh-CN', viewport: { width, height: 900 } });
      await c.goto('/', { label: 'home' });
      if (lang === 'en') await switchLanguage(c, 'en');
      await loginAsNewStaff(c, lang, { role: 'admin,reviewer,finance' });
      for (const path of [
        '/console/staff',
        '/console/reasons',
        '/console/report',
        '/console/rules',
        '/console/calendar',
        '/console/agreements',
        '/console/tokens',
        '/console/webhooks',
      ]) {
        await visit(c, 'console', path, { console: true });
      }
      await visit(c, 'console', `/console/providers/${people.provider.accountId}/deposit`, { console: true, name: 'console-provider-deposit' });
      await c.done();
      assert.deepEqual(found, [], 'every page after move-in speaks in words, labels its fields and fits the screen');
    });
  }
}
