// Two-step sign-in (TOTP, RFC 6238) in a browser: a staff member's first log-in enrols an
// authenticator app before anything else (the key read from the page, the code computed here as
// the app would), the ten recovery codes, the console; a later log-in asks for a code, refuses a
// code already used and a recovery code used before; a provider turns it on (and off) under
// "Sign-in security"; approving a settlement change asks for a fresh check; and none of these
// pages shows a machine value instead of words.

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import {
  BASE,
  RECOVERY_CODE,
  addStaff,
  api,
  assertLabelled,
  base32Decode,
  closeBrowser,
  enrolSecondFactor,
  enterPassword,
  enterSecondFactor,
  expectText,
  freshTotp,
  login,
  loginAsNewStaff,
  machineValues,
  movedInProvider,
  openFromQueue,
  registerAndActivate,
  secondStepForm,
  session,
  signedInAs,
  switchLanguage,
  totp,
  totpStep,
  tr,
  waitForMail,
} from '../lib.mjs';

after(closeBrowser);

/** A six-digit code the app would not show now (nor a step before or after). */
function wrongTotp(secret) {
  const step = totpStep();
  const near = new Set([-2, -1, 0, 1, 2].map((d) => totp(secret, step + d)));
  for (let n = 500000; ; n++) {
    const c = String((Number(totp(secret, step)) + n) % 1_000_000).padStart(6, '0');
    if (!near.has(c)) return c;
  }
}

/** Waits for a mail to `email` whose text has the first line of `key` in one of the languages. */
function mailWith(email, key, langs = ['zh-CN', 'en']) {
  const lines = langs.map((l) => tr(l, key).split('\n')[0]);
  return waitForMail(email, (m) => lines.some((line) => m.body.includes(line)));
}

/** Clicks the top bar's log-out button. */
async function logout(s) {
  await s.submit(s.page.locator('.topbar form[action="/logout"] button'), { label: 'logged-out' });
  assert.equal(await signedInAs(s), '');
}

/** Asserts that the code field of the page's form carries `message` (and the summary too). */
async function codeFieldError(s, message) {
  const p = s.page;
  const input = p.locator('main #f-code');
  assert.equal(await input.getAttribute('aria-invalid'), 'true', 'the code field is marked invalid');
  assert.equal(await input.getAttribute('aria-describedby'), 'e-code', 'the code field points to its message');
  await expectText(p.locator('main #e-code'), message);
  await expectText(p.locator('main .field.has-error').filter({ has: p.locator('#f-code') }).locator('.field-error'), message);
  await expectText(p.locator('.error-summary a[href="#f-code"]'), message);
}

test('the TOTP of the tests is RFC 6238 (SHA-1, six digits, 30-second steps)', () => {
  // RFC 6238 appendix B, the SHA-1 secret "12345678901234567890", truncated to six digits.
  const secret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
  assert.equal(base32Decode(secret).toString('latin1'), '12345678901234567890');
  for (const [time, code] of [
    [59, '287082'],
    [1111111109, '081804'],
    [1111111111, '050471'],
    [1234567890, '005924'],
    [2000000000, '279037'],
    [20000000000, '353130'],
  ]) {
    assert.equal(totp(secret, totpStep(time * 1000)), code, `T = ${time}`);
  }
});

// ---------------------------------------------------------------------------------------------
// 1. A staff member's first log-in: enrolment, then the console

for (const lang of ['zh-CN', 'en']) {
  const L = (key, params) => tr(lang, key, params);

  test(`a staff member's first log-in sets up two-step sign-in, then opens the console (${lang})`, async (t) => {
    const s = await session(t, 'staff', { locale: 'zh-CN' });
    const p = s.page;
    await s.goto('/', { label: 'home' });
    if (lang === 'en') await switchLanguage(s, 'en');
    const staff = addStaff({ role: lang === 'en' ? 'admin' : 'operator' });

    // ---- the password: sent to enrol, signed in for that only ------------------------------
    await enterPassword(s, lang, staff.email, staff.password, { label: 'first-login' });
    assert.equal(s.path(), '/account/security');
    assert.equal(new URL(p.url()).searchParams.get('notice'), 'enrol_second_factor');
    await expectText(p.locator('main .notice.success'), L('notice.enrol_second_factor'));
    await expectText(p.locator('main h1'), L('second_factor.title'));
    await expectText(p.locator('main .banner.info:not(.agreement-due)'), L('second_factor.required_lead'));
    assert.equal(await signedInAs(s), staff.email);
    const security = p.locator('.topbar').getByRole('link', { name: L('nav.security'), exact: true });
    assert.equal(await security.getAttribute('href'), '/account/security', 'the top bar links to Sign-in security');
    assert.equal(await p.locator('.topbar nav a[href="/console"]').count(), 0, 'no console link before enrolment');
    await assertLabelled(s);

    // Until enrolled, every staff page (and any other signed-in page) leads back here.
    for (const path of ['/console', '/console/audit', '/console/consultations', '/move-in', '/login']) {
      await s.goto(path, { label: `before-enrolment-${path}` });
      assert.equal(s.path(), '/account/security', `${path} waits for the enrolment`);
    }
    const first = await s.goto('/account/security', { label: 'not-started' });
    assert.match(first.headers()['cache-control'] || '', /no-store/, 'the security page is not cached');

    // ---- start: the QR code and the key to type -----------------------------------------------
    await s.submit(p.locator('main form[action="/account/security"]').getByRole('button', { name: L('second_factor.start'), exact: true }), {
      label: 'started',
    });
    assert.equal(s.path(), '/account/security');
    const steps = p.locator('main ol.steps-list > li');
    assert.deepEqual(
      (await steps.allTextContents()).map((x) => x.trim()),
      [L('second_factor.step_scan'), L('second_factor.step_type')],
    );
    const qr = p.locator('main figure.qr');
    assert.equal(await qr.getAttribute('aria-label'), L('second_factor.qr_label'));
    const qrBox = await qr.locator('svg').boundingBox();
    assert.ok(qrBox && qrBox.width >= 150 && qrBox.height >= 150, `a QR code big enough to scan: ${JSON.stringify(qrBox)}`);
    await expectText(p.locator('main p').filter({ has: p.locator('#totp-secret') }), L('second_factor.secret_label'));
    const secret = (await p.locator('main code#totp-secret').textContent()).trim();
    assert.match(secret, /^[A-Z2-7]{32}$/, 'a 160-bit key in base32');
    const form = p.locator('main form[action="/account/security"]');
    const code = form.getByLabel(L('label.second_factor_code'), { exact: true });
    assert.equal(await code.getAttribute('autocomplete'), 'one-time-code');
    assert.equal(await code.getAttribute('inputmode'), 'numeric');
    await assertLabelled(s);
    const confirm = form.getByRole('button', { name: L('second_factor.confirm'), exact: true });

    // Leaving and coming back keeps the same key (the app may already have it).
    await s.goto('/console', { label: 'pending-console' });
    assert.equal(s.path(), '/account/security');
    assert.equal((await p.locator('main code#totp-secret').textContent()).trim(), secret, 'the same key after coming back');

    // ---- a wrong code, and one that is not a code: the page stays, with the message at the field --
    await code.fill(wrongTotp(secret));
    await s.submit(confirm, { status: 422, label: 'wrong-code' });
    assert.equal(s.path(), '/account/security');
    await codeFieldError(s, L('field.second_factor_wrong', { attempts_left: 4 }));
    assert.equal((await p.locator('main code#totp-secret').textContent()).trim(), secret, 'the key is still shown');
    assert.equal(await p.locator('main #recovery-codes').count(), 0, 'not enrolled');
    await assertLabelled(s);
    await code.fill('12345');
    await s.submit(confirm, { status: 422, label: 'short-code' });
    await codeFieldError(s, L('field.code_format'));
    await s.goto('/console', { label: 'still-not-enrolled' });
    assert.equal(s.path(), '/account/security', 'a wrong code enrols nothing');

    // ---- the code of the app: on, and the ten recovery codes, once -------------------------------
    staff.secret = secret;
    await code.fill(await freshTotp(staff));
    const done = await s.submit(confirm, { label: 'enrolled' });
    assert.match(done.headers()['cache-control'] || '', /no-store/, 'the recovery codes are not cached');
    assert.equal(s.path(), '/account/security');
    assert.equal(new URL(p.url()).search, '', 'nothing in the address');
    await expectText(p.locator('main .notice.success'), L('second_factor.enrolled'));
    await expectText(p.locator('main'), L('second_factor.recovery_lead'));
    const codes = (await p.locator('main ul#recovery-codes li code').allTextContents()).map((c) => c.trim());
    assert.equal(codes.length, 10, 'ten recovery codes');
    for (const c of codes) assert.match(c, RECOVERY_CODE);
    assert.equal(new Set(codes).size, 10);
    assert.equal(await p.locator('main #totp-secret').count(), 0, 'the key is not shown any more');
    const saved = p.getByRole('link', { name: L('second_factor.saved_codes'), exact: true });
    await t.test('"I have saved them" links a staff member straight to the console', async () => {
      assert.equal(await saved.getAttribute('href'), '/console');
    });
    await s.submit(saved, { label: 'console' });
    assert.equal(s.path(), '/console');
    await expectText(p.locator('main h1'), L('console.queue'));
    assert.equal(await signedInAs(s), staff.email);
    assert.equal(await p.locator('.topbar nav a[href="/console"]').count(), 1, 'the console link is in the top bar now');
    await assertLabelled(s);
    await mailWith(staff.email, 'email.second_factor_enabled.body');

    // ---- Sign-in security now: on, ten codes left, and staff cannot turn it off -----------------
    await s.submit(p.locator('.topbar').getByRole('link', { name: L('nav.security'), exact: true }), { label: 'security-on' });
    assert.equal(s.path(), '/account/security');
    await expectText(p.locator('main .banner.done'), L('second_factor.on'));
    await expectText(p.locator('main'), L('second_factor.codes_left', { n: 10 }));
    await expectText(p.locator('main .hint'), L('second_factor.required_keep'));
    assert.equal(await p.locator('main form[action="/account/security"]').count(), 0, 'no form to turn it off or start again');
    await s.done();
  });
}

// ---------------------------------------------------------------------------------------------
// 2. Later log-ins: a code is good once, and so is a recovery code

test('a second log-in asks for the code: the code already used and a used recovery code are refused', async (t) => {
  const lang = 'zh-CN';
  const L = (key, params) => tr(lang, key, params);
  const s = await session(t, 'staff');
  const p = s.page;
  const staff = await loginAsNewStaff(s, lang);
  const enrolmentCode = totp(staff.secret, staff.lastStep);
  await logout(s);

  // ---- the password alone does not sign in: the second step ----------------------------------
  await enterPassword(s, lang, staff.email, staff.password, { label: 'password' });
  assert.equal(s.path(), '/login', 'the second step is the answer to the log-in form');
  await expectText(p.locator('main h1'), L('second_factor.login_title'));
  await expectText(p.locator('main'), L('second_factor.login_lead'));
  await expectText(p.locator('main .aside'), L('second_factor.login_recovery_hint'));
  assert.equal(await signedInAs(s), '', 'not signed in after the password');
  const form = secondStepForm(s);
  assert.ok((await form.locator('input[type="hidden"][name="challenge"]').inputValue()).length >= 20, 'a challenge');
  const code = form.getByLabel(L('label.second_factor_code'), { exact: true });
  assert.ok(await code.evaluate((el) => el === document.activeElement), 'the code field has the focus');
  assert.equal(await code.getAttribute('autocomplete'), 'one-time-code');
  await assertLabelled(s);
  const consoleResp = await p.request.get(`${BASE}/console`, { maxRedirects: 0 });
  assert.equal(consoleResp.status(), 303, 'the console is not open after the password alone');
  assert.match(consoleResp.headers().location, /^\/login/);

  // ---- the code typed at the enrolment (this very step, or the last): refused -------------------
  await enterSecondFactor(s, lang, enrolmentCode, { status: 422, label: 'used-code' });
  assert.equal(s.path(), '/login/second-factor');
  await codeFieldError(s, L('field.second_factor_wrong', { attempts_left: 4 }));
  assert.equal(await signedInAs(s), '');
  await assertLabelled(s);

  // ---- a recovery code (typed in capitals, with spaces): signed in, and one fewer left ----------------
  const [recovery, other] = staff.recoveryCodes;
  await enterSecondFactor(s, lang, ` ${recovery.toUpperCase().replace('-', ' ')} `, { label: 'recovery-code' });
  assert.equal(s.path(), '/console');
  assert.equal(await signedInAs(s), staff.email);
  await mailWith(staff.email, 'email.recovery_code_used.body');
  await s.goto('/account/security', { label: 'nine-left' });
  await expectText(p.locator('main'), L('second_factor.codes_left', { n: 9 }));
  await logout(s);

  // ---- the same recovery code again: refused; the next code of the app: signed in ---------------
  await enterPassword(s, lang, staff.email, staff.password, { label: 'password-again' });
  await enterSecondFactor(s, lang, recovery, { status: 422, label: 'recovery-code-again' });
  await codeFieldError(s, L('field.second_factor_wrong', { attempts_left: 4 }));
  assert.equal(await signedInAs(s), '');
  await enterSecondFactor(s, lang, await freshTotp(staff), { label: 'next-code' });
  assert.equal(s.path(), '/console');
  assert.equal(await signedInAs(s), staff.email);
  await s.goto('/account/security', { label: 'still-nine-left' });
  await expectText(p.locator('main'), L('second_factor.codes_left', { n: 9 }));
  assert.notEqual(other, recovery);
  await s.done();
});

// ---------------------------------------------------------------------------------------------
// 3. A provider may turn it on (and off)

test('a provider turns on two-step sign-in under Sign-in security; the next log-in asks for the code', async (t) => {
  const lang = 'en';
  const L = (key, params) => tr(lang, key, params);
  const s = await session(t, 'provider', { locale: 'zh-CN' });
  const p = s.page;
  await s.goto('/', { label: 'home' });
  await switchLanguage(s, 'en');
  const account = await registerAndActivate(s, lang);
  await login(s, lang, account.email, account.password, { expectPath: '/move-in' });

  // ---- Sign-in security, from the top bar: optional for a provider ---------------------------------
  await s.submit(p.locator('.topbar').getByRole('link', { name: L('nav.security'), exact: true }), { label: 'security' });
  assert.equal(s.path(), '/account/security');
  await expectText(p.locator('main h1'), L('second_factor.title'));
  await expectText(p.locator('main'), L('second_factor.optional_lead'));
  assert.equal(await p.locator('main .banner.info:not(.agreement-due)').count(), 0, 'not told that it is required');
  await enrolSecondFactor(s, lang, account);
  await s.submit(p.getByRole('link', { name: L('second_factor.saved_codes'), exact: true }), { label: 'back-to-move-in' });
  assert.equal(s.path(), '/move-in');
  await mailWith(account.email, 'email.second_factor_enabled.body', [lang]);

  await s.goto('/account/security', { label: 'security-on' });
  await expectText(p.locator('main .banner.done'), L('second_factor.on'));
  await expectText(p.locator('main'), L('second_factor.codes_left', { n: 10 }));
  await expectText(p.locator('main h2'), L('second_factor.disable_title'));
  await assertLabelled(s);
  await logout(s);

  // ---- the next log-in: the password, then the code of the app ---------------------------------------
  await enterPassword(s, lang, account.email, account.password, { label: 'password' });
  assert.equal(await signedInAs(s), '', 'the password alone no longer signs in');
  await expectText(p.locator('main h1'), L('second_factor.login_title'));
  await enterSecondFactor(s, lang, await freshTotp(account), { label: 'signed-in' });
  assert.equal(s.path(), '/move-in');
  assert.equal(await signedInAs(s), account.email);

  // ---- turned off again, with a code: the password alone signs in once more ----------------------------
  await s.goto('/account/security', { label: 'security-on-again' });
  const off = p.locator('main form[action="/account/security"]');
  await off.getByLabel(L('label.second_factor_code'), { exact: true }).fill(account.recoveryCodes[0]);
  await s.submit(off.getByRole('button', { name: L('second_factor.disable'), exact: true }), { label: 'turned-off' });
  assert.equal(s.path(), '/account/security');
  await expectText(p.locator('main'), L('second_factor.optional_lead'));
  assert.equal(await p.locator('main button[value="start"]').count(), 1, 'it can be turned on again');
  await mailWith(account.email, 'email.second_factor_disabled.body', [lang]);
  await logout(s);
  await login(s, lang, account.email, account.password, { expectPath: '/move-in' });
  await s.done();
});

// ---------------------------------------------------------------------------------------------
// 4. Words, not machine values

test('the check for machine values finds each kind it looks for', async (t) => {
  const s = await session(t, 'detector');
  await s.page.setContent(
    '<title>x</title><main><p>两步登录 true</p><p>{"enrolled":false}</p><p>second_factor.start</p><p>code_wrong</p>' +
      '<p>Recovery codes left: {n}.</p><p>1764622423000</p><p>otpauth://totp/Berth</p><p>2026-12-01T21:13:43Z</p>' +
      '<p id="totp-secret">ABCDEFGHTRUE</p><input aria-label="label.second_factor_code"></main>',
  );
  const found = (await machineValues(s)).map((f) => f.split(': ')[1].split(' "')[0]);
  for (const what of ['a raw value', 'JSON or an unfilled placeholder', 'a text key', 'a code in snake_case', 'an epoch number', 'an otpauth:// address', 'an ISO 8601 timestamp']) {
    assert.ok(found.includes(what), `finds ${what}: ${JSON.stringify(found)}`);
  }
  const words = await session(t, 'words');
  await words.page.setContent('<title>两步登录</title><main><p>Two-step sign-in is on. Recovery codes left: 10.</p><code id="totp-secret">ABCD</code></main>');
  assert.deepEqual(await machineValues(words), [], 'nothing in plain words');
});

for (const lang of ['zh-CN', 'en']) {
  const L = (key) => tr(lang, key);

  test(`the pages of two-step sign-in show words, not machine values (${lang})`, async (t) => {
    const found = [];
    const look = async (s) => found.push(...(await machineValues(s)));

    // Staff: every stage of the enrolment, its errors, and the second step of a later log-in.
    const s = await session(t, 'staff', { locale: 'zh-CN' });
    const p = s.page;
    await s.goto('/', { label: 'home' });
    if (lang === 'en') await switchLanguage(s, 'en');
    const staff = addStaff();
    await enterPassword(s, lang, staff.email, staff.password, { label: 'first-login' });
    await look(s);
    const form = p.locator('main form[action="/account/security"]');
    await s.submit(form.getByRole('button', { name: L('second_factor.start'), exact: true }), { label: 'started' });
    await look(s);
    staff.secret = (await p.locator('main code#totp-secret').textContent()).trim();
    const code = form.getByLabel(L('label.second_factor_code'), { exact: true });
    const confirm = form.getByRole('button', { name: L('second_factor.confirm'), exact: true });
    await code.fill(wrongTotp(staff.secret));
    await s.submit(confirm, { status: 422, label: 'wrong-code' });
    await look(s);
    await code.fill('');
    await s.submit(confirm, { status: 422, label: 'no-code' });
    await look(s);
    await code.fill(await freshTotp(staff));
    await s.submit(confirm, { label: 'enrolled' });
    await look(s);
    staff.recoveryCodes = (await p.locator('main ul#recovery-codes li code').allTextContents()).map((c) => c.trim());
    await s.goto('/account/security', { label: 'on' });
    await look(s);
    await logout(s);
    await enterPassword(s, lang, staff.email, staff.password, { label: 'second-step' });
    await look(s);
    await enterSecondFactor(s, lang, 'not a code', { status: 422, label: 'second-step-format' });
    await look(s);
    await enterSecondFactor(s, lang, wrongTotp(staff.secret), { status: 422, label: 'second-step-wrong' });
    await look(s);
    await enterSecondFactor(s, lang, staff.recoveryCodes[0], { label: 'signed-in' });
    assert.equal(s.path(), '/console');
    await s.done();

    // A provider's page with two-step sign-in on: the form to turn it off, and its error.
    const v = await session(t, 'provider', { locale: 'zh-CN' });
    await v.goto('/', { label: 'home' });
    if (lang === 'en') await switchLanguage(v, 'en');
    const account = await registerAndActivate(v, lang);
    await login(v, lang, account.email, account.password, { expectPath: '/move-in' });
    await v.goto('/account/security', { label: 'provider-not-started' });
    await look(v);
    await enrolSecondFactor(v, lang, account);
    await v.goto('/account/security', { label: 'provider-on' });
    await look(v);
    const off = v.page.locator('main form[action="/account/security"]');
    await off.getByLabel(L('label.second_factor_code'), { exact: true }).fill(wrongTotp(account.secret));
    await v.submit(off.getByRole('button', { name: L('second_factor.disable'), exact: true }), { status: 422, label: 'provider-off-wrong' });
    await look(v);
    await v.done();

    assert.deepEqual(found, [], 'machine values on the pages of two-step sign-in');
  });
}

// ---------------------------------------------------------------------------------------------
// 5. Approving a new bank account needs a fresh second factor

test('approving a settlement change: a code field, refused with a wrong code, approved fresh after log-in', async (t) => {
  const lang = 'zh-CN';
  const L = (key, params) => tr(lang, key, params);
  // Setup through the API: a live provider asks to be paid into another account.
  const provider = await movedInProvider('settle');
  await api('PUT', '/api/v1/provider/settlement', {
    token: provider.token,
    expect: 200,
    json: {
      account_name: provider.company,
      bank_name: '中国银行',
      branch_name: '中国银行深圳分行',
      branch_code: '104584000003',
      account_number: '6217000012345678',
    },
  });

  const op = await session(t, 'operator', { locale: 'zh-CN' });
  const p = op.page;
  const staff = await loginAsNewStaff(op, lang);
  await openFromQueue(op, lang, provider.company, 'settlement_change');
  const itemPath = op.path();
  const decision = p.locator('form[action$="/decision"]');
  const field = decision.getByLabel(L('label.second_factor_code'), { exact: true });
  assert.equal(await field.count(), 1, 'the decision form of a settlement change asks for a code');
  assert.equal(await field.getAttribute('name'), 'second_factor_code');
  const hintId = await field.getAttribute('aria-describedby');
  assert.ok(hintId, 'the code field points to its hint');
  await expectText(p.locator(`[id="${hintId}"]`), L('console.step_up_hint'));
  await assertLabelled(op);

  // ---- a wrong code: nothing is decided, and the message is shown ---------------------------------
  const message = L('field.second_factor_wrong', { attempts_left: 4 });
  await field.fill(wrongTotp(staff.secret));
  await op.submit(decision.getByRole('button', { name: L('console.approve'), exact: true }), { status: 422, label: 'wrong-code' });
  assert.equal(op.path(), `${itemPath}/decision`);
  await expectText(p.locator('.error-summary'), message);
  await expectText(p.locator('main h1 .badge'), L('decision.pending'));
  await t.test('the message of a wrong code is at the code field, and the summary leads to it', async () => {
    const shown = async (sel) => ((await p.locator(sel).count()) ? (await p.locator(sel).first().textContent()).trim() : null);
    assert.ok((await shown('.error-summary a[href="#f-second_factor_code"]'))?.includes(message), 'the summary leads to the code field');
    assert.equal(await p.locator('#f-second_factor_code').getAttribute('aria-invalid'), 'true');
    assert.ok((await shown('#e-second_factor_code'))?.includes(message), 'the message is at the code field');
  });
  await op.goto(itemPath, { label: 'still-pending' });
  await expectText(p.locator('main h1 .badge'), L('decision.pending'));

  // ---- the field left empty: the log-in a moment ago is fresh enough ---------------------------------
  await op.submit(decision.getByRole('button', { name: L('console.approve'), exact: true }), { label: 'approved' });
  assert.equal(op.path(), itemPath);
  await expectText(p.locator('.notice.success'), L('notice.decided'));
  await expectText(p.locator('main h1 .badge'), L('decision.approved'));
  await op.done();

  const info = await api('GET', '/api/v1/provider/settlement', { token: provider.token, expect: 200 });
  assert.match(JSON.stringify(info), /5678/, `the new account is in force: ${JSON.stringify(info)}`);
});
