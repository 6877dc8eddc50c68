// Claiming work and the deadline the applicant sees (issue 14, items 2 and 3): a reviewer claims
// an item from the queue page and finds it under "mine", held by "you"; the company sees on its
// move-in page, in words, the date a decision can be expected and its place in line.

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import {
  closeBrowser,
  login,
  loginAsNewStaff,
  machineValues,
  pendingItem,
  session,
  submittedHolder,
  switchLanguage,
  tr,
} from '../lib.mjs';

after(closeBrowser);

test('a reviewer claims an item on the queue page and the company sees when to expect a decision', async (t) => {
  const lang = 'en';
  const L = (key, params) => tr(lang, key, params);
  const h = await submittedHolder('claim');
  const item = await pendingItem('enterprise_verification', h.accountId);

  const op = await session(t, 'reviewer');
  await op.goto('/', { label: 'home' });
  await switchLanguage(op, lang);
  await loginAsNewStaff(op, lang);
  await op.goto('/console', { label: 'queue' });
  const row = op.page.locator(`tr[data-item="${item.id}"]`);
  assert.equal(await row.count(), 1, 'the submitted item is in the queue');
  await op.submit(row.getByRole('button', { name: new RegExp(`^${L('console.claim')}`) }), { label: 'claimed' });
  assert.match(op.path(), /^\/console/);
  assert.ok(op.page.url().includes('view=mine'), `"mine" after claiming: ${op.page.url()}`);
  const mine = op.page.locator(`tr[data-item="${item.id}"]`);
  assert.equal(await mine.count(), 1, 'the claimed item is listed under "mine"');
  assert.equal((await mine.locator('td.holder').textContent()).trim(), L('console.held_by_you'));
  assert.equal(await op.page.locator('.queue-views a[aria-current="page"]').getAttribute('data-view'), 'mine');
  await op.done();

  const company = await session(t, 'company');
  await company.goto('/', { label: 'home' });
  await switchLanguage(company, lang);
  await login(company, lang, h.email, h.password);
  await company.goto('/move-in', { label: 'move-in' });
  const expected = company.page.locator('[data-expected="enterprise_verification"]');
  const said = (await expected.textContent()).trim();
  assert.match(said, /^Decision expected by (Monday|Tuesday|Wednesday|Thursday|Friday) \d{1,2} [A-Z][a-z]+ \d{4} · \d+(st|nd|rd|th) in line$/, said);
  assert.deepEqual(await machineValues(company), []);
  await company.done();
});
