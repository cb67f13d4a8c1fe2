/**
 * The path pickers (web-ui/path-picker.ts, `local-browse`): the instructor shares a folder and
 * picks a podcast file without typing a path. The dialog lists the real agent's folders (folders
 * first, no dot-folders, no files when a folder is wanted), goes up and into folders, says clearly
 * when a typed folder does not exist, and what is chosen fills the field that then works.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as assert from 'uvu/assert';
import { browserSuite } from '../helpers/browser-suite.js';
import { canUseChromium, CHROMIUM_PATH, eventually, launchBrowser, LoginView, openUi, RoomView } from '../helpers/browser.js';
import { requireCapability } from '../helpers/require.js';

const { test, ctx } = browserSuite('path pickers');

test('share a folder and pick a podcast file by browsing, not typing', async () => {
  if (!requireCapability(`Chromium (${CHROMIUM_PATH})`, canUseChromium())) return;
  const dir = ctx.cluster.dataDir();
  mkdirSync(path.join(dir, 'course', 'week 1'), { recursive: true });
  mkdirSync(path.join(dir, 'archive'));
  mkdirSync(path.join(dir, '.secret'));
  writeFileSync(path.join(dir, 'notes.txt'), 'x');
  writeFileSync(path.join(dir, 'course', 'syllabus.txt'), 'read me');
  writeFileSync(path.join(dir, 'course', 'lecture.mp3'), Buffer.alloc(3000));

  const teacher = await ctx.cluster.startUiAgent('teacher');
  const t = await openUi((ctx.browser = await launchBrowser()), teacher.url);
  await new LoginView(t.page).host({ name: 'Prof', password: 'pw' });
  const room = new RoomView(t.page);
  await room.tab('files').click();

  const files = room.panel('files');
  await files.getByTestId('path-browse').click();
  const dialog = files.getByTestId('path-dialog');
  await dialog.waitFor();
  const at = dialog.getByTestId('path-at');
  assert.is(await at.inputValue(), os.homedir(), 'an empty field opens the home folder');
  const entries = () => dialog.getByTestId('path-entry').allInnerTexts();

  // A folder that is not there: said, and the listing stays.
  await at.fill(path.join(dir, 'nope'));
  await dialog.getByTestId('path-go').click();
  await dialog.getByTestId('path-error').filter({ hasText: 'does not exist' }).waitFor();

  await at.fill(dir);
  await dialog.getByTestId('path-go').click();
  await dialog.getByTestId('path-entry').filter({ hasText: 'archive' }).waitFor();
  assert.equal((await entries()).map((e) => e.replace(/^\S+\s/, '').trim()), ['archive', 'course'], 'folders only, by name, no dot-folder');
  await dialog.getByTestId('path-entry').filter({ hasText: 'course' }).click();
  await dialog.getByTestId('path-entry').filter({ hasText: 'week 1' }).click();
  await dialog.getByTestId('path-up').click();
  await eventually(async () => (await at.inputValue()) === path.join(dir, 'course'));
  assert.equal((await entries()).map((e) => e.replace(/^\S+\s/, '').trim()), ['week 1'], 'up one folder: course again, its files not listed');
  await dialog.getByTestId('path-choose').click();
  await dialog.waitFor({ state: 'hidden' });
  assert.is(await files.getByTestId('share-dir').inputValue(), path.join(dir, 'course'));
  await files.getByTestId('share-button').click();
  await t.page.locator('[data-testid="file-entry"][data-name="syllabus.txt"]').waitFor({ timeout: 10_000 });

  // A file: the podcast's picker opens where its field points and lists files with their sizes.
  await room.tab('podcast').click();
  const podcast = room.panel('podcast');
  await podcast.getByTestId('podcast-file').fill(path.join(dir, 'course', 'syllabus.txt'));
  await podcast.getByTestId('path-browse').click();
  const fileDialog = podcast.getByTestId('path-dialog');
  await fileDialog.getByTestId('path-entry').filter({ hasText: 'lecture.mp3' }).waitFor();
  assert.is(await fileDialog.getByTestId('path-at').inputValue(), path.join(dir, 'course'), "a file's field opens its folder");
  assert.is(await fileDialog.getByTestId('path-choose').count(), 0, 'a file is picked by clicking it');
  assert.match(await fileDialog.getByTestId('path-entry').filter({ hasText: 'lecture.mp3' }).innerText(), /lecture\.mp3\s*3 KB/);
  await fileDialog.getByTestId('path-entry').filter({ hasText: 'lecture.mp3' }).click();
  await fileDialog.waitFor({ state: 'hidden' });
  assert.is(await podcast.getByTestId('podcast-file').inputValue(), path.join(dir, 'course', 'lecture.mp3'));
  assert.equal(t.errors, []);
});

test.run();
