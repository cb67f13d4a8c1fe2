/**
 * A student's Files tab, open before the instructor shares anything, says plainly that nothing is
 * shared yet (no red error), and shows the share within 1 s of the instructor starting it, without
 * the student touching the page.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as assert from 'uvu/assert';
import { browserSuite } from '../helpers/browser-suite.js';
import { canUseChromium, CHROMIUM_PATH, launchBrowser, LoginView, openUi, RoomView } from '../helpers/browser.js';
import { requireCapability } from '../helpers/require.js';

const { test, ctx } = browserSuite('a share started while a student looks');

test('the student’s open Files tab goes from "not sharing yet" to the listing within 1 s of the instructor’s Share', async () => {
  if (!requireCapability(`Chromium (${CHROMIUM_PATH})`, canUseChromium())) return;
  const share = path.join(ctx.cluster.dataDir(), 'course');
  mkdirSync(share);
  writeFileSync(path.join(share, 'syllabus.txt'), 'read me');

  const [teacher, student] = await Promise.all([ctx.cluster.startUiAgent('teacher'), ctx.cluster.startUiAgent('student')]);
  const browser = (ctx.browser = await launchBrowser());
  const t = await openUi(browser, teacher.url);
  await new LoginView(t.page).host({ name: 'Prof', password: 'a long classroom passphrase' });
  const tRoom = new RoomView(t.page);
  const address = (await tRoom.joinAddresses.first().textContent())!.trim();
  await tRoom.tab('files').click();
  await t.page.getByTestId('files-none').filter({ hasText: /not sharing a folder yet/ }).waitFor({ timeout: 10_000 });

  const s = await openUi(browser, student.url);
  await new LoginView(s.page).join({ name: 'Grace', password: 'a long classroom passphrase', address });
  const sRoom = new RoomView(s.page);
  await sRoom.rosterEntry('Grace').waitFor({ timeout: 15_000 });
  await sRoom.tab('files').click();
  await s.page.getByTestId('files-none').filter({ hasText: /instructor is not sharing a folder yet/ }).waitFor({ timeout: 10_000 });
  assert.is(await s.page.getByTestId('files-error').count(), 0, 'no share is no error');

  await t.page.getByTestId('share-dir').fill(share);
  const started = Date.now();
  await t.page.getByTestId('share-button').click();
  const row = s.page.locator('[data-testid="file-entry"][data-name="syllabus.txt"]');
  await row.waitFor({ timeout: 5_000 });
  const ms = Date.now() - started;
  console.log(`student's Files tab listed the new share ${ms} ms after the instructor pressed Share`);
  assert.ok(ms <= 1_000, `listed after ${ms} ms`);
  assert.is(await s.page.getByTestId('files-none').count(), 0);
  assert.equal(t.errors, []);
  assert.equal(s.errors, []);
});

test.run();
