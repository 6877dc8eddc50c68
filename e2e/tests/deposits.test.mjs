// Category deposits (issue 15, item 3): an admin gives a category a deposit of ¥5,000.00; a
// provider declaring it sees the deposit step with the amount on its stepper and is not moved
// in; finance records the payment on the console's deposit page (a bad amount first: the error
// at the field, what was typed kept); the provider's stepper shows the step done and the
// backend's deposit page the ledger. axe-core runs on every page state.

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { RUN, api, closeBrowser, expectText, login, loginAsNewStaff, machineWordsIn, movedInProvider, readableText, session, staffApiToken, tr } from '../lib.mjs';

after(closeBrowser);

test('the deposit step: the provider sees the amount, finance records the payment, the step is done', async (t) => {
  const zh = 'zh-CN';
  const Z = (key, params) => tr(zh, key, params);
  // A category of this run's own, so that no other test's provider owes a deposit.
  const admin = await staffApiToken({ role: 'admin' });
  const slug = `deposit-${RUN}`.toLowerCase().replace(/[^a-z0-9-]/g, '').slice(0, 40);
  await api('POST', '/api/v1/review/catalog/categories', {
    token: admin.token,
    json: { slug, name_zh: `保证金类目${RUN}`, name_en: `Deposit category ${RUN}`, deposit_fen: 500000 },
    expect: 201,
  });
  const provider = await movedInProvider('deposit', { categories: ['iot', slug], expectMovedIn: false });
  const m = await api('GET', '/api/v1/me/move-in', { token: provider.token, expect: 200 });
  assert.deepEqual(m.due, ['deposit'], JSON.stringify(m));

  // The provider: the deposit step, with the amount in yuan, and the step to do next.
  const p = await session(t, 'provider', { locale: 'zh-CN' });
  await login(p, zh, provider.email, provider.password);
  await p.goto('/move-in', { label: 'deposit-due' });
  const step = p.page.locator('#step-deposit');
  await expectText(step, Z('step.deposit'));
  await expectText(step, '¥5,000.00');
  await expectText(step.locator('.badge'), Z('journey.badge.not_started'));
  await expectText(p.page.locator('#next-action'), Z('journey.next.deposit.not_started'));
  assert.deepEqual(machineWordsIn(await readableText(p), 'the stepper with the deposit due'), []);
  await p.submit(p.page.locator('#next-action'), { label: 'deposit-page-due' });
  assert.equal(p.path(), '/provider/deposit');
  await expectText(p.page.locator('#deposit-required'), '¥5,000.00');
  await expectText(p.page.locator('#deposit-status'), Z('deposit.status.due'));
  await expectText(p.page.locator('#deposit-next'), '¥5,000.00');

  // Finance: the console's deposit page, a bad amount, then the payment.
  const f = await session(t, 'finance', { locale: 'zh-CN' });
  await loginAsNewStaff(f, zh, { role: 'finance' });
  await f.goto(`/console/providers/${provider.accountId}/deposit`, { label: 'console-deposit' });
  await expectText(f.page.locator('#deposit-company'), provider.company);
  await expectText(f.page.locator('#deposit-required'), '¥5,000.00');
  const form = f.page.locator('#deposit-payment-form');
  await form.getByLabel(Z('deposit.amount_yuan')).fill('五千');
  await form.getByLabel(Z('deposit.reference')).fill(`CMB-${RUN}`);
  await f.submit(form.getByRole('button', { name: Z('deposit.record_payment') }), { status: 422, label: 'payment-refused' });
  await expectText(f.page.locator('#e-payment_amount'), Z('field.amount_format'));
  assert.equal(await f.page.locator('#deposit-payment-form').getByLabel(Z('deposit.reference')).inputValue(), `CMB-${RUN}`);
  const again = f.page.locator('#deposit-payment-form');
  await again.getByLabel(Z('deposit.amount_yuan')).fill('5,000.00');
  await f.submit(again.getByRole('button', { name: Z('deposit.record_payment') }), { label: 'payment-recorded' });
  await expectText(f.page.locator('main .notice.success').first(), Z('notice.deposit_payment_recorded'));
  await expectText(f.page.locator('#deposit-status'), Z('deposit.status.paid'));
  await expectText(f.page.locator('#deposit-ledger'), `CMB-${RUN}`);
  assert.deepEqual(machineWordsIn(await readableText(f), 'the console deposit page'), []);
  await f.done();

  // The provider: the step is done, the provider has moved in; the ledger shows the payment.
  await p.goto('/move-in', { label: 'deposit-done' });
  await expectText(p.page.locator('#step-deposit .badge'), Z('journey.badge.done'));
  await expectText(p.page.locator('#moved-in'), Z('move_in.live_title'));
  await p.goto('/provider/deposit', { label: 'deposit-page-paid' });
  await expectText(p.page.locator('#deposit-status'), Z('deposit.status.paid'));
  await expectText(p.page.locator('#deposit-balance'), '¥5,000.00');
  await expectText(p.page.locator('#deposit-ledger'), `CMB-${RUN}`);
  await p.done();
});
