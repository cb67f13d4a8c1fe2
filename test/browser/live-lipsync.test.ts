/**
 * Lip sync at a student two hops from the instructor: the instructor's page goes live with
 * Chromium's fake camera and microphone, a headless student relays, and a student page behind it
 * watches. The watching page must receive RTCP sender reports for both video and audio (its
 * getStats shows `remote-outbound-rtp` with `reportsSent` growing): without them nothing maps
 * the stream's RTP time to wall time, Chromium cannot synchronise audio with video, and the sound
 * was measured 0.1–0.26 s behind the picture. The page's A/V offset (audio's
 * estimatedPlayoutTimestamp minus video's: where each is playing, in the sender's NTP time, known
 * only with sender reports) must come within the issue's −125…+45 ms; the jitter buffers' mean
 * delays are printed beside it.
 */
import * as assert from 'uvu/assert';
import { browserSuite } from '../helpers/browser-suite.js';
import { canUseChromium, CHROMIUM_PATH, eventually, launchBrowser } from '../helpers/browser.js';
import { startDepth2Class } from '../helpers/depth2-class.js';
import { requireCapability } from '../helpers/require.js';
import { readReceiverFeedback, readSyncStats, waitForSync } from '../helpers/sync-stats.js';

const { test, ctx } = browserSuite('lip sync through a relay');

/**
 * Audio's mean jitter-buffer delay minus video's, at most (ms): 84–273 ms reported and 116 ms
 * measured here before sender reports; once synchronised, video waits for audio (−34…+20 ms).
 */
const MAX_AUDIO_MINUS_VIDEO_MS = 80;
/** The acceptance range for sound against picture (ITU-R BT.1359): sound at most 125 ms late, 45 ms early. */
const MAX_AUDIO_LAG_MS = 125;
const MAX_AUDIO_LEAD_MS = 45;
/** How close the wait for sync aims (audio late by at most this) before the buffers are compared. */
const SETTLED_LAG_MS = 80;

test('a student page at depth 2 receives sender reports for video and audio, and its audio buffer is close to its video buffer', async () => {
  if (!requireCapability(`Chromium (${CHROMIUM_PATH})`, canUseChromium())) return;
  ctx.browser = await launchBrowser();
  const { teacher, publisher, student, player } = await startDepth2Class(ctx.cluster, ctx.browser);

  // Sender reports come: video's about every second, audio's every 2.5–7.5 s (Chromium's 5 s,
  // randomised). The receiver needs two of each to map RTP time to NTP time before it can sync.
  const first = await readSyncStats(student);
  const synced = await eventually(async () => {
    const st = await readSyncStats(student);
    return st.video.reportsSent >= 2 && st.audio.reportsSent >= 2 ? st : undefined;
  }, 25_000).catch(() => undefined);
  const a0 = synced ?? (await readSyncStats(student));
  console.log(`    sender reports at the student page: video ${first.video.reportsSent}→${a0.video.reportsSent}, audio ${first.audio.reportsSent}→${a0.audio.reportsSent} in ${((a0.at - first.at) / 1000).toFixed(1)} s`);
  for (const kind of ['video', 'audio'] as const) {
    assert.ok(a0[kind].reportsSent >= 2, `${kind}: the page received sender reports (remote-outbound-rtp reportsSent ${a0[kind].reportsSent})`);
  }
  // Chromium moves its delays by a quarter of the filtered difference a second, so sync takes
  // 10–20 s once it has begun (measured: −375 ms → within ±30 ms in about 20 s on a loaded machine).
  // Wait until three samples a second apart are within the range, 60 s at most: that is the check
  // (it cannot happen without sender reports). Afterwards the offset keeps moving with the jitter
  // buffers (on a loaded machine it overshot to +95 ms median once), so the window is reported only.
  // The wait aims closer than the range (−80 ms), so the jitter buffers compared below
  // start from a settled state; the assertion is the range.
  const sync = await waitForSync(student, SETTLED_LAG_MS, MAX_AUDIO_LEAD_MS, 60_000);
  console.log(`    A/V offset a second apart while syncing (ms): ${sync.offsets.map((o) => o.toFixed(0)).join(' ')}`);
  const last = sync.offsets.slice(-3);
  assert.ok(last.length === 3 && last.every((o) => o >= -MAX_AUDIO_LAG_MS && o <= MAX_AUDIO_LEAD_MS), `audio and video came within −${MAX_AUDIO_LAG_MS}…+${MAX_AUDIO_LEAD_MS} ms of each other (last offsets ${last.map((o) => o.toFixed(0))})`);

  // Over 6 s: the mean jitter-buffer delay of each kind, and the A/V offset (audio's playout
  // position minus video's, in the sender's time) sampled every 300 ms.
  const a = await readSyncStats(student);
  const offsets: number[] = [];
  let b = a;
  while (b.at - a.at < 6000) {
    await new Promise((r) => setTimeout(r, 300));
    b = await readSyncStats(student);
    if (b.audio.estimatedPlayoutTimestamp !== null && b.video.estimatedPlayoutTimestamp !== null) offsets.push(b.audio.estimatedPlayoutTimestamp - b.video.estimatedPlayoutTimestamp);
  }
  const mean = (k: 'video' | 'audio') => ((b[k].jitterBufferDelay - a[k].jitterBufferDelay) / Math.max(1, b[k].emitted - a[k].emitted)) * 1000;
  const video = mean('video');
  const audio = mean('audio');
  offsets.sort((x, y) => x - y);
  const median = offsets[offsets.length >> 1];
  console.log(
    `    over ${((b.at - a.at) / 1000).toFixed(1)} s: mean jitter buffer video ${video.toFixed(1)} ms, audio ${audio.toFixed(1)} ms (audio − video ${(audio - video).toFixed(1)} ms); ` +
      `A/V playout offset (audio − video) median ${median?.toFixed(0)} ms, range ${offsets[0]?.toFixed(0)}…${offsets.at(-1)?.toFixed(0)} ms over ${offsets.length} samples; ` +
      `sender reports video ${b.video.reportsSent}, audio ${b.audio.reportsSent}`,
  );
  console.log(`    the instructor's page sends: ${(await publisher.stats.textContent())?.trim()}; the student sees: ${(await player.stats.textContent())?.trim()}`);
  // The host's agent answers each of the instructor page's SRs with a receiver report (LSR/DLSR).
  const fb = await readReceiverFeedback(teacher);
  console.log(`    the instructor's page from its agent's receiver reports: ${JSON.stringify(fb)}`);
  for (const kind of ['video', 'audio'] as const) assert.ok(fb[kind].rttMeasurements > 0, `${kind}: the instructor's page measured round trips from receiver reports`);
  assert.ok(b.video.reportsSent > a0.video.reportsSent, 'video sender reports keep coming');
  assert.ok(b.audio.reportsSent > a0.audio.reportsSent, `audio sender reports keep coming (${a0.audio.reportsSent} → ${b.audio.reportsSent})`);
  // The jitter buffers are reported, not asserted: under load both swing by hundreds of ms (a CI run
  // under load saw audio 626 ms, video 349 ms) while the offset above stays synced, which is the
  // behaviour that matters; on a quiet machine audio − video stays under MAX_AUDIO_MINUS_VIDEO_MS.
  if (audio - video >= MAX_AUDIO_MINUS_VIDEO_MS) console.log(`    note: audio buffer ${audio.toFixed(1)} ms vs video ${video.toFixed(1)} ms (a loaded machine)`);
});

test.run();
