// Issue 14, the reason library and appeals in a browser: a reviewer returns a verification with
// a reason from the library (ticked, with a note); the applicant reads it in their own language
// on their move-in page, appeals with a message and a document; the appeal is back in the queue,
// marked; the reviewer answers it; the applicant reads the answer in the thread.

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { RUN, closeBrowser, expectText, login, loginAsNewStaff, pdfBytes, session, tr } from '../lib.mjs';
import { submittedCompany } from '../console.mjs';

after(closeBrowser);

test('a reviewer returns with a library reason; the applicant reads it in Chinese, appeals, and reads the answer', async (t) => {
  const c = await submittedCompany('appeal', { sameAsLegalRep: true });
  const en = (key, params) => tr('en', key, params);
  const zh = (key, params) => tr('zh-CN', key, params);

  // The reviewer works in English.
  const op = await session(t, 'reviewer', { locale: 'en' });
  await loginAsNewStaff(op, 'en');
  const p = op.page;
  await op.goto(`/console/items/${c.item.id}`, { label: 'item' });
  const choice = p.locator('#rc-licence_illegible');
  await expectText(p.locator('label[for="rc-licence_illegible"]'), 'The business licence photo is not legible; upload a clear, complete photo.');
  await choice.check();
  await p.locator('#rn-licence_illegible').fill(`(${RUN})`);
  await op.submit(p.getByRole('button', { name: en('console.reject'), exact: true }), { label: 'returned' });
  await expectText(p.locator('main h1 .badge'), en('decision.rejected'));

  // The applicant's account speaks Chinese: the reason is in Chinese on the move-in page.
  const holder = await session(t, 'applicant', { locale: 'zh-CN' });
  await login(holder, 'zh-CN', c.email, c.password);
  await holder.goto('/move-in', { label: 'move-in' });
  const step = holder.page.locator('#step-enterprise_verification');
  await expectText(step.locator('.reasons li').first(), `营业执照照片不清晰，请上传清晰完整的照片。 (${RUN})`);
  await holder.submit(step.getByRole('link', { name: zh('appeal.link') }), { label: 'appeal-page' });
  assert.match(holder.path(), /^\/move-in\/reviews\//);

  // The appeal: a message that is missing is named; then message and document.
  const form = holder.page.locator('main form[enctype="multipart/form-data"]');
  await holder.submit(form.getByRole('button', { name: zh('appeal.send') }), { status: 422, label: 'appeal-empty' });
  await expectText(holder.page.locator('#e-message'), zh('field.required'));
  await holder.page.locator('#f-message').fill(`执照照片是清晰的，请查看原图 ${RUN}`);
  await holder.page.locator('#f-file').setInputFiles({ name: 'licence-full.pdf', mimeType: 'application/pdf', buffer: pdfBytes('Full licence') });
  await holder.submit(form.getByRole('button', { name: zh('appeal.send') }), { label: 'appealed' });
  await expectText(holder.page.locator('.thread-appeal .message'), `执照照片是清晰的，请查看原图 ${RUN}`);
  assert.equal(await holder.page.getByRole('button', { name: zh('appeal.send') }).count(), 0, 'once per decision');

  // Back in the queue, marked as an appeal; the reviewer answers it.
  await op.goto('/console?appeal=1#queue', { label: 'appeals' });
  const row = p.locator('table.queue tbody tr').filter({ hasText: c.company });
  await expectText(row.locator('.badge-appeal'), en('console.appeal'));
  await op.submit(row.getByRole('link', { name: en('console.open') }), { label: 'appeal-item' });
  await expectText(p.locator('.thread-appeal .message'), `执照照片是清晰的，请查看原图 ${RUN}`);
  await p.locator('#f-reply').fill(`Checked the full scan, thank you (${RUN}).`);
  await op.submit(p.getByRole('button', { name: en('console.approve'), exact: true }), { label: 'approved' });
  await expectText(p.locator('main h1 .badge'), en('decision.approved'));

  // The applicant reads the answer.
  await holder.goto(holder.path(), { label: 'answered' });
  await expectText(holder.page.locator('.thread-reply .message'), `Checked the full scan, thank you (${RUN}).`);
  await expectText(holder.page.locator('main h1 .badge'), zh('decision.approved'));
  await holder.done();
  await op.done();
});

test('an admin keeps the reason library and reads the report, charts beside their tables', async (t) => {
  const en = (key, params) => tr('en', key, params);
  const admin = await session(t, 'admin', { locale: 'en' });
  await loginAsNewStaff(admin, 'en', { role: 'admin' });
  const p = admin.page;
  await admin.goto('/console/reasons', { label: 'library' });
  const add = p.locator('main form.add-entry');
  await add.getByLabel(en('console.reason_kind')).selectOption('product');
  await add.getByLabel(en('console.reason_code'), { exact: true }).fill(`shots_${RUN}`.toLowerCase().replace(/[^a-z0-9_]/g, '_'));
  await add.getByLabel(en('console.text_zh')).fill('缺少产品截图。');
  await admin.submit(add.getByRole('button', { name: en('console.add') }), { status: 422, label: 'add-refused' });
  await expectText(p.locator('.error-summary a[href="#f-text_en"]'), en('field.required'));
  await p.locator('#f-text_en').fill('Screenshots of the product are missing.');
  await admin.submit(p.locator('main form.add-entry').getByRole('button', { name: en('console.add') }), { label: 'added' });
  await expectText(p.locator('main'), 'Screenshots of the product are missing.');

  await admin.goto('/console/report', { label: 'report' });
  assert.equal(await p.locator('main svg[role="img"]').count(), 2, 'two charts');
  assert.equal(await p.locator('main svg title#c1t').textContent(), en('report.per_day'));
  assert.ok((await p.locator('#kinds-table tbody tr').count()) >= 5, 'the numbers beside the charts');
  const csv = await p.request.get(new URL(await p.locator('a[download]').getAttribute('href'), p.url()).href);
  assert.equal(csv.status(), 200);
  assert.match(csv.headers()['content-type'], /^text\/csv/);
  await admin.done();
});
