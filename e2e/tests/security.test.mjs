// CSRF, roles and the provider-backend gate, as a browser sees them.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  BASE,
  closeBrowser,
  enterSecondFactor,
  expectText,
  login,
  loginAsNewStaff,
  registerAndActivate,
  secondStepForm,
  session,
  signedInAs,
  switchLanguage,
  tr,
} from '../lib.mjs';

after(closeBrowser);

/** One activated account holder (not verified, not approved) shared by the tests of this file. */
let holder;
before(async () => {
  const t = { name: 'setup', after: () => {} };
  const s = await session(t, 'register');
  holder = await registerAndActivate(s, 'zh-CN');
  await s.done();
});

test('a logged-in POST without the CSRF token is refused with 403', async (t) => {
  const s = await session(t, 'csrf');
  await login(s, 'zh-CN', holder.email, holder.password, { expectPath: '/move-in' });
  const company = 'CSRF 测试有限公司';
  const posts = [
    ['/move-in/enterprise', { action: 'save', company_name: company }],
    ['/move-in/application', { action: 'save', business_brief: 'A brief typed by somebody else entirely.' }],
    ['/lang', { lang: 'en', back: '/move-in' }],
    ['/logout', {}],
    ['/account/security', { action: 'start' }],
    ['/login/second-factor', { challenge: 'not-a-challenge', code: '123456' }],
    ['/move-in/enterprise', { action: 'save', company_name: company, csrf_token: 'not-the-token' }],
  ];
  for (const [path, form] of posts) {
    const resp = await s.page.request.post(BASE + path, { form, maxRedirects: 0 });
    if (path === '/lang') {
      // The language switch only redirects back without the token (and must not switch).
      assert.equal(resp.status(), 303, `POST ${path}`);
      assert.ok(!(resp.headers()['set-cookie'] || '').includes('lang='), 'no language cookie without the token');
      continue;
    }
    assert.equal(resp.status(), 403, `POST ${path} without a valid token`);
    const html = await resp.text();
    // Finding 12: an expired or forged form is said to be one, not "your account cannot see this".
    assert.ok(html.includes(tr('zh-CN', 'page.error_title.csrf_failed')), `the 403 page of ${path} explains why`);
    assert.ok(!html.includes(tr('zh-CN', 'page.error_hint.403')), `the 403 page of ${path} does not blame the account`);
  }
  // Nothing happened: still logged in, nothing saved, still in Chinese.
  await s.goto('/move-in/enterprise');
  assert.equal((await s.page.locator('.topbar .who').textContent()).trim(), holder.email, 'the logout without the token did nothing');
  assert.equal(await s.page.locator('#f-company_name').inputValue(), '', 'the draft was not saved');
  assert.equal(await s.page.locator('html').getAttribute('lang'), 'zh-CN');
  await s.goto('/account/security');
  assert.equal(await s.page.locator('main button[value="start"]').count(), 1, 'no enrolment was started');
  assert.equal(await s.page.locator('main #totp-secret').count(), 0);
  await s.done();
});

for (const lang of ['zh-CN', 'en']) {
  const L = (key, params) => tr(lang, key, params);

  test(`the console is forbidden to a provider (${lang})`, async (t) => {
    const s = await session(t, 'console');
    await s.goto('/');
    if (lang === 'en') await switchLanguage(s, 'en');
    await login(s, lang, holder.email, holder.password, { expectPath: '/move-in' });
    assert.equal(await s.page.locator('.topbar nav a[href="/console"]').count(), 0, 'no console link for a provider');
    for (const path of ['/console', '/console/audit', '/console/items/00000000-0000-0000-0000-000000000000']) {
      await s.goto(path, { status: 403, label: `forbidden-${path}` });
      assert.equal(s.path(), path);
      assert.equal((await s.page.locator('.status-code').textContent()).trim(), '403');
      await expectText(s.page.locator('main h1'), L('error.forbidden'));
      await expectText(s.page.locator('main'), L('page.error_hint.403'));
    }
    await s.done();
  });

  test(`the provider backend before approval shows what is due (${lang})`, async (t) => {
    const s = await session(t, 'not-yet');
    await s.goto('/');
    if (lang === 'en') await switchLanguage(s, 'en');
    await login(s, lang, holder.email, holder.password, { expectPath: '/move-in' });
    for (const [path, final] of [
      ['/provider', '/provider/info/customer-service'],
      ['/provider/info/settlement', '/provider/info/settlement'],
    ]) {
      await s.goto(path, { status: 403, label: `not-yet-${final}` });
      assert.equal(s.path(), final);
      const card = s.page.locator('main');
      await expectText(card.locator('h1'), L('provider.not_yet_title.backend'));
      await expectText(card, L('provider.not_yet_lead.backend'));
      const due = card.locator('ul.due-list > li');
      assert.equal(await due.count(), 2, 'enterprise verification and the application are due');
      await expectText(due.nth(0), L('step.enterprise_verification'));
      await expectText(due.nth(0), L('journey.badge.not_started'));
      assert.equal(await due.nth(0).locator('a').getAttribute('href'), '/move-in/enterprise');
      await expectText(due.nth(1), L('step.partner_application'));
      // Finding 10: a step that cannot be started yet says so, and offers no link to "continue".
      await expectText(due.nth(1), L('journey.badge.locked'));
      assert.equal(await due.nth(1).locator('a').count(), 0);
      assert.equal(await card.getByRole('link', { name: L('provider.see_progress') }).getAttribute('href'), '/move-in');
      assert.equal(await s.page.locator('form[action^="/provider/"]').count(), 0, 'no provider form is shown');
    }
    // The forms refuse a POST too (with the token of the page).
    const token = await s.page.locator('form.lang-switch input[name="csrf_token"]').inputValue();
    const resp = await s.page.request.post(`${BASE}/provider/info/customer-service`, {
      form: { csrf_token: token, phone: '400-123-4567', email: 'x@example.com', dongdong_group_id: '12345', service_hours: '9-18' },
      maxRedirects: 0,
    });
    assert.equal(resp.status(), 403);
    await s.done();
  });
}

test('an operator is sent to the console, and anonymous visitors to the log-in page', async (t) => {
  const s = await session(t, 'roles');
  const p = s.page;
  await s.goto('/console', { label: 'console-anonymous' });
  assert.equal(s.path(), '/login');
  assert.equal(new URL(p.url()).searchParams.get('next'), '/console');
  await s.goto('/move-in', { label: 'move-in-anonymous' });
  assert.equal(s.path(), '/login');
  // The first log-in of a staff account enrols its second factor, then the console.
  const staff = await loginAsNewStaff(s, 'zh-CN');
  await s.submit(p.locator('.topbar form[action="/logout"] button'), { label: 'logged-out' });

  // A later log-in returns to the page asked for through the second step, and never to another site.
  const form = p.locator('main form[action="/login"]');
  const logIn = async (recoveryCode, label) => {
    await form.locator('#f-email').fill(staff.email);
    await form.locator('#f-password').fill(staff.password);
    await s.submit(form.locator('button[type="submit"]'), { label: `${label}-password` });
    assert.equal(await signedInAs(s), '', 'the password alone does not sign staff in');
    await enterSecondFactor(s, 'zh-CN', recoveryCode, { label });
    assert.equal(await signedInAs(s), staff.email);
  };
  await s.goto('/console/audit', { label: 'asked-for-audit' });
  assert.equal(s.path(), '/login');
  assert.equal(new URL(p.url()).searchParams.get('next'), '/console/audit');
  await form.locator('#f-email').fill(staff.email);
  await form.locator('#f-password').fill(staff.password);
  await s.submit(form.locator('button[type="submit"]'), { label: 'audit-password' });
  assert.equal(await secondStepForm(s).locator('input[name="next"]').inputValue(), '/console/audit', 'the second step carries where to go');
  await enterSecondFactor(s, 'zh-CN', staff.recoveryCodes[0], { label: 'back-to-audit' });
  assert.equal(s.path(), '/console/audit');
  await s.submit(p.locator('.topbar form[action="/logout"] button'), { label: 'logged-out' });
  const evil = ['//evil.example.com/', 'https://evil.example.com/', '/\\evil.example.com'];
  for (const [i, next] of evil.entries()) {
    await s.goto(`/login?next=${encodeURIComponent(next)}`, { label: 'login-evil-next' });
    await logIn(staff.recoveryCodes[i + 1], 'after-evil-next');
    assert.equal(new URL(p.url()).origin, new URL(BASE).origin, `next=${next} stays on this site`);
    assert.equal(s.path(), '/console');
    await s.submit(p.locator('.topbar form[action="/logout"] button'), { label: 'logged-out' });
  }
  await s.done();
});

test('after log-in the visitor returns to the page asked for, and never to another site', async (t) => {
  const s = await session(t, 'next');
  const p = s.page;
  const form = p.locator('main form[action="/login"]');
  const logIn = async (label) => {
    await form.locator('#f-email').fill(holder.email);
    await form.locator('#f-password').fill(holder.password);
    await s.submit(form.locator('button[type="submit"]'), { label });
  };
  await s.goto('/move-in/enterprise', { label: 'asked-for-enterprise' });
  assert.equal(s.path(), '/login');
  await logIn('back-to-enterprise');
  assert.equal(s.path(), '/move-in/enterprise');
  await s.submit(p.locator('.topbar form[action="/logout"] button'), { label: 'logged-out' });
  for (const next of ['//evil.example.com/', 'https://evil.example.com/', '/\\evil.example.com']) {
    await s.goto(`/login?next=${encodeURIComponent(next)}`, { label: 'login-evil-next' });
    await logIn('after-evil-next');
    assert.equal(new URL(p.url()).origin, new URL(BASE).origin, `next=${next} stays on this site`);
    assert.equal(s.path(), '/move-in');
    await s.submit(p.locator('.topbar form[action="/logout"] button'), { label: 'logged-out' });
  }
  await s.done();
});
