import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { Cluster } from '../helpers/agents.js';
import { canUseChromium, CHROMIUM_PATH, launchBrowser, LoginView, openUi, RoomView } from '../helpers/browser.js';
import { requireCapability } from '../helpers/require.js';

const test = suite('files in the browser');
let cluster: Cluster;
let browser: Browser | null = null;
let dir: string;
test.before.each(() => {
  cluster = new Cluster();
  dir = mkdtempSync(path.join(os.tmpdir(), 'camvid-files-ui-'));
});
test.after.each(async () => {
  await browser?.close();
  browser = null;
  await cluster.close();
  rmSync(dir, { recursive: true, force: true });
});

test('the instructor shares a folder in the UI; a student navigates into a folder, downloads a file and hands one in, byte for byte', async () => {
  if (!requireCapability(`Chromium (${CHROMIUM_PATH})`, canUseChromium())) return;
  const share = path.join(dir, 'course');
  mkdirSync(path.join(share, 'week 1'), { recursive: true });
  const bytes = randomBytes(3 * 1024 * 1024 + 123);
  writeFileSync(path.join(share, 'week 1', 'slides.pdf'), bytes);
  writeFileSync(path.join(share, 'syllabus.txt'), 'read me');
  mkdirSync(path.join(share, '.git'));
  writeFileSync(path.join(share, '.git', 'config'), '[core]'); // not shared: "include dot-files" is left off

  const [teacher, student] = await Promise.all([cluster.startUiAgent('teacher'), cluster.startUiAgent('student')]);
  browser = await launchBrowser();
  const t = await openUi(browser, teacher.url);
  await new LoginView(t.page).host({ name: 'Prof', password: 'pw' });
  const tRoom = new RoomView(t.page);
  const address = (await tRoom.joinAddresses.first().textContent())!.trim();
  await tRoom.tab('files').click();
  await t.page.getByTestId('share-dir').fill(share);
  await t.page.getByTestId('share-button').click();
  await t.page.locator('[data-testid="file-entry"][data-name="week 1"]').waitFor({ timeout: 10_000 });

  const s = await openUi(browser, student.url);
  await new LoginView(s.page).join({ name: 'Grace', password: 'pw', address });
  const sRoom = new RoomView(s.page);
  await sRoom.rosterEntry('Grace').waitFor({ timeout: 15_000 });
  await sRoom.tab('files').click();
  const rows = s.page.getByTestId('file-entry');
  await rows.first().waitFor({ timeout: 10_000 });
  assert.equal(await rows.evaluateAll((els) => els.map((e) => `${e.getAttribute('data-kind')}:${e.getAttribute('data-name')}`)), ['dir:week 1', 'file:syllabus.txt'], 'folders first, no .git');
  await s.page.locator('[data-testid="file-entry"][data-name="week 1"]').getByTestId('open-folder').click();
  const slides = s.page.locator('[data-testid="file-entry"][data-name="slides.pdf"]');
  await slides.waitFor({ timeout: 10_000 });
  assert.match((await s.page.getByTestId('breadcrumbs').textContent()) ?? '', /Shared folder\s*\/\s*week 1/);
  await slides.getByTestId('download').click();
  const done = slides.getByTestId('download-done');
  await done.waitFor({ timeout: 60_000 });
  const out = (await done.getAttribute('title'))!;
  const dataDir = student.agent.child.spawnargs[student.agent.child.spawnargs.indexOf('--data') + 1]!;
  assert.ok(out.startsWith(dataDir), `saved inside the agent's folder: ${out}`);
  assert.ok(readFileSync(out).equals(bytes), 'the downloaded bytes are the shared bytes');
  // …and offered to the browser: a normal download from the agent, through the browser's own handler.
  const [saved] = await Promise.all([s.page.waitForEvent('download'), slides.getByTestId('save-file').click()]);
  assert.is(saved.suggestedFilename(), 'slides.pdf');
  assert.ok(readFileSync((await saved.path())!).equals(bytes), 'the browser saved the shared bytes');

  // Hand a file in from the browser; the instructor sees it arrive, and the bytes are on its disk.
  const homework = path.join(dir, 'homework.txt');
  const handed = randomBytes(200_000);
  writeFileSync(homework, handed);
  await s.page.getByTestId('hand-in-file').setInputFiles(homework);
  await s.page.getByTestId('hand-in-button').click();
  // As long as the download's wait: the hand-in opens a direct edge to the host first (retried when
  // libdatachannel fails one), which a loaded machine slows down. On failure, say what the page said.
  const status = s.page.getByTestId('hand-in-status');
  await status
    .filter({ hasText: 'Handed in: Grace/homework.txt' })
    .waitFor({ timeout: 60_000 })
    .catch(async (err: Error) => {
      throw new Error(`${err.message.split('\n')[0]}; the page says: ${await status.textContent().catch(() => '(nothing)')}`);
    });
  const entry = t.page.getByTestId('upload-entry').filter({ hasText: 'Grace: homework.txt' });
  await entry.waitFor({ timeout: 10_000 });
  const teacherData = teacher.agent.child.spawnargs[teacher.agent.child.spawnargs.indexOf('--data') + 1]!;
  const stored = path.join(teacherData, 'uploads', `Grace-${student.agent.peerId()}`, 'homework.txt');
  assert.ok(readFileSync(stored).equals(handed), 'the handed-in bytes');
  // The instructor's list says when and where, and saves a copy through the browser.
  assert.ok(((await entry.textContent()) ?? '').includes(stored), 'where it is on disk');
  assert.ok(await entry.locator('time').count(), 'when it arrived');
  const [copy] = await Promise.all([t.page.waitForEvent('download'), entry.getByTestId('upload-save').click()]);
  assert.ok(readFileSync((await copy.path())!).equals(handed), 'the browser saved the handed-in bytes');
  await s.page.screenshot({ path: '/tmp/camvid-files.png' });
  assert.equal(t.errors, []);
  assert.equal(s.errors, []);
});

test.run();
