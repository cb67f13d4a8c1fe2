/**
 * Recording from the instructor's page (docs/record.md): the instructor shares a folder, goes live
 * (Chromium's fake camera and microphone) and shares the screen (its fake screen capture), records
 * ~20 s and stops; the page shows both files and their sizes while recording; each file in
 * `recordings/` of the share (the camera's, and the screen's beside it) has VP8 and Opus (ffprobe)
 * and plays in Chromium to its end, seeking included, with the duration recorded (from the page
 * showing it recording to Stop, at most 1 s short; no longer than from Record to Saved).
 * @camvid-timeout-s 240
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import * as assert from 'uvu/assert';
import { browserSuite } from '../helpers/browser-suite.js';
import { canUseChromium, CHROMIUM_PATH, eventually, launchBrowser } from '../helpers/browser.js';
import { openClassPages } from '../helpers/class-pages.js';
import { PublisherView } from '../helpers/live-page.js';
import type { Browser } from 'playwright-core';
import { requireCapability } from '../helpers/require.js';

const { test, ctx } = browserSuite('recording in the browser');

test('record a 20 s live lecture from the page: the file is in the share, has VP8 + Opus and plays in Chromium to its end with the right duration', async () => {
  if (!requireCapability(`Chromium (${CHROMIUM_PATH})`, canUseChromium())) return;
  const share = path.join(ctx.cluster.dataDir(), 'course');
  mkdirSync(share);
  const browser = (ctx.browser = await launchBrowser());
  const { t, tRoom } = await openClassPages(ctx.cluster, browser);

  await tRoom.tab('files').click();
  await t.page.getByTestId('share-dir').fill(share);
  await t.page.getByTestId('share-button').click();
  await tRoom.tab('video').click();
  const publisher = new PublisherView(t.page);
  await publisher.start(30_000);
  await eventually(async () => /fps/.test((await publisher.stats.textContent()) ?? ''), 15_000);
  await publisher.shareScreen.click();
  await publisher.shareBadge.waitFor();

  await tRoom.tab('record').click();
  const recordAt = Date.now();
  await t.page.getByTestId('record-start').click();
  const state = t.page.getByTestId('record-state');
  await eventually(async () => (await state.getAttribute('data-recording')) === 'true', 10_000);
  const t0 = Date.now();
  await eventually(async () => /recordings\/.*\.webm · (?!0\.0 MB)[\d.]+ MB · [\d.]+ [MG]B free/.test((await state.textContent()) ?? ''), 15_000).catch(async (err: Error) => {
    throw new Error(`${err.message}: the page shows "${await state.textContent()}" ${await t.page.locator('recording-controls').textContent()}; the agents: ${ctx.cluster.agents.flatMap((a) => a.lines.filter((l) => /record|ffmpeg/i.test(l))).join(' | ')}`);
  });
  await eventually(async () => /recordings\/.*-screen\.webm · (?!0\.0 MB)[\d.]+ MB/.test((await t.page.getByTestId('record-screen').textContent()) ?? ''), 15_000);
  await t.page.waitForTimeout(Math.max(0, 20_000 - (Date.now() - t0)));
  const stopAt = Date.now();
  await t.page.getByTestId('record-stop').click();
  // "Saving …" while ffmpeg ends the files, then "Saved …" naming both
  await eventually(async () => (await state.getAttribute('data-recording')) === 'false' && /^Saved /.test((await state.textContent()) ?? ''), 20_000).catch(() => {});
  // The files hold at least from the page showing it recording to Stop, at most from Record to
  // the page showing them saved (the agent acts between those; on a loaded machine seconds apart).
  const seconds = { least: (stopAt - t0) / 1000, most: (Date.now() - recordAt) / 1000 };
  console.log(`    recording shown ${t0 - recordAt} ms after Record; saved ${Date.now() - stopAt} ms after Stop`);
  const [, rel, screenRel] = /Saved (recordings\/\S+\.webm) .* the shared screen (recordings\/\S+-screen\.webm)/.exec((await state.textContent()) ?? '') ?? [];
  assert.ok(rel && screenRel, `the page names both files: ${await state.textContent()}`);
  for (const [what, f] of [['camera', rel!], ['screen', screenRel!]] as const) await checkFile(browser, what, path.join(share, f), seconds);
  assert.equal(t.errors, []);
});

/** ffprobe reads VP8 + Opus; Chromium plays it to its end with the duration recorded (at most 1 s short), seeking included. */
async function checkFile(browser: Browser, what: string, file: string, seconds: { least: number; most: number }): Promise<void> {
  const probe = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration:stream=codec_name', '-of', 'json', file], { encoding: 'utf8' })) as {
    format: { duration: string };
    streams: { codec_name: string }[];
  };
  assert.equal(probe.streams.map((s) => s.codec_name).sort(), ['opus', 'vp8']);

  // Chromium plays it: its duration, a seek to the middle, and on to the end (at 4x).
  const player = await browser.newPage();
  await player.goto(`file://${file}`);
  const played = (await player.evaluate(`(async () => {
    const v = document.querySelector('video');
    if (v.readyState < 1) await new Promise((r) => v.addEventListener('loadedmetadata', r, { once: true }));
    const duration = v.duration;
    v.muted = true;
    v.currentTime = duration / 2;
    await new Promise((r) => v.addEventListener('seeked', r, { once: true }));
    const seekedTo = v.currentTime;
    v.playbackRate = 4;
    await v.play();
    await new Promise((r) => v.addEventListener('ended', r, { once: true }));
    return { duration, seekedTo, end: v.currentTime, width: v.videoWidth };
  })()`)) as { duration: number; seekedTo: number; end: number; width: number };
  console.log(`    ${what}: recorded ${seconds.least.toFixed(1)}-${seconds.most.toFixed(1)} s; ${played.width} px wide; ffprobe ${Number(probe.format.duration).toFixed(2)} s; Chromium ${played.duration.toFixed(2)} s, played to ${played.end.toFixed(2)} s`);
  assert.ok(played.duration >= seconds.least - 1 && played.duration <= seconds.most, `duration ${played.duration} s for ${seconds.least.toFixed(1)}-${seconds.most.toFixed(1)} s recorded`);
  assert.ok(Math.abs(played.seekedTo - played.duration / 2) < 1.5, `seeked to ${played.seekedTo}`);
  assert.ok(played.end >= played.duration - 0.5, 'played to its end');
  assert.ok(played.width > 0, 'a picture');
  await player.close();
}

test.run();
