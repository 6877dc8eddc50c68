// Versioned provider agreements (issue 15, item 2): an admin publishes a new version from the
// console (every error at once, what was typed kept), a moved-in provider sees the notice on the
// provider backend with the summary and the day, reads the new version and accepts it; the
// notice is gone. axe-core runs on every page state.

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { closeBrowser, expectText, formAt, login, loginAsNewStaff, machineWordsIn, movedInProvider, readableText, session, tr } from '../lib.mjs';

after(closeBrowser);

/** `YYYY-MM-DD`, `days` after today in Asia/Shanghai (the marketplace's zone). */
function shanghaiDay(days) {
  return new Date(Date.now() + 8 * 3600_000 + days * 86_400_000).toISOString().slice(0, 10);
}

test('an admin publishes a version; a provider sees the notice, reads and accepts it', async (t) => {
  const zh = 'zh-CN';
  const Z = (key, params) => tr(zh, key, params);
  const provider = await movedInProvider('agree');
  const version = '2099-01';
  const summary = '第 5 条：数据保存期限改为 3 年。';

  // The admin's console page: the list, then the form.
  const a = await session(t, 'admin', { locale: 'zh-CN' });
  await loginAsNewStaff(a, zh, { role: 'admin' });
  await a.submit(a.page.locator('ul.console-nav').getByRole('link', { name: Z('console.agreements') }), { label: 'console-agreements' });
  assert.equal(a.path(), '/console/agreements');
  await expectText(a.page.locator('#agreement-versions tbody tr[data-version="2026-01"]'), Z('agreement.in_force'));
  const form = formAt(a.page, '/console/agreements');
  // Typed in part, a past day: every field named, what was typed kept.
  await form.getByLabel(Z('agreement.version')).fill('2099-1');
  await form.getByLabel(Z('agreement.summary')).fill(summary);
  await form.getByLabel(Z('agreement.effective_on')).fill(shanghaiDay(-3));
  await a.submit(form.getByRole('button', { name: Z('console.publish_agreement') }), { status: 422, label: 'publish-refused' });
  await expectText(a.page.locator('#e-version'), Z('field.invalid_version'));
  await expectText(a.page.locator('#e-effective_at'), Z('field.date_in_past'));
  await expectText(a.page.locator('#e-text-zh'), Z('field.required'));
  await expectText(a.page.locator('#e-text-en'), Z('field.required'));
  assert.equal(await form.getByLabel(Z('agreement.summary')).inputValue(), summary);
  await form.getByLabel(Z('agreement.version')).fill(version);
  await form.getByLabel(Z('agreement.effective_on')).fill(shanghaiDay(2));
  await form.getByLabel(Z('console.agreement_text_zh')).fill('# 服务商协议\n\n## 5. 数据\n\n数据保存 3 年。');
  await form.getByLabel(Z('console.agreement_text_en')).fill('# Service Provider Agreement\n\n## 5. Data\n\nData is kept for 3 years.');
  await a.submit(form.getByRole('button', { name: Z('console.publish_agreement') }), { label: 'published' });
  await expectText(a.page.locator('main > .notice.success'), Z('notice.agreement_published'));
  await expectText(a.page.locator(`#agreement-versions tbody tr[data-version="${version}"]`), Z('agreement.upcoming'));
  await a.done();

  // The provider: the notice on the backend, with the summary and a link to read and accept.
  const s = await session(t, 'provider', { locale: 'zh-CN' });
  const p = s.page;
  await login(s, zh, provider.email, provider.password);
  await s.goto('/provider/products', { label: 'backend-notice' });
  const banner = p.locator('#agreement-due');
  await expectText(banner, version);
  await expectText(banner, summary);
  assert.deepEqual(machineWordsIn(await readableText(s), 'the backend with the agreement notice'), []);
  await s.submit(banner.getByRole('link', { name: Z('agreement.read_and_accept') }), { label: 'agreement-upcoming' });
  assert.equal(s.path(), `/agreements/${version}`);
  await expectText(p.locator('#agreement h2').first(), '5. 数据');
  await expectText(p.locator('#agreement-summary'), summary);
  await s.submit(p.getByRole('button', { name: Z('agreement.accept', { version }) }), { label: 'agreement-accepted' });
  await expectText(p.locator('main > .notice.success').first(), Z('notice.agreement_accepted'));
  assert.equal(await p.locator('#agreement-accept').count(), 0, 'no second acceptance offered');
  await expectText(p.locator('#agreement-accepted'), Z('agreement.accepted_on', { time: '' }).split('  ')[0]);

  // Accepted: the notice is gone; every version is listed.
  await s.goto('/provider/products', { label: 'backend-after' });
  assert.equal(await p.locator('#agreement-due').count(), 0);
  await s.goto('/agreements', { label: 'versions' });
  await expectText(p.locator(`#agreement-versions tr[data-version="${version}"]`), summary);
  await expectText(p.locator('#agreement-versions tr[data-version="2026-01"]'), Z('agreement.in_force'));
  await s.done();
});
