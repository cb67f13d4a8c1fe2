/**
 * The lip-sync acceptance: the instructor's page publishes a source that flashes white and
 * beeps at the same instant once a second; at a student page two hops down (host → relay →
 * student) the beep's onset and the flash's first displayed frame must come within −45…+125 ms
 * of each other (ITU-R BT.1359: sound at most 45 ms early, 125 ms late) at p5 and p95 over 20
 * events. Measured once Chromium has synchronised the two (its getStats A/V offset settled), as
 * a viewer would see it after the first seconds. The same measurement at depths 1–3 is
 * `npm run bench -- lipsync` (docs/benchmarks.md).
 */
import * as assert from 'uvu/assert';
import { pct } from '../../scripts/bench/proc-stats.js';
import { browserSuite } from '../helpers/browser-suite.js';
import { AUTOPLAY_ARG, canUseChromium, CHROMIUM_PATH, launchBrowser } from '../helpers/browser.js';
import { startDepth2Class } from '../helpers/depth2-class.js';
import { DETECT, FLASH_AND_BEEP, MAX_AUDIO_LAG_MS, MAX_AUDIO_LEAD_MS, onsets, pair, withinWindow } from '../helpers/flash-beep.js';
import { requireCapability } from '../helpers/require.js';
import { waitForSync } from '../helpers/sync-stats.js';

const { test, ctx } = browserSuite('flash and beep through a relay');

const EVENTS = 20;

test('at a student page two hops down, sound and picture of the same instant come within −45…+125 ms (p5/p95 of 20 events)', async () => {
  if (!requireCapability(`Chromium (${CHROMIUM_PATH})`, canUseChromium())) return;
  ctx.browser = await launchBrowser([AUTOPLAY_ARG]);
  const { student, player } = await startDepth2Class(ctx.cluster, ctx.browser, `${FLASH_AND_BEEP};${DETECT}`, DETECT, 1);
  const sync = await waitForSync(student, MAX_AUDIO_LAG_MS, MAX_AUDIO_LEAD_MS, 60_000);
  console.log(`    A/V offset (getStats) a second apart while syncing: ${sync.offsets.map((o) => o.toFixed(0)).join(' ')} ms${sync.converged ? '' : ' (not settled in 60 s)'}`);

  const { flashes, beeps } = await onsets(player.video, (EVENTS + 2) * 1000);
  const offsets = pair(flashes, beeps);
  const p5 = pct(offsets, 5);
  const p95 = pct(offsets, 95);
  console.log(`    ${flashes.length} flashes, ${beeps.length} beeps, ${offsets.length} paired; beep − flash p5 ${p5.toFixed(0)} ms, p50 ${pct(offsets, 50).toFixed(0)} ms, p95 ${p95.toFixed(0)} ms; ${withinWindow(offsets)} within the range; offsets ${offsets.map((o) => o.toFixed(0)).join(' ')}`);
  assert.ok(offsets.length >= EVENTS, `at least ${EVENTS} flashes each with its beep (${offsets.length} paired of ${flashes.length} flashes, ${beeps.length} beeps)`);
  assert.ok(p5 >= -MAX_AUDIO_LEAD_MS, `sound at most ${MAX_AUDIO_LEAD_MS} ms ahead of the picture at p5 (${p5.toFixed(0)} ms)`);
  assert.ok(p95 <= MAX_AUDIO_LAG_MS, `sound at most ${MAX_AUDIO_LAG_MS} ms behind the picture at p95 (${p95.toFixed(0)} ms)`);
});

test.run();
