// Shared helpers of the end-to-end tests: the browser, one context per session, a page wrapper
// that fails the test on any console error, page error, failed request, unexpected HTTP error,
// request to another origin or accessibility violation (axe-core, on every page state the
// suite visits), screenshots, the mail directory, staff accounts (`berth user
// add`) and their second factor (TOTP computed here, as an authenticator app would), setup
// through the JSON API, and the steps the tests share.
//
// Environment (set by run.sh): BERTH_URL, BERTH_DATA_DIR, BERTH_BIN, E2E_SCREENSHOTS;
// CHROMIUM_PATH [default /usr/bin/chromium].

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
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
/** The berth binary the server runs (for `berth user add`). */
export const BIN = need('BERTH_BIN');
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
// Staff accounts and the second factor (TOTP, RFC 6238)

/**
 * Runs the berth binary on the suite's data directory (as run.sh does: from the data directory,
 * so that no ./berth.toml is read, and without the suite's BERTH_* variables, which are not
 * settings of berth). Returns its standard output.
 */
export function berth(args, { input } = {}) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('BERTH_')));
  try {
    return execFileSync(BIN, ['--data-dir', DATA_DIR, ...args], { input, env, cwd: DATA_DIR, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (e) {
    throw new Error(`berth ${args.join(' ')} failed (status ${e.status}):\n${e.stdout || ''}${e.stderr || ''}`);
  }
}

/**
 * A new staff account made the way an administrator makes one (`berth user add`, the password
 * on stdin): no second factor yet, so its first log-in enrols one.
 */
export function addStaff({ role = 'operator', email = uniqueEmail(role === 'admin' ? 'admin' : 'ops'), password = `staff-${RUN}-${randomBytes(6).toString('hex')}` } = {}) {
  berth(['user', 'add', '--email', email, '--role', role], { input: `${password}\n` });
  return { email, password, role, secret: null, lastStep: 0, recoveryCodes: [] };
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 (the key people type into an authenticator app); spaces, hyphens and padding ignored. */
export function base32Decode(text) {
  const clean = text.toUpperCase().replace(/[\s=-]/g, '');
  let bits = 0;
  let value = 0;
  const out = [];
  for (const ch of clean) {
    const v = BASE32.indexOf(ch);
    if (v < 0) throw new Error(`not base32: ${JSON.stringify(ch)} in ${JSON.stringify(text)}`);
    value = ((value << 5) | v) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** Seconds per TOTP step. */
export const TOTP_STEP_SECS = 30;

/** The TOTP step of a moment (milliseconds since the epoch). */
export function totpStep(ms = Date.now()) {
  return Math.floor(ms / 1000 / TOTP_STEP_SECS);
}

/** The six-digit TOTP code of a base32 secret for a step (HMAC-SHA1, dynamic truncation). */
export function totp(secret, step = totpStep()) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const h = createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const off = h[h.length - 1] & 0x0f;
  const bin = ((h[off] & 0x7f) << 24) | (h[off + 1] << 16) | (h[off + 2] << 8) | h[off + 3];
  return String(bin % 1_000_000).padStart(6, '0');
}

/**
 * A code the server has not seen yet for `account` (it takes each step once): that of the
 * current step, after waiting (at most 30 s) for a step later than the last one used, as a
 * person waits for the app to show a new code. Records the step as used.
 */
export async function freshTotp(account) {
  assert.ok(account.secret, `${account.email} has no second factor enrolled by the tests`);
  while (totpStep() <= account.lastStep) {
    const nextAt = (account.lastStep + 1) * TOTP_STEP_SECS * 1000;
    await new Promise((r) => setTimeout(r, Math.max(50, nextAt - Date.now() + 50)));
  }
  const step = totpStep();
  account.lastStep = step;
  return totp(account.secret, step);
}

/** A recovery code as the page shows it: two groups of five from an alphabet without look-alikes. */
export const RECOVERY_CODE = /^[abcdefghjkmnpqrstuvwxyz23456789]{5}-[abcdefghjkmnpqrstuvwxyz23456789]{5}$/;

// ---------------------------------------------------------------------------------------------
// Setup through the JSON API

/**
 * One JSON API call (setup only: what the tests are about goes through the pages). With
 * `expect`, the status must be that one.
 */
export async function api(method, path, { token, json, form, expect } = {}) {
  const headers = { 'Accept-Language': 'zh-CN' };
  let body;
  if (token) headers.Authorization = `Bearer ${token}`;
  if (json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(json);
  } else if (form) {
    body = form;
  }
  const resp = await fetch(BASE + path, { method, headers, body });
  const text = await resp.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = text;
  }
  if (expect !== undefined) {
    assert.equal(resp.status, expect, `setup: ${method} ${path} answered ${resp.status}: ${text.slice(0, 500)}`);
  }
  return data;
}

/**
 * The token of a new staff account signed in through the API, its second factor enrolled
 * (`POST /api/v1/me/second-factor`, then `…/confirm` with a code computed from the secret).
 */
export async function staffApiToken({ role = 'operator' } = {}) {
  const staff = addStaff({ role });
  const signedIn = await api('POST', '/api/v1/sessions', { json: { email: staff.email, password: staff.password }, expect: 201 });
  assert.equal(signedIn.second_factor, 'enrolment_required', `setup: a new staff session can only enrol (${JSON.stringify(signedIn)})`);
  const token = signedIn.token;
  const enrolment = await api('POST', '/api/v1/me/second-factor', { token, expect: 200 });
  staff.secret = enrolment.secret;
  const confirmed = await api('POST', '/api/v1/me/second-factor/confirm', { token, json: { code: await freshTotp(staff) }, expect: 200 });
  staff.recoveryCodes = confirmed.recovery_codes;
  return { ...staff, token };
}

let operatorToken = null;
/** The token of one operator (made by `staffApiToken`) shared by the setup of a test file. */
export async function operatorApi() {
  operatorToken ??= (await staffApiToken()).token;
  return operatorToken;
}

export async function pendingItem(kind, accountId) {
  const op = await operatorApi();
  const page = await api('GET', `/api/v1/review/items?kind=${kind}&status=pending&limit=200`, { token: op, expect: 200 });
  const item = page.items.find((i) => i.subject.account_id === accountId);
  assert.ok(item, `setup: no pending ${kind} item for ${accountId}`);
  return item;
}

export async function approveItem(item) {
  const op = await operatorApi();
  await api('POST', `/api/v1/review/items/${item.id}/decision`, {
    token: op,
    json: { decision: 'approve', version: item.version },
    expect: 200,
  });
}

export const CS_HOURS = '工作日 9:00-18:00';

/**
 * A live provider made through the API, the way tests/api/helpers.rs `moved_in_provider()`
 * makes one: registered, activated, verified (micro-deposit), application approved (categories
 * iot and ops-services), customer service and settlement saved.
 */
/** An account registered, activated and signed in through the API: e-mail, password, token, id. */
export async function registeredAccount(tag) {
  const email = uniqueEmail(tag);
  const password = `pw-${RUN}-long-enough`;
  await api('POST', '/api/v1/accounts', { json: { email, password }, expect: 201 });
  const { code } = await readCode(email);
  await api('POST', '/api/v1/accounts/activate', { json: { email, code }, expect: 200 });
  const token = (await api('POST', '/api/v1/sessions', { json: { email, password }, expect: 201 })).token;
  const me = await api('GET', '/api/v1/me', { token, expect: 200 });
  return { email, password, token, accountId: me.id };
}

export async function movedInProvider(tag, { serviceTypes = ['saas', 'offline-service'], company: named, categories = ['iot', 'ops-services'], expectMovedIn = true } = {}) {
  const { email, password, token, accountId } = await registeredAccount(tag);
  const company = named || `深圳市泊位商城测试科技有限公司${tag}${RUN}`;
  const cs = {
    phone: '400-800-1234',
    email: `service-${tag}-${RUN}@example.com`,
    dongdong_group_id: String(20000000 + Math.floor(Math.random() * 9999999)),
    service_hours: CS_HOURS,
  };

  await api('PUT', '/api/v1/me/enterprise', {
    token,
    expect: 200,
    json: {
      subject_type: 'enterprise',
      company_name: company,
      uscc: uniqueUscc(),
      registered_address: '深圳市南山区科技园',
      license_valid_until: '2036-06-30',
    legal_rep: { name: '张三', id_type: 'prc_id', id_number: '11010519491231002X', id_valid_until: null },
      authorized_person: { same_as_legal_rep: true },
      corporate_account: {
        bank_name: '招商银行',
        province: '广东',
        city: '深圳',
        branch_name: '深圳南山支行',
        account_number: '6222020200112233445',
      },
    },
  });
  const licence = new FormData();
  licence.append('kind', 'business_license');
  licence.append('file', new Blob([pdfBytes()], { type: 'application/pdf' }), 'licence.pdf');
  await api('POST', '/api/v1/me/enterprise/documents', { token, form: licence, expect: 201 });
  await api('POST', '/api/v1/me/enterprise/submit', { token, json: {}, expect: 200 });

  const op = await operatorApi();
  const ev = await pendingItem('enterprise_verification', accountId);
  // The deposit is paid once the documents are approved.
  await approveItem(ev);
  const sent = await api('POST', `/api/v1/review/items/${ev.id}/micro-deposit`, { token: op, json: {}, expect: 200 });
  await api('POST', '/api/v1/me/enterprise/micro-deposit/confirm', { token, json: { amount_fen: sent.amount_fen }, expect: 200 });

  await api('PUT', '/api/v1/me/application', {
    token,
    expect: 200,
    json: {
      contact: { name: '李四', title: '商务经理', mobile: '13800138000', email: 'contact@example.com' },
      business_brief: 'We build SaaS for IoT device fleets and offer O&M services on the cloud.',
      categories,
      service_types: serviceTypes,
      service_hours: '5x8',
      years_in_industry: 6,
      agreement_version: '2026-01',
    },
  });
  await api('POST', '/api/v1/me/application/submit', { token, json: {}, expect: 200 });
  await approveItem(await pendingItem('partner_application', accountId));

  await api('PUT', '/api/v1/provider/customer-service', { token, json: cs, expect: 200 });
  await api('PUT', '/api/v1/provider/settlement', {
    token,
    expect: 200,
    json: {
      account_name: company,
      bank_name: '招商银行',
      branch_name: '深圳南山支行',
      branch_code: '308584000013',
      account_number: '6222020200112233445',
    },
  });
  const m = await api('GET', '/api/v1/me/move-in', { token, expect: 200 });
  if (expectMovedIn) assert.equal(m.state, 'moved_in', `setup: the provider is moved in (${JSON.stringify(m)})`);
  return { email, password, token, company, cs, accountId };
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

/** axe-core's script, from node_modules (never from a CDN), run in each page state visited. */
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * The accessibility violations of the page as it is now, one line each (rule, impact, where).
 * Frames are not entered: the review screen's documents are sandboxed frames of their own.
 */
export async function axeViolations(page) {
  // Evaluated through the DevTools protocol: the page's CSP (script-src 'self') stays as served.
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(() => window.axe.run(document, { iframes: false, resultTypes: ['violations'] }));
  const out = [];
  for (const v of result.violations) {
    for (const n of v.nodes) out.push(`axe ${v.id} (${v.impact}) on ${page.url()}: ${n.target.join(' ')}: ${v.help}`);
  }
  return out;
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
  // Reduced motion: a colour is judged where it ends, not half-way through a transition.
  const context = await b.newContext({ locale, viewport, acceptDownloads: false, reducedMotion: 'reduce' });
  context.setDefaultTimeout(15000);
  context.setDefaultNavigationTimeout(20000);
  const page = await context.newPage();
  const problems = [];
  const errorNavs = []; // navigation responses >= 400: { resp, accepted }
  const consoleStatus = new Map(); // status -> count of "Failed to load resource" messages
  let shotNo = 0;
  const prefix = `${slug(t.name)}-${slug(name)}`;
  // Page loads seen, and the last one axe checked: every state reached is checked once.
  let loads = 0;
  let audited = 0;
  page.on('load', () => {
    loads += 1;
  });

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
    // chrome: and chrome-extension: are the browser's own PDF viewer and its resources (the
    // review screen shows licences inline), never the network.
    if (/^(data|blob|chrome|chrome-extension):/.test(u)) return;
    if (new URL(u).origin !== ORIGIN) problems.push(`request to another origin: ${req.method()} ${u}`);
  });
  page.on('requestfailed', (req) => {
    // The browser's own PDF viewer, stopped by leaving the page, is not the product's request.
    if (/^(chrome|chrome-extension):/.test(req.url())) return;
    const failure = req.failure()?.errorText;
    // Nor is a frame's document cancelled by the browser because the test left the page while
    // it loaded (the review screen shows each document in a frame of its own): ERR_ABORTED is
    // the browser stopping, never an answer of the server.
    if (failure === 'net::ERR_ABORTED' && req.frame() !== page.mainFrame()) return;
    problems.push(`request failed: ${req.method()} ${req.url()}: ${failure}`);
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

    /**
     * Runs axe-core on the page as it is now (once per page load unless `force`), and records
     * every violation as a problem of this session: the next `check()` fails the test.
     */
    async a11y({ force = false } = {}) {
      if (!force && loads === audited) return;
      audited = loads;
      problems.push(...(await axeViolations(page)));
    },

    /** A full-page screenshot in e2e/screenshots/ (and a check for problems, axe's included). */
    async shot(label) {
      await s.a11y();
      shotNo += 1;
      const file = join(SHOTS, `${prefix}-${String(shotNo).padStart(2, '0')}-${slug(label || new URL(page.url()).pathname) || 'home'}.png`);
      // Chromium now and then fails a capture on a busy machine ("Unable to capture screenshot"):
      // the screenshot is a record, not the test, so it is tried again before giving up.
      for (let attempt = 1; ; attempt++) {
        try {
          await page.screenshot({ path: file, fullPage: true });
          break;
        } catch (e) {
          if (attempt >= 3 || !/Unable to capture screenshot/.test(e.message)) throw e;
          await new Promise((r) => setTimeout(r, 300 * attempt));
        }
      }
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
      await s.a11y();
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
// The parameters that count something: a count of 1 reads the text's singular form
// (`<key>.one`) where the language has one, as the server's i18n::tf does.
const COUNTS = ['n', 'minutes', 'hours', 'days', 'count', 'attempts_left', 'max_days'];

export function tr(lang, key, params = {}) {
  const one = COUNTS.some((k) => String(params[k]) === '1');
  const v = (one && loadCatalog(lang)[`${key}.one`]) || loadCatalog(lang)[key];
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

/** The password step of /login: e-mail and password found by their labels, then the button. */
export async function enterPassword(s, lang, email, password, { label = 'password-entered', status = 200 } = {}) {
  await s.goto('/login');
  await s.page.getByLabel(tr(lang, 'label.email'), { exact: true }).fill(email);
  await s.page.getByLabel(tr(lang, 'label.password'), { exact: true }).fill(password);
  await s.submit(s.page.locator('main form[action="/login"]').getByRole('button', { name: tr(lang, 'login.submit') }), {
    label,
    status,
  });
}

/** Logs in on /login an account whose password alone signs in (a provider without a second factor). */
export async function login(s, lang, email, password, { expectPath } = {}) {
  await enterPassword(s, lang, email, password, { label: 'logged-in' });
  if (expectPath) assert.equal(s.path(), expectPath);
  assert.equal((await s.page.locator('.topbar .who').textContent()).trim(), email);
}

/** Whose session the top bar shows ('' when nobody is signed in). */
export async function signedInAs(s) {
  const who = s.page.locator('.topbar .who');
  return (await who.count()) ? (await who.textContent()).trim() : '';
}

/** The form of the second step of a log-in (the page after a right password). */
export function secondStepForm(s) {
  return s.page.locator('main form[action="/login/second-factor"]');
}

/**
 * On the second step of a log-in ("second_factor.login_title"): types `code` (from the app, or a
 * recovery code) and sends it. The page shown next is the caller's to check.
 */
export async function enterSecondFactor(s, lang, code, { status = 200, label = 'second-factor-sent' } = {}) {
  const form = secondStepForm(s);
  await expectText(s.page.locator('main h1'), tr(lang, 'second_factor.login_title'));
  await form.getByLabel(tr(lang, 'label.second_factor_code'), { exact: true }).fill(code);
  await s.submit(form.getByRole('button', { name: tr(lang, 'second_factor.login_submit'), exact: true }), { status, label });
}

/**
 * Enrols an authenticator app on /account/security (the page must be open, nothing started):
 * "start", then the key read from the page and a code computed from it, "confirm"; checks that
 * the ten recovery codes are shown. Records the secret, the step used and the codes in `account`.
 */
export async function enrolSecondFactor(s, lang, account) {
  const p = s.page;
  const L = (key, params) => tr(lang, key, params);
  assert.equal(s.path(), '/account/security');
  await expectText(p.locator('main h1'), L('second_factor.title'));
  const start = p.locator('main form[action="/account/security"]').getByRole('button', { name: L('second_factor.start'), exact: true });
  await s.submit(start, { label: 'enrolment-started' });
  assert.equal(s.path(), '/account/security');
  const qr = p.locator('main figure.qr');
  assert.equal(await qr.locator('svg').count(), 1, 'the QR code is an inline SVG');
  const secret = (await p.locator('main code#totp-secret').textContent()).trim();
  assert.match(secret, /^[A-Z2-7]{32}$/, 'the key to type: 160 bits in base32');
  account.secret = secret;
  account.lastStep = 0;
  const form = p.locator('main form[action="/account/security"]').filter({ has: p.locator('button[value="confirm"]') });
  await form.getByLabel(L('label.second_factor_code'), { exact: true }).fill(await freshTotp(account));
  await s.submit(form.getByRole('button', { name: L('second_factor.confirm'), exact: true }), { label: 'enrolled' });
  assert.equal(s.path(), '/account/security');
  await expectText(p.locator('main .notice.success'), L('second_factor.enrolled'));
  const codes = (await p.locator('main ul#recovery-codes li code').allTextContents()).map((c) => c.trim());
  assert.equal(codes.length, 10, `ten recovery codes are shown: ${JSON.stringify(codes)}`);
  for (const c of codes) assert.match(c, RECOVERY_CODE);
  assert.equal(new Set(codes).size, 10, 'the recovery codes differ');
  account.recoveryCodes = codes;
  return account;
}

/**
 * A new staff account (`berth user add`) signs in for the first time in `s`: the password, the
 * enrolment it is sent to, "I have saved them" — and lands on the console. Returns the account
 * (e-mail, password, TOTP secret, last step used, recovery codes).
 */
export async function loginAsNewStaff(s, lang, { role = 'operator' } = {}) {
  const staff = addStaff({ role });
  await enterPassword(s, lang, staff.email, staff.password, { label: 'staff-first-login' });
  assert.equal(s.path(), '/account/security', 'a staff account without a second factor is sent to enrol one');
  await enrolSecondFactor(s, lang, staff);
  await s.submit(s.page.getByRole('link', { name: tr(lang, 'second_factor.saved_codes'), exact: true }), { label: 'codes-saved' });
  assert.equal(s.path(), '/console');
  assert.equal(await signedInAs(s), staff.email);
  return staff;
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

/** The first parts of the text keys of the catalogs ("second_factor", "label", "field", …). */
function keyPrefixes() {
  const out = new Set();
  for (const lang of ['zh-CN', 'en']) for (const key of Object.keys(loadCatalog(lang))) out.add(key.split('.')[0]);
  return [...out];
}

/**
 * What a page shows people (the text of <title> and <main>, and the labels, hints and
 * placeholders of its elements) that looks like a machine value rather than words: `true`,
 * `false`, `null`, `undefined`, `None`, `Some(…)`, JSON (braces, `"key":`), text keys
 * (`second_factor.start`), codes in snake_case (`code_wrong`), unfilled {placeholders}, epoch
 * numbers, ISO 8601 timestamps, `otpauth://` addresses. Returns the findings (empty when the page speaks in words).
 */
export async function machineValues(s) {
  const shown = await s.page.evaluate(() => {
    // The key to type and the recovery codes are values people copy: not judged.
    let text = document.querySelector('main')?.innerText || '';
    for (const el of document.querySelectorAll('main #totp-secret, main #recovery-codes code')) text = text.split(el.textContent.trim()).join(' ');
    const parts = [document.title, text];
    for (const el of document.querySelectorAll('main [aria-label], main [title], main [placeholder], main [alt], main figcaption')) {
      for (const a of ['aria-label', 'title', 'placeholder', 'alt']) if (el.getAttribute(a)) parts.push(el.getAttribute(a));
    }
    return parts.join('\n');
  });
  const checks = [
    [/\b(true|false|null|undefined|NaN|None|Some\s*\()/g, 'a raw value'],
    [/[{}[\]]|"\w+"\s*:/g, 'JSON or an unfilled placeholder'],
    [new RegExp(`\\b(${keyPrefixes().join('|')})\\.[a-z0-9_]+(\\.[a-z0-9_]+)*\\b`, 'g'), 'a text key'],
    [/\b[a-z0-9]+_[a-z0-9_]+\b/g, 'a code in snake_case'],
    [/\b\d{10,}\b/g, 'an epoch number'],
    [/\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/g, 'an ISO 8601 timestamp'],
    [/otpauth:\/\//g, 'an otpauth:// address'],
  ];
  const found = [];
  for (const [re, what] of checks) {
    for (const m of shown.matchAll(re)) {
      const at = Math.max(0, m.index - 30);
      found.push(`${s.path()}: ${what} ${JSON.stringify(m[0])} in …${JSON.stringify(shown.slice(at, m.index + m[0].length + 30))}…`);
    }
  }
  return found;
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

// =============================================================================================
// Helpers for the company's and the buyer's pages (issue 11). Added below the navigation core.

/**
 * The form of `page` (a page wrapper's `page`, or a locator) that posts to `path`: its address
 * may carry a one-time token (`?once=…`, a form sent twice makes one thing).
 */
export function formAt(page, path) {
  return page.locator(`main form[action="${path}"], main form[action^="${path}?once="]`);
}

/** A 1×1 PNG (the smallest image a check by magic bytes takes). */
export function pngBytes() {
  return Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
    'base64',
  );
}

/** The words every page must never show a person: ISO timestamps, UUIDs, raw booleans, slugs, field keys. */
export const MACHINE_WORDS = [
  [/\b\d{4}-\d\d-\d\dT\d\d/g, 'an ISO timestamp'],
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, 'a UUID'],
  [/\b(true|false)\b/g, 'a raw boolean'],
  [/\b(basic-software|website-building|enterprise-software|data-intelligence|ops-services|cloud-security|api-market|expert-services|offline-service|offline_service|one_time|per_use|not_started|in_review)\b/g, 'a slug or code'],
  [/\b[a-z]+(?:_[a-z]+)+(?:\.[a-z_]+)?\b|\b[a-z_]+\.[a-z_]+\b:/g, 'a field key'],
  [/image\/png|image\/jpeg|application\/pdf/g, 'a media type'],
];

/** Each machine word of MACHINE_WORDS found in `text`, with some text around it. */
export function machineWordsIn(text, where) {
  const found = [];
  for (const [re, what] of MACHINE_WORDS) {
    for (const m of text.matchAll(re)) {
      const at = Math.max(0, m.index - 30);
      found.push(`${where}: ${what} ${JSON.stringify(m[0])} in …${JSON.stringify(text.slice(at, m.index + m[0].length + 30))}…`);
    }
  }
  return found;
}

/** What a person reads of the page open in `s` (title, main, labels, hints), for `machineWordsIn`. */
export async function readableText(s) {
  return s.page.evaluate(() => {
    const parts = [document.title, document.querySelector('main')?.innerText || ''];
    for (const el of document.querySelectorAll('main [aria-label], main [title], main [placeholder], main [alt]')) {
      for (const a of ['aria-label', 'title', 'placeholder', 'alt']) if (el.getAttribute(a)) parts.push(el.getAttribute(a));
    }
    return parts.join('\n');
  });
}

/** An activated account with nothing else, made through the API (signed in: its token). */
export async function activatedHolder(tag) {
  const email = uniqueEmail(tag);
  const password = `pw-${RUN}-long-enough`;
  await api('POST', '/api/v1/accounts', { json: { email, password }, expect: 201 });
  const { code } = await readCode(email);
  await api('POST', '/api/v1/accounts/activate', { json: { email, code }, expect: 200 });
  const token = (await api('POST', '/api/v1/sessions', { json: { email, password }, expect: 201 })).token;
  const me = await api('GET', '/api/v1/me', { token, expect: 200 });
  return { email, password, token, accountId: me.id };
}

/**
 * An activated account whose enterprise verification was submitted through the API; with
 * `verified`, its documents approved and its deposit paid and confirmed (the move-in
 * application is then its next step), with `paid` approved and paid but not confirmed.
 */
export async function submittedHolder(tag, { paid = false, verified = false } = {}) {
  const h = await activatedHolder(tag);
  const company = `深圳市泊位认证测试科技有限公司${tag}${RUN}`;
  const uscc = uniqueUscc();
  await api('PUT', '/api/v1/me/enterprise', {
    token: h.token,
    expect: 200,
    json: {
      subject_type: 'enterprise',
      company_name: company,
      uscc,
      registered_address: '深圳市南山区科技园',
      license_valid_until: '2036-06-30',
    legal_rep: { name: '张三', id_type: 'prc_id', id_number: '11010519491231002X', id_valid_until: null },
      authorized_person: { same_as_legal_rep: true },
      corporate_account: { bank_name: '招商银行', province: '广东', city: '深圳', branch_name: '深圳南山支行', account_number: '6222020200112233445' },
    },
  });
  const licence = new FormData();
  licence.append('kind', 'business_license');
  licence.append('file', new Blob([pdfBytes()], { type: 'application/pdf' }), 'licence.pdf');
  await api('POST', '/api/v1/me/enterprise/documents', { token: h.token, form: licence, expect: 201 });
  await api('POST', '/api/v1/me/enterprise/submit', { token: h.token, json: {}, expect: 200 });
  if (paid || verified) {
    const op = await operatorApi();
    const ev = await pendingItem('enterprise_verification', h.accountId);
    await approveItem(await api('GET', `/api/v1/review/items/${ev.id}`, { token: op, expect: 200 }));
    const sent = await api('POST', `/api/v1/review/items/${ev.id}/micro-deposit`, { token: op, json: {}, expect: 200 });
    if (verified) {
      await api('POST', '/api/v1/me/enterprise/micro-deposit/confirm', { token: h.token, json: { amount_fen: sent.amount_fen }, expect: 200 });
    }
  }
  return { ...h, company, uscc };
}

/** An account whose enterprise is verified and nothing more (`submittedHolder`, verified). */
export function verifiedHolder(tag) {
  return submittedHolder(tag, { verified: true });
}
