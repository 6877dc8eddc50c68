// "Your data" (docs/PRIVACY.md): the account holder downloads everything as a zip from the
// page, and closes the account after reading what happens and confirming with the password.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, test } from 'node:test';
import { BASE, browser, closeBrowser, expectText, login, movedInProvider, session, tr } from '../lib.mjs';

after(closeBrowser);

test('the account holder clicks "Download everything" and gets a zip of the records, documents and audit events', async () => {
  const p = await movedInProvider('yourdata');
  // A context of its own that keeps downloads (the suite's sessions refuse them).
  const context = await (await browser()).newContext({ locale: 'zh-CN', acceptDownloads: true });
  try {
    const page = await context.newPage();
    await page.goto(`${BASE}/login`);
    await page.getByLabel(tr('zh-CN', 'label.email'), { exact: true }).fill(p.email);
    await page.getByLabel(tr('zh-CN', 'label.password'), { exact: true }).fill(p.password);
    await Promise.all([
      page.waitForNavigation(),
      page.locator('main form[action="/login"]').getByRole('button', { name: tr('zh-CN', 'login.submit') }).click(),
    ]);
    await Promise.all([page.waitForNavigation(), page.locator('.topbar').getByRole('link', { name: tr('zh-CN', 'nav.your_data') }).click()]);
    assert.equal(new URL(page.url()).pathname, '/account/data');
    await expectText(page.locator('main h1'), tr('zh-CN', 'privacy.title'));
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: tr('zh-CN', 'privacy.download_button') }).click(),
    ]);
    assert.match(download.suggestedFilename(), /^berth-export-.*\.zip$/);
    const bytes = readFileSync(await download.path());
    assert.equal(bytes.subarray(0, 4).toString('latin1'), 'PK\u0003\u0004', 'a zip');
    // Entry names are stored in clear in a zip's headers.
    const text = bytes.toString('latin1');
    for (const name of ['README.txt', 'records/accounts.json', 'records/enterprise_verifications.json', 'audit/events.jsonl', 'documents/business_license-']) {
      assert.ok(text.includes(name), `the zip holds ${name}`);
    }
  } finally {
    await context.close();
  }
});

test('closing the account asks for the password and a confirmation, then says what happens next', async (t) => {
  const p = await movedInProvider('closing');
  const s = await session(t, 'close-account');
  await login(s, 'zh-CN', p.email, p.password);
  await s.goto('/account/data');
  const form = s.page.locator('#close-account form');
  // Without the confirmation and with a wrong password: both said, nothing closed.
  await form.getByLabel(tr('zh-CN', 'privacy.close_password'), { exact: true }).fill('not the password');
  await s.submit(form.getByRole('button', { name: tr('zh-CN', 'privacy.close_button') }), { status: 422, label: 'refused' });
  await expectText(s.page.locator('#e-confirm'), tr('zh-CN', 'field.required'));
  // The right password and the box ticked.
  await form.getByLabel(tr('zh-CN', 'privacy.close_password'), { exact: true }).fill(p.password);
  await form.getByLabel(tr('zh-CN', 'privacy.close_confirm')).check();
  await s.submit(form.getByRole('button', { name: tr('zh-CN', 'privacy.close_button') }), { label: 'closed' });
  assert.equal(s.path(), '/account/closed');
  await expectText(s.page.locator('main h1'), tr('zh-CN', 'privacy.closed_title'));
  // Signed out everywhere: the backend sends it to the log-in page.
  await s.goto('/provider/products', { label: 'signed-out' });
  assert.equal(s.path(), '/login');
  await s.done();
});
