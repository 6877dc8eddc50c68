// Setup and checks shared by the operator's tests (console*.test.mjs): a company that submitted
// its verification with a licence (PDF) and a letter of authorisation (PNG), a small picture,
// and what a console page must never show.

import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import { RUN, api, pdfBytes, pendingItem, registeredAccount, uniqueUscc } from './lib.mjs';

function crc32(buf) {
  let crc = 0xffffffff;
  for (const b of buf) {
    let c = (crc ^ b) & 0xff;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    crc = (crc >>> 8) ^ c;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** A `width`×`height` RGB PNG with a gradient (a scanned letter, as far as the review cares). */
export function picture(width = 480, height = 320) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = y * (width * 3 + 1) + 1 + x * 3;
      raw[o] = 230;
      raw[o + 1] = Math.floor((x * 200) / width) + 40;
      raw[o + 2] = Math.floor((y * 200) / height) + 40;
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** The enterprise form of a company whose authorised person is someone else (a passport). */
export function enterpriseForm(company, { uscc = uniqueUscc(), sameAsLegalRep = false } = {}) {
  return {
    subject_type: 'enterprise',
    company_name: company,
    uscc,
    registered_address: '深圳市南山区科技园南区 1 号',
    license_valid_until: '2036-06-30',
    legal_rep: { name: '张三', id_type: 'prc_id', id_number: '11010519491231002X', id_valid_until: null },
    authorized_person: sameAsLegalRep
      ? { same_as_legal_rep: true }
      : { same_as_legal_rep: false, name: '王五', id_type: 'passport', id_number: 'E12345678' },
    corporate_account: {
      bank_name: '招商银行',
      province: '广东',
      city: '深圳',
      branch_name: '深圳南山支行',
      account_number: '6222020200112233445',
    },
  };
}

async function upload(token, kind, bytes, type, name) {
  const f = new FormData();
  f.append('kind', kind);
  f.append('file', new Blob([bytes], { type }), name);
  await api('POST', '/api/v1/me/enterprise/documents', { token, form: f, expect: 201 });
}

/**
 * A company registered through the API that submitted its enterprise verification with a
 * licence (PDF) and, unless its authorised person is the legal representative, a letter of
 * authorisation (PNG). Returns its e-mail, password, token, account id, name and pending item.
 */
export async function submittedCompany(tag, { sameAsLegalRep = false } = {}) {
  const { email, password, token, accountId } = await registeredAccount(tag);
  const company = `深圳市${tag}运营测试科技有限公司${RUN}`;
  const form = enterpriseForm(company, { sameAsLegalRep });
  await api('PUT', '/api/v1/me/enterprise', { token, json: form, expect: 200 });
  await upload(token, 'business_license', pdfBytes(`Licence ${tag}`), 'application/pdf', 'licence.pdf');
  if (!sameAsLegalRep) await upload(token, 'authorization_letter', picture(), 'image/png', 'letter.png');
  await api('POST', '/api/v1/me/enterprise/submit', { token, json: {}, expect: 200 });
  const item = await pendingItem('enterprise_verification', accountId);
  return { email, password, token, accountId, company, form, item };
}

/** The company fixes its name and submits again; returns the new pending item. */
export async function resubmit(c, company) {
  const form = { ...c.form, company_name: company };
  await api('PUT', '/api/v1/me/enterprise', { token: c.token, json: form, expect: 200 });
  await api('POST', '/api/v1/me/enterprise/submit', { token: c.token, json: {}, expect: 200 });
  c.company = company;
  c.form = form;
  c.item = await pendingItem('enterprise_verification', c.accountId);
  return c.item;
}

/**
 * `machineValues` without its reports of long numbers that are data people read: mobile numbers
 * (11 digits), branch bank numbers (12) and credit codes (18). Epoch times are 10 or 13 digits.
 */
export function withoutDataNumbers(found) {
  return found.filter((f) => !/an epoch number "(\d{11}|\d{12}|\d{18})"/.test(f));
}

/**
 * What a console page shows that is an id, a slug or a raw size: UUIDs, the catalog's slugs,
 * MIME types, byte counts. (`machineValues` in lib.mjs finds the rest.)
 */
export async function consoleMachineValues(s, { slugs = true } = {}) {
  const shown = await s.page.evaluate(() => document.querySelector('main')?.innerText || '');
  const checks = [
    [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g, 'a UUID'],
    [/\b(application\/pdf|image\/png|image\/jpeg)\b/g, 'a MIME type'],
    [/\b\d{4,} B\b/g, 'a size in bytes'],
    [/¥\d{4,}/g, 'an amount without thousands separators'],
  ];
  if (slugs) checks.push([/\b(basic-software|website-building|enterprise-software|ops-services|cloud-security|api-market|expert-services|offline-service|saas|iot)\b/g, 'a catalog slug']);
  const found = [];
  for (const [re, what] of checks) {
    for (const m of shown.matchAll(re)) found.push(`${s.path()}: ${what} ${JSON.stringify(m[0])}`);
  }
  return found;
}

/** Asserts that the page does not scroll sideways at its width, and that `locator` is on screen. */
export async function fitsTheScreen(s, locator, what) {
  const sizes = await s.page.evaluate(() => ({
    doc: document.documentElement.scrollWidth,
    view: window.innerWidth,
    wraps: [...document.querySelectorAll('main .table-wrap')].map((w) => w.scrollWidth - w.clientWidth),
  }));
  assert.ok(sizes.doc <= sizes.view, `${s.path()} scrolls sideways: ${sizes.doc} > ${sizes.view}`);
  assert.ok(sizes.wraps.every((d) => d <= 1), `a table of ${s.path()} scrolls sideways by ${sizes.wraps.join(', ')} px`);
  if (locator) {
    const box = await locator.first().boundingBox();
    assert.ok(box, `${what} is shown`);
    assert.ok(box.x >= 0 && box.x + box.width <= sizes.view, `${what} is on screen: ${JSON.stringify(box)} in ${sizes.view} px`);
  }
}
