// Webhooks as a provider meets them (issue 13): the provider backend's Webhooks page refuses an
// address it cannot call and keeps what was typed, shows the signing secret once, sends a test
// event to a receiver this test starts (a node http server on 127.0.0.1; run.sh lets the server
// call private addresses), and the delivery log shows it delivered, in words.

import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import { after, test } from 'node:test';
import { closeBrowser, expectText, formAt, login, movedInProvider, readableText, machineWordsIn, session, tr } from '../lib.mjs';

after(closeBrowser);

/** A receiver on a loopback port that answers 200 and keeps every request. */
async function receiver() {
  const got = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      got.push({ headers: req.headers, raw: Buffer.concat(chunks) });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"received":true}');
    });
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  after(() => server.close());
  return { url: `http://127.0.0.1:${server.address().port}/berth-hook`, got };
}

/** Whether `header` (t=…,v1=…) signs `raw` with `secret`. */
function signedBy(header, secret, raw) {
  const parts = header.split(',').map((p) => p.split('='));
  const t = parts.find(([k]) => k === 't')?.[1];
  const expected = createHmac('sha256', secret).update(`${t}.`).update(raw).digest('hex');
  return parts.some(([k, v]) => k === 'v1' && v === expected);
}

test('a provider registers a webhook, sends a test event and sees it delivered', async (t) => {
  const lang = 'zh-CN';
  const L = (key, params) => tr(lang, key, params);
  const rx = await receiver();
  const provider = await movedInProvider('hook');
  const s = await session(t, 'provider', { locale: 'zh-CN' });
  const p = s.page;
  await login(s, lang, provider.email, provider.password);

  // The backend's menu leads to the page.
  await s.goto('/provider/info/customer-service', { label: 'info' });
  await s.submit(p.locator('nav.sidenav').getByRole('link', { name: L('webhooks.title') }), { label: 'webhooks' });
  assert.equal(s.path(), '/provider/webhooks');
  await expectText(p.locator('main .empty'), L('webhooks.none'));

  // An address that is no web address is refused at its field, and stays as typed.
  const add = formAt(p, '/provider/webhooks');
  await add.getByLabel(L('webhooks.address'), { exact: true }).fill('ftp://files.example.com/in');
  await s.submit(add.getByRole('button', { name: L('webhooks.add_button') }), { status: 422, label: 'refused' });
  await expectText(p.locator('#e-url'), L('field.url_scheme'));
  assert.equal(await add.getByLabel(L('webhooks.address'), { exact: true }).inputValue(), 'ftp://files.example.com/in');

  // Added: every event by default; the secret is shown once.
  await add.getByLabel(L('webhooks.address'), { exact: true }).fill(rx.url);
  assert.ok(await add.getByLabel(L('webhooks.all_types')).isChecked(), 'all events by default');
  await s.submit(add.getByRole('button', { name: L('webhooks.add_button') }), { label: 'secret' });
  await expectText(p.locator('main h1'), L('webhooks.created'));
  const secret = await p.locator('#f-secret').inputValue();
  assert.match(secret, /^whsec_[A-Za-z0-9_-]{43}$/);
  await expectText(p.locator('main'), L('webhooks.secret_once'));
  await s.submit(p.getByRole('link', { name: L('webhooks.secret_kept') }), { label: 'webhook' });
  assert.match(s.path(), /^\/provider\/webhooks\/[^/]+$/);
  const detail = s.path();
  assert.ok(!(await p.locator('main').innerText()).includes(secret), 'the secret is not shown again');

  // A test event: it reaches the receiver, signed with the secret.
  await s.submit(p.getByRole('button', { name: L('webhooks.send_test') }), { label: 'test-sent' });
  await expectText(p.locator('.notice.success'), L('notice.webhook_test_sent'));
  for (let i = 0; i < 100 && rx.got.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal(rx.got.length, 1, 'the receiver got the test event');
  const hit = rx.got[0];
  const body = JSON.parse(hit.raw.toString('utf8'));
  assert.equal(body.type, 'webhook.test');
  assert.equal(hit.headers['berth-event-id'], body.id);
  assert.ok(signedBy(hit.headers['berth-signature'], secret, hit.raw), 'signed with the secret shown');

  // The log says it was delivered, in words: status, the answer's code, the receiver's answer.
  let row;
  for (let i = 0; i < 50; i++) {
    await s.goto(detail, { label: i === 0 ? 'log' : undefined });
    row = p.locator('#deliveries tbody tr').first();
    if ((await row.count()) && (await row.innerText()).includes(L('webhook.status.succeeded'))) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  await expectText(row, L('event_type.webhook.test'));
  await expectText(row, L('webhook.status.succeeded'));
  await expectText(row, L('webhooks.answered', { code: '200' }));
  const words = machineWordsIn(await readableText(s), 'the webhook page').filter((w) => !w.includes('berth-hook'));
  assert.deepEqual(words, []);

  // Sent again by hand from the log.
  await s.submit(row.getByRole('button', { name: L('webhooks.replay') }), { label: 'replayed' });
  await expectText(p.locator('.notice.success'), L('notice.webhook_replayed'));
  for (let i = 0; i < 100 && rx.got.length < 2; i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal(rx.got.length, 2, 'the replay arrived');
  assert.equal(rx.got[1].headers['berth-event-id'], body.id, 'the same event');
  await s.done();
});
