// The SaaS integration check in a browser (issue 13, docs/INTEGRATION.md): a moved-in provider
// makes its integration key under Basic Information (shown once), sets a SaaS product's callback
// URL to a receiver this test starts on 127.0.0.1 (the server runs with
// BERTH_WEBHOOKS__ALLOW_PRIVATE_NETWORKS=true and http allowed), submission is refused until a
// test passes, "Test the integration" shows the passing verdict step by step, and the product is
// then submitted.

import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { after, test } from 'node:test';
import { api, closeBrowser, expectText, formAt, login, movedInProvider, session, tr } from '../lib.mjs';

after(closeBrowser);

/**
 * A receiver of the marketplace's callbacks: checks Berth-Signature with `state.key` and
 * answers idempotently by request id. Resolves to its URL.
 */
function startReceiver(state) {
  const answers = new Map();
  let instances = 0;
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const header = String(req.headers['berth-signature'] || '');
      const pairs = header.split(',').map((p) => p.trim().split('='));
      const t = pairs.find(([k]) => k === 't')?.[1] || '';
      const expected = createHmac('sha256', state.key || '').update(`${t}.`).update(body).digest();
      const signed = pairs.filter(([k]) => k === 'v1').some(([, v]) => {
        const given = Buffer.from(v || '', 'hex');
        return given.length === expected.length && timingSafeEqual(given, expected);
      });
      state.calls.push({ signed, body: body.toString() });
      if (!signed) {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"signature"}');
        return;
      }
      const call = JSON.parse(body.toString());
      if (!answers.has(call.request_id)) {
        instances += 1;
        answers.set(call.request_id, call.action === 'createInstance' ? { instance_id: `inst-${instances}` } : { success: true });
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answers.get(call.request_id)));
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      after(() => server.close());
      resolve(`http://127.0.0.1:${server.address().port}/callback`);
    });
  });
}

test('a provider makes its key, sets the callback URL, tests the integration and submits', async (t) => {
  const lang = 'zh-CN';
  const L = (k, p) => tr(lang, k, p);
  const provider = await movedInProvider('saas');
  const receiver = { key: '', calls: [] };
  const url = await startReceiver(receiver);

  // A SaaS product without its callback URL yet (setup, through the API).
  const product = await api('POST', '/api/v1/provider/products', {
    token: provider.token,
    expect: 201,
    json: {
      name: '云桥设备管理平台',
      category: 'iot',
      service_type: 'saas',
      delivery: 'saas',
      summary: '设备联网与远程运维',
      description: '# 功能\n\n- 远程升级',
      plans: [{ name: '基础版', price_fen: 9900, billing: 'monthly' }],
      terms: { after_sales_scope: '工单支持', warranty: '99.9% 可用性' },
    },
  });

  const s = await session(t, 'provider');
  const page = s.page;
  await s.goto('/', { label: 'home' });
  await login(s, lang, provider.email, provider.password);

  // ---- Basic Information → Integration key: made, shown once ---------------------------------
  await s.goto('/provider/info/integration', { label: 'key-none' });
  await expectText(page.locator('#no-key'), L('integration.key.none'));
  await s.submit(page.getByRole('button', { name: L('integration.key.make'), exact: true }), { label: 'key-shown-once' });
  await expectText(page.locator('#new-key .banner'), L('integration.key.shown_once'));
  receiver.key = (await page.locator('#integration-key').textContent()).trim();
  assert.equal(receiver.key.length, 43, 'a 256-bit key, base64url');
  assert.ok(!page.url().includes(receiver.key), 'the key is never in an address');
  await s.submit(page.getByRole('link', { name: L('integration.key.done'), exact: true }), { label: 'key-made' });
  await expectText(page.locator('#key-last4'), receiver.key.slice(-4));
  assert.equal(await page.locator('#integration-key').count(), 0, 'the key is not shown again');

  // ---- The product form: the callback URL ----------------------------------------------------
  await s.goto(`/provider/products/${product.id}`, { label: 'product-form' });
  const form = formAt(page, `/provider/products/${product.id}`);
  await form.getByLabel(L('product.callback_url'), { exact: true }).fill(url);
  await s.submit(form.getByRole('button', { name: L('form.save_draft'), exact: true }), { label: 'url-saved' });
  await expectText(page.locator('.notice.success'), L('notice.saved'));
  assert.equal(await formAt(page, `/provider/products/${product.id}`).getByLabel(L('product.callback_url'), { exact: true }).inputValue(), url);

  // Submitting before a test: refused, saying why, beside the callback URL (and by the API).
  const saved = formAt(page, `/provider/products/${product.id}`);
  await s.submit(saved.getByRole('button', { name: L('form.submit_review'), exact: true }), { status: 422, label: 'submit-refused' });
  await expectText(page.locator('#e-callback_url'), L('error.integration_test_required'));
  await expectText(page.locator('.error-summary'), L('error.integration_test_required'));
  const refused = await api('POST', `/api/v1/provider/products/${product.id}/submit`, { token: provider.token, expect: 409 });
  assert.equal(refused.error.code, 'integration_test_required');

  // ---- Test the integration ------------------------------------------------------------------
  await s.submit(page.locator('#integration-link'), { label: 'integration-page' });
  assert.equal(s.path(), `/provider/products/${product.id}/integration`);
  await expectText(page.locator('#integration-status'), L('integration.status_required'));
  await expectText(page.locator('#no-records'), L('integration.no_records'));
  await s.submit(page.getByRole('button', { name: L('integration.run'), exact: true }), { label: 'tested' });
  assert.equal(s.path(), `/provider/products/${product.id}/integration`);
  await expectText(page.locator('.notice.success'), L('notice.integration_tested'));
  await expectText(page.locator('#integration-status'), L('integration.status_passed'));
  await expectText(page.locator('.integration-record h2 .badge'), L('integration.verdict.passed'));
  const verdicts = await page.locator('.integration-step').evaluateAll((els) => els.map((e) => [e.dataset.step, e.dataset.verdict]));
  assert.deepEqual(verdicts, [
    ['create_instance', 'passed'],
    ['create_instance_retry', 'passed'],
    ['renew_instance', 'passed'],
    ['expired_instance', 'passed'],
  ]);
  await expectText(page.locator('.integration-step').first(), L('integration.step.create_instance'));
  assert.equal(receiver.calls.length, 4);
  assert.ok(receiver.calls.every((c) => c.signed), 'every call was signed with the key');
  assert.ok(receiver.calls.every((c) => JSON.parse(c.body).test === true), 'every call is marked as a test');
  // What was sent is there to read, in the record.
  await page.locator('.integration-step').first().locator('summary').first().click();
  await expectText(page.locator('.integration-step').first().locator('pre').first(), 'createInstance');
  await s.shot('request-open');

  // ---- Now the product is submitted ----------------------------------------------------------
  await s.goto(`/provider/products/${product.id}`, { label: 'product-again' });
  const edit = formAt(page, `/provider/products/${product.id}`);
  await s.submit(edit.getByRole('button', { name: L('form.submit_review'), exact: true }), { label: 'submitted' });
  await expectText(page.locator('.notice.success'), L('notice.submitted'));
  await s.done();
});
