// API tokens as people meet them (issue 13): a provider makes a token on the provider backend's
// API tokens page (every error at once, what was typed kept), sees it once, a machine uses it on
// the event feed, and the provider revokes it after a confirmation; an operator makes a
// marketplace-wide token from the console in English. axe-core runs on every page state.

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { api, closeBrowser, expectText, formAt, login, loginAsNewStaff, machineWordsIn, readableText, registeredAccount, session, tr } from '../lib.mjs';

after(closeBrowser);

test('a provider makes a token, sees it once, and revokes it', async (t) => {
  const lang = 'zh-CN';
  const L = (key, params) => tr(lang, key, params);
  const provider = await registeredAccount('tok');
  const s = await session(t, 'provider', { locale: 'zh-CN' });
  const p = s.page;
  await login(s, lang, provider.email, provider.password);

  await s.goto('/provider/tokens', { label: 'tokens-empty' });
  assert.equal(await p.locator('nav.sidenav a[aria-current="page"]').textContent(), L('tokens.title'));
  await expectText(p.locator('main .empty'), L('tokens.none'));

  // Nothing chosen: every error at once, each at its field.
  const form = formAt(p, '/provider/tokens');
  await form.getByLabel(L('tokens.on_a_day')).check();
  await s.submit(form.getByRole('button', { name: L('tokens.add_button') }), { status: 422, label: 'refused' });
  await expectText(p.locator('#e-name'), L('field.required'));
  await expectText(p.locator('#f-scopes .field-error'), L('fieldmsg.scopes.required'));
  await expectText(p.locator('#f-expiry .field-error'), L('fieldmsg.expiry.required'));

  // Typed input is kept on a refusal.
  await form.getByLabel(L('tokens.name'), { exact: true }).fill('订单系统');
  await s.submit(form.getByRole('button', { name: L('tokens.add_button') }), { status: 422, label: 'refused-again' });
  assert.equal(await form.getByLabel(L('tokens.name'), { exact: true }).inputValue(), '订单系统');

  // Made: shown once.
  await form.getByRole('checkbox', { name: L('tokens.scope.events:read') }).check();
  await form.getByRole('radio', { name: L('tokens.days', { n: 30 }) }).check();
  await s.submit(form.getByRole('button', { name: L('tokens.add_button') }), { label: 'token-shown' });
  await expectText(p.locator('main h1'), L('tokens.new_title'));
  await expectText(p.locator('main'), L('tokens.once_warning'));
  const token = await p.locator('#f-token').inputValue();
  assert.match(token, /^berth_[0-9a-f]{32}_[A-Za-z0-9_-]{32,}$/);
  assert.ok(!p.url().includes(token), 'the token is in no address');
  await api('GET', '/api/v1/events', { token, expect: 200 });

  // The list speaks in words and never shows the token again.
  await s.submit(p.getByRole('link', { name: L('tokens.kept') }), { label: 'tokens-list' });
  const row = p.locator('#tokens tbody tr').first();
  await expectText(row, '订单系统');
  await expectText(row, L('tokens.scope.events:read'));
  await expectText(row, L('tokens.status.active'));
  assert.ok(!(await p.content()).includes(token), 'the token is not shown again');
  assert.deepEqual(machineWordsIn(await readableText(s), 'the tokens page'), []);

  // Revoked after a confirmation: refused from then on.
  await s.submit(row.getByRole('link', { name: L('tokens.revoke_for', { name: '订单系统' }) }), { label: 'revoke-confirm' });
  await expectText(p.locator('main h1'), L('tokens.revoke_question', { name: '订单系统' }));
  await s.submit(p.getByRole('button', { name: L('tokens.revoke_button') }), { label: 'revoked' });
  await expectText(p.locator('.notice'), L('notice.token_revoked'));
  await expectText(p.locator('#tokens tbody tr').first(), L('tokens.status.revoked'));
  await api('GET', '/api/v1/events', { token, expect: 401 });
  await s.done();
});

test('an operator makes a marketplace-wide token from the console', async (t) => {
  const lang = 'en';
  const L = (key, params) => tr(lang, key, params);
  const s = await session(t, 'operator', { locale: 'en-GB' });
  const p = s.page;
  await loginAsNewStaff(s, lang);
  await s.submit(p.locator('ul.console-nav').getByRole('link', { name: L('tokens.title') }), { label: 'console-tokens' });
  assert.equal(s.path(), '/console/tokens');
  await expectText(p.locator('main .empty'), L('tokens.none'));

  const form = formAt(p, '/console/tokens');
  await form.getByLabel(L('tokens.name'), { exact: true }).fill('CRM sync');
  await form.getByRole('checkbox', { name: L('tokens.scope.providers:read') }).check();
  await s.submit(form.getByRole('button', { name: L('tokens.add_button') }), { label: 'token-shown' });
  const token = await p.locator('#f-token').inputValue();
  await api('GET', '/api/v1/events', { token, expect: 403 });
  await s.submit(p.getByRole('link', { name: L('tokens.kept') }), { label: 'tokens-list' });
  await expectText(p.locator('#tokens tbody tr').first(), L('tokens.scope.providers:read'));
  assert.deepEqual(machineWordsIn(await readableText(s), 'the console tokens page'), []);
  await s.done();
});
