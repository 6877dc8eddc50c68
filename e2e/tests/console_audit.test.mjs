// The audit page as a person uses it (issue 11): filters by who (e-mail), action (in words),
// what it was about and a range of days; names instead of ids; paging; and the export of the
// filtered events, checked offline with `berth audit verify --file F --filtered`.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { BASE, RUN, api, berth, closeBrowser, expectText, loginAsNewStaff, operatorApi, session, tr } from '../lib.mjs';
import { submittedCompany } from '../console.mjs';

after(closeBrowser);

const cellsOf = async (p, column) =>
  (await p.locator(`table.audit-log tbody td[data-label="${column}"]`).allTextContents()).map((s) => s.replace(/\s+/g, ' ').trim());

test('the audit log is filtered by who, what, what about and when, pages, and exports what it shows', async (t) => {
  const lang = 'zh-CN';
  const L = (key, params) => tr(lang, key, params);
  const a = await submittedCompany('audita');
  // Another company acts between A's steps, so that A's events are not consecutive in the chain.
  const b = await submittedCompany('auditb');
  await api('POST', `/api/v1/review/items/${a.item.id}/decision`, {
    token: await operatorApi(),
    json: { decision: 'approve', version: a.item.version },
    expect: 200,
  });

  const op = await session(t, 'operator', { locale: 'zh-CN' });
  const staff = await loginAsNewStaff(op, lang);
  const p = op.page;

  // Unfiltered: the newest first, names rather than ids, and older pages.
  await op.goto('/console/audit', { label: 'audit' });
  const seqs = (await cellsOf(p, L('audit.seq'))).map(Number);
  assert.equal(seqs.length, 50, 'fifty events a page');
  assert.ok(seqs.every((s, i) => i === 0 || s < seqs[i - 1]), 'newest first');
  await expectText(p.locator('table.audit-log tbody tr').first(), staff.email);
  await op.submit(p.locator('.pager').getByRole('link', { name: L('audit.older') }), { label: 'older' });
  const older = (await cellsOf(p, L('audit.seq'))).map(Number);
  assert.ok(older[0] < seqs.at(-1), 'the next page continues where the first ended');
  await op.submit(p.locator('.pager').getByRole('link', { name: L('audit.newest') }), { label: 'newest' });

  // Who: by e-mail.
  const filters = p.locator('form.audit-filters');
  await filters.getByLabel(L('audit.filter.who'), { exact: true }).fill(staff.email);
  await op.submit(filters.getByRole('button', { name: L('console.filter'), exact: true }), { label: 'who' });
  const who = await cellsOf(p, L('console.actor'));
  assert.ok(who.length >= 3 && who.every((w) => w === staff.email), JSON.stringify(who));

  // An unknown e-mail is refused at its field.
  await filters.getByLabel(L('audit.filter.who'), { exact: true }).fill(`nobody-${RUN}@example.com`);
  await op.submit(filters.getByRole('button', { name: L('console.filter'), exact: true }), { status: 422, label: 'who-unknown' });
  await expectText(p.locator('#e-who'), L('field.unknown_account'));
  await expectText(p.locator('.error-summary a[href="#f-who"]'), L('field.unknown_account'));
  assert.equal(await filters.getByLabel(L('audit.filter.who'), { exact: true }).inputValue(), `nobody-${RUN}@example.com`, 'what was typed stays');

  // What it was about: company A's account, its submission and its review — nothing of B.
  await op.goto(`/console/audit?about=${encodeURIComponent(a.email)}`, { label: 'about-a' });
  const about = await cellsOf(p, L('console.subject'));
  assert.ok(about.some((s) => s === `${L('kind.enterprise_verification')} · ${a.company}`), `the review of A: ${JSON.stringify(about)}`);
  assert.ok(about.some((s) => s.startsWith(a.email)), 'A\'s own events');
  assert.ok(about.every((s) => !s.includes(b.company)), 'nothing about B');
  const actions = await cellsOf(p, L('console.action'));
  assert.ok(actions.includes(L('audit.action.review.approved')));
  assert.ok(actions.includes(L('audit.action.enterprise.submitted')));

  // The action, from a list in words; and the days.
  await p.locator('#f-action').selectOption('review.approved');
  const today = await p.evaluate(() => {
    const d = new Date(Date.now() + 8 * 3600 * 1000);
    return d.toISOString().slice(0, 10);
  });
  await p.locator('#f-from').fill(today);
  await p.locator('#f-to').fill(today);
  await op.submit(filters.getByRole('button', { name: L('console.filter'), exact: true }), { label: 'about-a-approved-today' });
  assert.deepEqual(await cellsOf(p, L('console.action')), [L('audit.action.review.approved')]);
  const link = p.locator('table.audit-log tbody td[data-label="' + L('console.subject') + '"] a');
  assert.equal(await link.getAttribute('href'), `/console/items/${a.item.id}`);
  await op.goto(`/console/audit?about=${encodeURIComponent(a.email)}&from=${today}&to=2020-01-01`, { status: 422, label: 'days-backwards' });
  await expectText(p.locator('#e-to'), L('field.before_from'));

  // The export of what the filter shows: JSON Lines with every hash, checked offline.
  await op.goto(`/console/audit?about=${encodeURIComponent(a.email)}`, { label: 'about-a-again' });
  const exportLink = p.locator('.audit-actions').getByRole('link', { name: L('audit.export_filtered') });
  const href = await exportLink.getAttribute('href');
  assert.equal(href, `/console/audit/export?about=${encodeURIComponent(a.email)}`);
  const resp = await p.request.get(BASE + href);
  assert.equal(resp.status(), 200);
  assert.match(resp.headers()['content-disposition'], /^attachment; filename="audit-filtered-\d{4}-\d\d-\d\d\.jsonl"$/);
  const body = await resp.text();
  const events = body.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(events.length, about.length, 'the export holds the rows the page shows');
  for (const e of events) {
    for (const k of ['seq', 'at', 'actor', 'action', 'subject', 'detail', 'prev_hash', 'hash', 'time']) assert.ok(k in e, `${k} in ${JSON.stringify(e)}`);
  }
  assert.ok(events.every((e, i) => i === 0 || e.seq > events[i - 1].seq), 'oldest first, as berth audit export');
  const file = join(tmpdir(), `berth-audit-${RUN}.jsonl`);
  writeFileSync(file, body);
  const ok = berth(['audit', 'verify', '--file', file, '--filtered']);
  assert.match(ok, /^filtered audit export: \d+ event\(s\)/);
  let plain = null;
  try {
    berth(['audit', 'verify', '--file', file]);
  } catch (e) {
    plain = e.message;
  }
  assert.ok(plain && /missing event/.test(plain) && /--filtered/.test(plain), `a filtered file is not a stretch of the chain, and the check says so: ${plain}`);
  const lines = body.trim().split('\n');
  const altered = JSON.parse(lines[1]);
  altered.detail = JSON.stringify({ ...JSON.parse(altered.detail), note: 'edited afterwards' });
  lines[1] = JSON.stringify(altered);
  writeFileSync(file, `${lines.join('\n')}\n`);
  let broken = null;
  try {
    berth(['audit', 'verify', '--file', file, '--filtered']);
  } catch (e) {
    broken = e.message;
  }
  assert.ok(broken && /content does not match its hash/.test(broken), `an altered event is found: ${broken}`);
  await op.done();
});
