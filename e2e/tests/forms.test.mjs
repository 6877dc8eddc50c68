// Validation UX and accessibility of the forms: errors at the top and at each field, typed
// values kept, labels on every field, a narrow screen, the keyboard.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  BASE,
  badUscc,
  freshTotp,
  launch,
  closeBrowser,
  expectText,
  formAt,
  login,
  loginAsNewStaff,
  registerAndActivate,
  session,
  signedInAs,
  staffApiToken,
  switchLanguage,
  tr,
  unlabelledFields,
} from '../lib.mjs';

after(closeBrowser);

/** A staff account with its second factor, enrolled through the API (for the keyboard test). */
let staff;
before(async () => {
  staff = await staffApiToken();
});

for (const lang of ['zh-CN', 'en']) {
  const L = (key, params) => tr(lang, key, params);

  test(`register with a bad e-mail and a short password (${lang})`, async (t) => {
    const s = await session(t, 'register', { locale: 'zh-CN' });
    const p = s.page;
    await s.goto('/register');
    if (lang === 'en') await switchLanguage(s, 'en');
    const form = formAt(p, '/register');
    await form.getByLabel(L('label.email'), { exact: true }).fill('not-an-e-mail');
    await form.getByLabel(L('label.password'), { exact: true }).fill('short');
    await form.getByLabel(L('label.password_confirm'), { exact: true }).fill('short');
    await s.submit(form.getByRole('button', { name: L('register.submit') }), { status: 422, label: 'register-invalid' });
    assert.equal(s.path(), '/register');

    // What was typed is kept (but never the password).
    assert.equal(await form.getByLabel(L('label.email'), { exact: true }).inputValue(), 'not-an-e-mail');
    assert.equal(await form.getByLabel(L('label.password'), { exact: true }).inputValue(), '');

    // The summary at the top lists both problems, each linking to its field.
    const summary = p.locator('.error-summary');
    await expectText(summary, L('form.fix_errors'));
    const emailMsg = L('field.email');
    const passwordMsg = L('field.too_short', { min: 10 });
    await expectText(summary.locator('a[href="#f-email"]'), emailMsg);
    await expectText(summary.locator('a[href="#f-password"]'), passwordMsg);
    const summaryBox = await summary.boundingBox();
    const formBox = await form.boundingBox();
    assert.ok(summaryBox.y + summaryBox.height <= formBox.y, 'the summary is above the form');
    assert.equal(await summary.getAttribute('role'), 'alert');
    assert.ok(await summary.evaluate((el) => el === document.activeElement), 'the summary has the focus');

    // Each field carries its own message and is marked invalid.
    for (const [name, msg] of [
      ['email', emailMsg],
      ['password', passwordMsg],
    ]) {
      const input = p.locator(`#f-${name}`);
      assert.equal(await input.getAttribute('aria-invalid'), 'true', `${name} is aria-invalid`);
      const errorId = await input.getAttribute('aria-describedby');
      assert.ok(errorId, `${name} points to its message`);
      await expectText(p.locator(`[id="${errorId}"]`), msg);
      await expectText(p.locator('.field.has-error').filter({ has: input }).locator('.field-error'), msg);
    }
    assert.equal(await p.locator('#f-mobile').getAttribute('aria-invalid'), 'false');
    await s.done();
  });

  test(`an invalid credit code on the enterprise form (${lang})`, async (t) => {
    const s = await session(t, 'enterprise', { locale: 'zh-CN' });
    const p = s.page;
    await s.goto('/');
    if (lang === 'en') await switchLanguage(s, 'en');
    const { email, password } = await registerAndActivate(s, lang);
    await login(s, lang, email, password, { expectPath: '/move-in' });
    await s.goto('/move-in/enterprise');
    const form = formAt(p, '/move-in/enterprise');
    const name = lang === 'en' ? 'Checksum Test Co. Ltd' : '校验测试有限公司';
    await form.getByLabel(L('fieldname.company_name'), { exact: true }).fill(name);
    const code = badUscc();
    await form.getByLabel(L('fieldname.uscc'), { exact: true }).fill(code);
    await s.submit(form.getByRole('button', { name: L('form.save_draft') }), { status: 422, label: 'bad-uscc' });
    const uscc = form.getByLabel(L('fieldname.uscc'), { exact: true });
    assert.equal(await uscc.inputValue(), code, 'the typed code is kept');
    assert.equal(await uscc.getAttribute('aria-invalid'), 'true');
    await expectText(p.locator('#e-uscc'), L('field.checksum'));
    await expectText(p.locator('.field.has-error').filter({ has: p.locator('#f-uscc') }).locator('.field-error'), L('field.checksum'));
    await expectText(p.locator('.error-summary a[href="#f-uscc"]'), L('field.checksum'));
    assert.equal(await form.getByLabel(L('fieldname.company_name'), { exact: true }).inputValue(), name);
    await s.done();
  });
}

test('an empty enterprise form: every error in the summary leads to its field', async (t) => {
  const s = await session(t, 'enterprise-empty');
  const p = s.page;
  const { email, password } = await registerAndActivate(s, 'zh-CN');
  await login(s, 'zh-CN', email, password);
  await s.goto('/move-in/enterprise');
  const form = formAt(p, '/move-in/enterprise');
  await s.submit(form.getByRole('button', { name: tr('zh-CN', 'form.submit_review') }), { status: 422, label: 'enterprise-empty-submitted' });
  const entries = await p.locator('.error-summary li a').evaluateAll((links) =>
    links.map((a) => {
      const id = decodeURIComponent(a.getAttribute('href').slice(1));
      const target = document.getElementById(id);
      const field = target?.closest('.field');
      return {
        id,
        message: a.textContent.trim(),
        exists: !!target,
        invalid: target && /^(INPUT|SELECT|TEXTAREA)$/.test(target.tagName) ? target.getAttribute('aria-invalid') : 'n/a',
        // The summary may name the field before the message ("Company name: required").
        atField: field
          ? [...field.querySelectorAll('.field-error')].some((e) => {
              const m = e.textContent.trim();
              return m !== '' && (a.textContent.includes(m) || m.includes(a.textContent.trim()));
            })
          : false,
      };
    }),
  );
  assert.ok(entries.length >= 10, `the missing fields are listed (${entries.length})`);
  const broken = entries.filter((e) => !e.exists || e.invalid === 'false' || e.invalid === null || !e.atField);
  assert.deepEqual(
    broken.map((e) => `#${e.id}: ${!e.exists ? 'the link leads nowhere' : e.invalid !== 'true' && e.invalid !== 'n/a' ? `aria-invalid=${e.invalid}` : 'no message at the field'}`),
    [],
    'summary entries whose field is missing, not marked aria-invalid="true" or without its message',
  );
  await s.done();
});

test('every form field has a label', async (t) => {
  const pages = ['/', '/register', '/login', '/activate', '/forgot', '/forgot?email=someone%40example.com', '/help'];
  const anon = await session(t, 'anonymous');
  for (const path of pages) {
    await anon.goto(path);
    assert.deepEqual(await unlabelledFields(anon.page), [], `form fields without a label on ${path}`);
  }
  await anon.done();

  const holder = await session(t, 'holder');
  const { email, password } = await registerAndActivate(holder, 'zh-CN');
  await login(holder, 'zh-CN', email, password);
  for (const path of ['/move-in', '/move-in/enterprise', '/move-in/application']) {
    await holder.goto(path);
    assert.deepEqual(await unlabelledFields(holder.page), [], `form fields without a label on ${path}`);
  }
  await holder.done();

  const op = await session(t, 'operator', { locale: 'zh-CN' });
  await loginAsNewStaff(op, 'zh-CN');
  for (const path of ['/console', '/console?kind=enterprise_verification&status=', '/console/audit', '/account/security']) {
    await op.goto(path);
    assert.deepEqual(await unlabelledFields(op.page), [], `form fields without a label on ${path}`);
  }
  await op.done();
});

test('the language switch keeps the page, and what its address says', async (t) => {
  const s = await session(t, 'lang-keep');
  const p = s.page;
  await s.goto('/activate?email=keep-me%40example.com');
  assert.equal(await p.locator('#f-email').inputValue(), 'keep-me@example.com');
  await switchLanguage(s, 'en');
  assert.equal(s.path(), '/activate');
  await expectText(p.locator('main h1'), tr('en', 'activate.title'));
  assert.equal(await p.locator('#f-email').inputValue(), 'keep-me@example.com', 'the e-mail from the address survives the switch');
  await switchLanguage(s, 'zh-CN');
  await expectText(p.locator('main h1'), tr('zh-CN', 'activate.title'));
  await s.done();
});

test('the register page fits a 375 px wide phone', async (t) => {
  const s = await session(t, 'phone', { viewport: { width: 375, height: 800 } });
  const width = () => s.page.evaluate(() => document.documentElement.scrollWidth);
  await s.goto('/register', { label: 'register-375' });
  assert.ok((await width()) <= 375, `scrollWidth ${await width()} > 375`);
  // With the error messages shown too.
  const form = formAt(s.page, '/register');
  await form.locator('#f-email').fill('a-rather-long-address-that-is-not-valid-at-all');
  await form.locator('#f-password').fill('x');
  await form.locator('#f-password_confirm').fill('x');
  await s.submit(form.locator('button[type="submit"]'), { status: 422, label: 'register-375-errors' });
  assert.ok((await width()) <= 375, `scrollWidth ${await width()} > 375 with errors`);
  await s.done();
});

test('the login form works with the keyboard alone, its second step too', async (t) => {
  const s = await session(t, 'keyboard');
  const p = s.page;
  await s.goto('/login');
  const form = p.locator('main form[action="/login"]');
  const submit = form.locator('button[type="submit"]');
  const focused = (loc) => loc.evaluate((el) => el === document.activeElement);
  let reached = false;
  const visited = [];
  for (let i = 0; i < 40 && !reached; i++) {
    await p.keyboard.press('Tab');
    const info = await p.evaluate(() => {
      const el = document.activeElement;
      return `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.name ? `[name=${el.name}]` : ''}`;
    });
    visited.push(info);
    if (await focused(form.locator('#f-email'))) await p.keyboard.type(staff.email);
    if (await focused(form.locator('#f-password'))) await p.keyboard.type(staff.password);
    reached = await focused(submit);
  }
  assert.ok(reached, `Tab never reached the submit button; focus went: ${visited.join(' → ')}`);
  assert.equal(await form.locator('#f-email').inputValue(), staff.email, 'Tab passed through the e-mail field');
  await s.press(submit, 'Enter', { label: 'keyboard-password' });

  // The second step: the code field has the focus, Tab leads on to the button, Enter signs in.
  const second = p.locator('main form[action="/login/second-factor"]');
  const code = second.locator('#f-code');
  assert.ok(await focused(code), 'the code field has the focus on the second step');
  await p.keyboard.type(await freshTotp(staff));
  const signIn = second.locator('button[type="submit"]');
  await p.keyboard.press('Tab');
  assert.ok(await focused(signIn), 'Tab goes from the code to the sign-in button');
  await s.press(signIn, 'Enter', { label: 'keyboard-logged-in' });
  assert.equal(s.path(), '/console');
  assert.equal(await signedInAs(s), staff.email);
  await s.done();
});

test('a page loads without any console error in a fresh browser (favicon included)', async () => {
  // A browser of its own: Chromium asks for /favicon.ico once per run and remembers the answer.
  const b = await launch();
  try {
    const context = await b.newContext({ locale: 'zh-CN' });
    const page = await context.newPage();
    const errors = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(`${m.text()} ${m.location()?.url || ''}`));
    page.on('pageerror', (e) => errors.push(e.message));
    const resp = await page.goto(`${BASE}/`);
    assert.equal(resp.status(), 200);
    // The icon: the one the page declares, else /favicon.ico (where browsers look by default).
    const declared = await page.locator('link[rel~="icon"]').first().getAttribute('href').catch(() => null);
    const icon = declared ? new URL(declared, `${BASE}/`).href : `${BASE}/favicon.ico`;
    if (!icon.startsWith('data:')) {
      const r = await page.request.get(icon);
      assert.equal(r.status(), 200, `GET ${icon}`);
    }
    await page.waitForTimeout(1000);
    await page.goto(`${BASE}/help`);
    await page.waitForTimeout(500);
    assert.deepEqual(errors, [], 'console errors on / and /help');
  } finally {
    await b.close();
  }
});
