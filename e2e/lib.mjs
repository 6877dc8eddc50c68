// Shared helpers of the end-to-end tests: the browser, one context per session, a page wrapper
// that fails the test on any console error, page error, failed request, unexpected HTTP error
// or request to another origin, screenshots, and the mail directory.
//
// Environment (set by run.sh): BERTH_URL, BERTH_DATA_DIR, BERTH_OPERATOR_EMAIL,
// BERTH_OPERATOR_PASSWORD, E2E_SCREENSHOTS; CHROMIUM_PATH [default /usr/bin/chromium].

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

function need(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the suite with e2e/run.sh`);
  return v;
}

export const BASE = need('BERTH_URL').replace(/\/$/, '');
export const ORIGIN = new URL(BASE).origin;
export const DATA_DIR = need('BERTH_DATA_DIR');
export const OPERATOR = {
  email: need('BERTH_OPERATOR_EMAIL'),
  password: need('BERTH_OPERATOR_PASSWORD'),
};
const SHOTS = process.env.E2E_SCREENSHOTS || new URL('./screenshots/', import.meta.url).pathname;
mkdirSync(SHOTS, { recursive: true });

/** A short id unique to this run (e-mails, company names, credit codes). */
export const RUN = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;

/** A fresh e-mail address for this run. */
export function uniqueEmail(tag) {
  return `${tag}-${RUN}-${randomBytes(3).toString('hex')}@example.com`;
}

// ---------------------------------------------------------------------------------------------
// Identifiers

const USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/** The GB 32100-2015 check character of the first 17 characters of a credit code. */
export function usccCheck(first17) {
  assert.equal(first17.length, 17);
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const v = USCC_ALPHABET.indexOf(first17[i]);
    assert.ok(v >= 0, `bad USCC character ${first17[i]}`);
    sum += v * USCC_WEIGHTS[i];
  }
  return USCC_ALPHABET[(31 - (sum % 31)) % 31];
}

let usccSeq = 0;
/** A valid enterprise credit code: "91440300" + 9 digits unique to this run + check. */
export function uniqueUscc() {
  const nine = String((Date.now() * 10 + usccSeq++ + randomBytes(2).readUInt16BE() * 7) % 1e9).padStart(9, '0');
  const first17 = `91440300${nine}`;
  return first17 + usccCheck(first17);
}

/** The same code with a wrong check character. */
export function badUscc() {
  const good = uniqueUscc();
  const wrong = USCC_ALPHABET[(USCC_ALPHABET.indexOf(good[17]) + 1) % 31];
  return good.slice(0, 17) + wrong;
}

/** A small but well-formed PDF (the upload only has to start with %PDF-). */
export function pdfBytes(title = 'Business licence') {
  const text = `BT /F1 18 Tf 40 100 Td (${title} ${RUN}) Tj ET`;
  const objs = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 400 200] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${text.length} >>\nstream\n${text}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let out = '%PDF-1.4\n';
  const offsets = [];
  objs.forEach((o, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n`;
  for (const off of offsets) out += `${String(off).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

// ---------------------------------------------------------------------------------------------
// Mail

/** The messages in $BERTH_DATA_DIR/mail/ addressed to `email` (header `To:`), oldest first. */
export function mailsTo(email) {
  const dir = join(DATA_DIR, 'mail');
  const to = new RegExp(`^To:.*<?${email.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}>?\\s*$`, 'im');
  let files = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.eml') && !f.startsWith('.'));
  } catch {
    // not created yet
  }
  return files
    .map((f) => {
      const text = readFileSync(join(dir, f), 'utf8');
      const [head, ...rest] = text.split(/\r?\n\r?\n/);
      return { file: f, head, body: rest.join('\n\n'), mtime: statSync(join(dir, f)).mtimeMs };
    })
    .filter((m) => to.test(m.head))
    .sort((a, b) => a.mtime - b.mtime || (a.file < b.file ? -1 : 1));
}

/**
 * Waits for the newest message to `email` that `accept(message)` takes (mail is sent by a
 * background outbox) and returns it.
 */
export async function waitForMail(email, accept = () => true, { timeoutMs = 15000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = mailsTo(email).filter(accept).at(-1);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no matching mail to ${email} in ${join(DATA_DIR, 'mail')} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * The 6-digit code of the newest .eml in $BERTH_DATA_DIR/mail/ addressed to `email`.
 * With `newerThan` (a file name), only later messages count.
 */
export async function readCode(email, { timeoutMs = 15000, newerThan = null } = {}) {
  const m = await waitForMail(email, (x) => !newerThan || x.file > newerThan, { timeoutMs });
  const code = m.body.match(/(?<!\d)(\d{6})(?!\d)/);
  assert.ok(code, `no 6-digit code in the newest mail to ${email} (${m.file}):\n${m.body}`);
  return { code: code[1], file: m.file };
}

// ---------------------------------------------------------------------------------------------
// Browser

const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let browserPromise = null;

/** A new Chromium process (close it yourself). */
export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: ARGS,
  });
}

/** The browser of this test file (one process per file under node --test). */
export function browser() {
  browserPromise ??= launch();
  return browserPromise;
}

export async function closeBrowser() {
  if (browserPromise) {
    const b = await browserPromise;
    browserPromise = null;
    await b.close();
  }
}

function slug(s) {
  return String(s)
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 60);
}

/** The console message Chromium logs for any resource answered with an HTTP error. */
const STATUS_CONSOLE = /^Failed to load resource: the server responded with a status of (\d+)/;

/**
 * A new browser context (own cookies) with one page, watched for problems. Call `s.done()` at
 * the end of the test; the context is closed after the test in any case.
 *
 *   const s = await session(t, 'provider-zh', { locale: 'zh-CN' });
 *   await s.goto('/register');
 *   await s.submit(s.page.getByRole('button', { name: '注册' }), { status: 422 });
 */
export async function session(t, name, { locale = 'zh-CN', viewport = { width: 1280, height: 900 } } = {}) {
  const b = await browser();
  const context = await b.newContext({ locale, viewport, acceptDownloads: false });
  context.setDefaultTimeout(15000);
  context.setDefaultNavigationTimeout(20000);
  const page = await context.newPage();
  const problems = [];
  const errorNavs = []; // navigation responses >= 400: { resp, accepted }
  const consoleStatus = new Map(); // status -> count of "Failed to load resource" messages
  let shotNo = 0;
  const prefix = `${slug(t.name)}-${slug(name)}`;

  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const loc = msg.location()?.url || '';
    const m = msg.text().match(STATUS_CONSOLE);
    if (m) {
      // A missing /favicon.ico is checked once, by its own test (forms.test.mjs), so that one
      // defect does not hide every other result.
      if (loc && new URL(loc, ORIGIN).pathname === '/favicon.ico') return;
      consoleStatus.set(m[1], (consoleStatus.get(m[1]) || 0) + 1);
      return;
    }
    problems.push(`console error on ${page.url()}: ${msg.text()} ${loc}`);
  });
  page.on('pageerror', (err) => problems.push(`page error on ${page.url()}: ${err.message}`));
  page.on('request', (req) => {
    const u = req.url();
    if (u.startsWith('data:') || u.startsWith('blob:')) return;
    if (new URL(u).origin !== ORIGIN) problems.push(`request to another origin: ${req.method()} ${u}`);
  });
  page.on('requestfailed', (req) => {
    problems.push(`request failed: ${req.method()} ${req.url()}: ${req.failure()?.errorText}`);
  });
  page.on('response', (resp) => {
    if (resp.status() < 400) return;
    const req = resp.request();
    if (req.isNavigationRequest() && req.frame() === page.mainFrame()) {
      errorNavs.push({ resp, accepted: false });
    } else {
      problems.push(`HTTP ${resp.status()} for ${req.method()} ${resp.url()}`);
    }
  });

  const s = {
    page,
    context,
    name,

    /** Fails the test if anything went wrong in the browser so far. */
    check() {
      const found = [...problems];
      const accepted = new Map();
      for (const n of errorNavs) {
        const code = String(n.resp.status());
        if (n.accepted) accepted.set(code, (accepted.get(code) || 0) + 1);
        else found.push(`unexpected HTTP ${code} for ${n.resp.request().method()} ${n.resp.url()}`);
      }
      for (const [code, count] of consoleStatus) {
        if (count > (accepted.get(code) || 0)) found.push(`console: failed to load a resource (HTTP ${code})`);
      }
      assert.deepEqual(found, [], `browser problems in session "${name}":\n${found.join('\n')}`);
    },

    /** A full-page screenshot in e2e/screenshots/ (and a check for problems). */
    async shot(label) {
      shotNo += 1;
      const file = join(SHOTS, `${prefix}-${String(shotNo).padStart(2, '0')}-${slug(label || new URL(page.url()).pathname) || 'home'}.png`);
      await page.screenshot({ path: file, fullPage: true });
      s.check();
      return file;
    },

    _accept(resp, status) {
      assert.ok(resp, 'no navigation response');
      assert.equal(resp.status(), status, `HTTP status of ${resp.request().method()} ${resp.url()}`);
      for (const n of errorNavs) if (n.resp === resp) n.accepted = true;
    },

    /** Opens a path of the server; asserts the final status (after redirects). */
    async goto(path, { status = 200, label } = {}) {
      const resp = await page.goto(BASE + path);
      s._accept(resp, status);
      await s.shot(label);
      return resp;
    },

    /** Clicks something that submits a form or follows a link, and waits for the new page. */
    async submit(locator, { status = 200, label } = {}) {
      const [resp] = await Promise.all([page.waitForNavigation(), locator.click()]);
      s._accept(resp, status);
      await s.shot(label);
      return resp;
    },

    /** Presses a key (e.g. Enter in a field) that submits a form, and waits for the new page. */
    async press(locator, key, { status = 200, label } = {}) {
      const [resp] = await Promise.all([page.waitForNavigation(), locator.press(key)]);
      s._accept(resp, status);
      await s.shot(label);
      return resp;
    },

    /** The path of the current page. */
    path() {
      return new URL(page.url()).pathname;
    },

    async done() {
      s.check();
      await context.close();
    },
  };
  t.after(() => context.close().catch(() => {}));
  return s;
}

// ---------------------------------------------------------------------------------------------
// Page text

const catalogs = {};
function loadCatalog(lang) {
  if (!catalogs[lang]) {
    const file = new URL(`../i18n/pages.${lang}.toml`, import.meta.url);
    const out = {};
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const m = line.match(/^"([^"]+)"\s*=\s*"((?:[^"\\]|\\.)*)"\s*$/);
      if (m) out[m[1]] = JSON.parse(`"${m[2]}"`);
    }
    const api = new URL(`../i18n/${lang}.toml`, import.meta.url);
    for (const line of readFileSync(api, 'utf8').split('\n')) {
      const m = line.match(/^"([^"]+)"\s*=\s*"((?:[^"\\]|\\.)*)"\s*$/);
      if (m && !(m[1] in out)) out[m[1]] = JSON.parse(`"${m[2]}"`);
    }
    catalogs[lang] = out;
  }
  return catalogs[lang];
}

/** The page text of `key` in `lang` ("zh-CN" or "en"), with {params} filled in. */
export function tr(lang, key, params = {}) {
  const v = loadCatalog(lang)[key];
  if (v === undefined) throw new Error(`no text "${key}" in i18n/pages.${lang}.toml or i18n/${lang}.toml`);
  return v.replace(/\{(\w+)\}/g, (_, k) => (k in params ? String(params[k]) : `{${k}}`));
}

// ---------------------------------------------------------------------------------------------
// Steps shared by the tests

/** Chooses the language with the switch in the top bar (POST /lang), and checks the result. */
export async function switchLanguage(s, lang) {
  const button = s.page.locator(`form.lang-switch button[name="lang"][value="${lang}"]`);
  await s.submit(button, { label: `lang-${lang}` });
  assert.equal(await s.page.locator('html').getAttribute('lang'), lang);
}

/** Logs in on /login; the password field and the submit button are found by their labels. */
export async function login(s, lang, email, password, { expectPath } = {}) {
  await s.goto('/login');
  await s.page.getByLabel(tr(lang, 'label.email'), { exact: true }).fill(email);
  await s.page.getByLabel(tr(lang, 'label.password'), { exact: true }).fill(password);
  await s.submit(s.page.locator('main form[action="/login"]').getByRole('button', { name: tr(lang, 'login.submit') }), {
    label: 'logged-in',
  });
  if (expectPath) assert.equal(s.path(), expectPath);
  assert.equal((await s.page.locator('.topbar .who').textContent()).trim(), email);
}

/** Registers and activates an account through the pages; returns its e-mail and password. */
export async function registerAndActivate(s, lang, { email = uniqueEmail('p'), password = `pw-${RUN}-long-enough`, mobile } = {}) {
  const p = s.page;
  await s.goto('/register');
  await p.getByLabel(tr(lang, 'label.email'), { exact: true }).fill(email);
  await p.getByLabel(tr(lang, 'label.password'), { exact: true }).fill(password);
  await p.getByLabel(tr(lang, 'label.password_confirm'), { exact: true }).fill(password);
  if (mobile) await p.getByLabel(tr(lang, 'label.mobile_optional'), { exact: true }).fill(mobile);
  await s.submit(p.getByRole('button', { name: tr(lang, 'register.submit'), exact: true }), { label: 'registered' });
  assert.equal(s.path(), '/activate');
  await expectText(p.locator('.notice.success'), tr(lang, 'notice.registered'));
  assert.equal(await p.getByLabel(tr(lang, 'label.email'), { exact: true }).inputValue(), email);
  const { code } = await readCode(email);
  await p.getByLabel(tr(lang, 'label.code'), { exact: true }).fill(code);
  await s.submit(p.getByRole('button', { name: tr(lang, 'activate.submit'), exact: true }), { label: 'activated' });
  assert.equal(s.path(), '/login');
  await expectText(p.locator('.notice.success'), tr(lang, 'notice.activated'));
  return { email, password };
}

/**
 * The form fields of the page without a label: every `input` (but hidden and submit), `select`
 * and `textarea` needs a <label for>, a wrapping <label>, aria-label or aria-labelledby.
 */
export async function unlabelledFields(page) {
  return page.evaluate(() => {
    const fields = document.querySelectorAll('input:not([type=hidden]):not([type=submit]), select, textarea');
    const out = [];
    for (const el of fields) {
      const named = (el.getAttribute('aria-label') || '').trim() !== '';
      const byId = (el.getAttribute('aria-labelledby') || '')
        .split(/\s+/)
        .some((id) => id && document.getElementById(id)?.textContent.trim());
      const labels = [...(el.labels || [])].filter((l) => l.textContent.trim() !== '');
      if (!named && !byId && labels.length === 0) {
        out.push(`${el.tagName.toLowerCase()}[name=${el.getAttribute('name')}]#${el.id}`);
      }
    }
    return out;
  });
}

export async function assertLabelled(s) {
  const missing = await unlabelledFields(s.page);
  assert.deepEqual(missing, [], `form fields without a label on ${s.path()}`);
}

/** Asserts that a locator's text contains `text` (waits for it to appear). */
export async function expectText(locator, text) {
  await locator.first().waitFor({ state: 'visible' });
  // textContent, not innerText: CSS (text-transform) must not change what the page says.
  const got = (await locator.first().textContent()).replace(/\s+/g, ' ').trim();
  assert.ok(got.includes(text.replace(/\s+/g, ' ').trim()), `expected ${JSON.stringify(text)} in ${JSON.stringify(got)}`);
}

/** Opens the pending review item of `company` and `kind` from the queue at /console. */
export async function openFromQueue(op, lang, company, kind) {
  await op.goto('/console', { label: 'queue' });
  const row = op.page
    .locator('table.queue tbody tr')
    .filter({ hasText: company })
    .filter({ hasText: tr(lang, `kind.${kind}`) });
  assert.equal(await row.count(), 1, `one pending ${kind} item of ${company} in the queue`);
  await op.submit(row.getByRole('link', { name: tr(lang, 'console.open') }), { label: `item-${kind}` });
  assert.match(op.path(), /^\/console\/items\/[^/]+$/);
  await expectText(op.page.locator('main h1'), tr(lang, `kind.${kind}`));
  await expectText(op.page.locator('main h1 .badge'), tr(lang, 'decision.pending'));
}
