/**
 * `npm run bench -- lipsync`: the acceptance measurement of sound against picture at a
 * student one, two and three hops from the instructor (through 0–2 relays), with real Chromium
 * pages on 127.0.0.1; the two-hop run in detail.
 *
 * The source and the detector are test/helpers/flash-beep.ts (the `live-flash-beep` browser test
 * asserts the same range at depth 2); offsets at p5/p95 over EVENTS events.
 * Measured after the page's A/V offset (getStats estimatedPlayoutTimestamp) has settled.
 * What it includes: everything end to end, the source page's own capture skew between canvas and
 * WebAudio too; the analyser sees audio slightly before the loudspeaker would (output latency).
 */
import { Cluster } from '../../test/helpers/agents.js';
import { AUTOPLAY_ARG, launchBrowser } from '../../test/helpers/browser.js';
import { startDepth2Class } from '../../test/helpers/depth2-class.js';
import { DETECT, FLASH_AND_BEEP, MAX_AUDIO_LAG_MS, MAX_AUDIO_LEAD_MS, onsets, pair, withinWindow } from '../../test/helpers/flash-beep.js';
import { readSyncStats, waitForSync } from '../../test/helpers/sync-stats.js';
import { pct } from './proc-stats.js';

const EVENTS = 20;

interface DepthRun {
  depth: number;
  offsets: number[];
  flashes: number;
  beeps: number;
  local: number[];
  sync: { offsets: number[]; converged: boolean };
  jb: { video: number; audio: number };
  reports: { video: number; audio: number };
}

/** One class with the watching page `depth` hops down: the onsets there and at the source. */
async function measureAt(depth: number): Promise<DepthRun> {
  const browser = await launchBrowser([AUTOPLAY_ARG]);
  const cluster = new Cluster();
  try {
    const { teacher, student, player } = await startDepth2Class(cluster, browser, `${FLASH_AND_BEEP};${DETECT}`, DETECT, depth - 1);
    const sync = await waitForSync(student, MAX_AUDIO_LAG_MS, MAX_AUDIO_LEAD_MS, 60_000);
    console.log(`depth ${depth}: A/V offset (getStats) a second apart while syncing: ${sync.offsets.map((o) => o.toFixed(0)).join(' ')} ms`);
    const before = await readSyncStats(student);
    const { flashes, beeps } = await onsets(player.video, (EVENTS + 2) * 1000);
    const after = await readSyncStats(student);
    // The same detector on the source's own stream, played in the instructor's page: the skew the
    // source and the detector make by themselves (capture, WebAudio, an analyser against rVFC).
    await teacher.evaluate(() => {
      const v = document.createElement('video');
      v.id = 'camvid-local-check';
      v.muted = true;
      v.srcObject = (window as unknown as { __camvidSynthetic: { stream: MediaStream } }).__camvidSynthetic.stream;
      document.body.append(v);
      return v.play();
    });
    const local = await onsets(teacher.locator('#camvid-local-check'), 12_000);
    const jb = (k: 'video' | 'audio') => ((after[k].jitterBufferDelay - before[k].jitterBufferDelay) / Math.max(1, after[k].emitted - before[k].emitted)) * 1000;
    const run = { depth, offsets: pair(flashes, beeps), flashes: flashes.length, beeps: beeps.length, local: pair(local.flashes, local.beeps), sync, jb: { video: jb('video'), audio: jb('audio') }, reports: { video: after.video.reportsSent, audio: after.audio.reportsSent } };
    console.log(`depth ${depth}: offsets ${run.offsets.map((o) => Math.round(o)).join(' ')}; at the source ${run.local.map((o) => Math.round(o)).join(' ')}`);
    return run;
  } finally {
    await browser.close();
    await cluster.close();
  }
}

const f0 = (x: number) => Math.round(x);
const within = withinWindow;

function row(r: DepthRun): string {
  const o = r.offsets;
  const stats = o.length ? `${f0(pct(o, 5))} / ${f0(pct(o, 50))} / ${f0(pct(o, 95))}` : '–';
  return `| ${r.depth} | ${o.length} (${r.flashes} flashes, ${r.beeps} beeps) | ${stats} | ${within(o)} of ${o.length} | ${r.local.length ? f0(pct(r.local, 50)) : '–'} | ${r.sync.offsets.map(f0).join(' ')}${r.sync.converged ? '' : ' (not settled in 60 s)'} | ${f0(r.jb.video)} / ${f0(r.jb.audio)} | ${r.reports.video} / ${r.reports.audio} |`;
}

export async function benchLipsync(): Promise<string> {
  const runs: DepthRun[] = [];
  for (const depth of [1, 2, 3]) runs.push(await measureAt(depth));
  const two = runs[1]!;
  const o = two.offsets;
  const line = o.length
    ? `${o.length} events paired (of ${two.flashes} flashes, ${two.beeps} beeps): beep − flash p5 ${f0(pct(o, 5))} ms, p50 ${f0(pct(o, 50))} ms, p95 ${f0(pct(o, 95))} ms, min ${f0(Math.min(...o))}, max ${f0(Math.max(...o))}; ${within(o)} of ${o.length} within −${MAX_AUDIO_LEAD_MS}…+${MAX_AUDIO_LAG_MS} ms`
    : `no event paired (${two.flashes} flashes, ${two.beeps} beeps)`;
  return [
    'Sound against picture at a student page one, two and three hops from the instructor (host → 0–2 relays → student agent → page; fan-out 1), real Chromium pages on 127.0.0.1, a class of its own for each depth.',
    `The instructor's page publishes a canvas that flashes white and a WebAudio oscillator that beeps once a second, both switched in the same tick of the page's clock and each captured at its first chance (the canvas frame by frame); the student's page stamps each flash at requestVideoFrameCallback (expectedDisplayTime of the first bright frame) and each beep with an AnalyserNode polled every 2 ms. Offset = beep − flash (positive: sound late); the issue asks for −${MAX_AUDIO_LEAD_MS}…+${MAX_AUDIO_LAG_MS} ms at p5/p95 over ${EVENTS} events, measured once Chromium's A/V offset (getStats) has settled. "At the source": the same detector on the source's own stream in the instructor's page (the skew of the synthetic source and of the detector itself, no network).`,
    '',
    '| depth | events paired | beep − flash p5 / p50 / p95, ms | within −45…+125 ms | at the source p50, ms | getStats A/V offset while syncing, ms | jitter buffer video / audio, mean ms | sender reports video / audio |',
    '|---|---|---|---|---|---|---|---|',
    ...runs.map(row),
    '',
    `Two hops in detail: ${line}; offsets, ms: ${o.map(f0).join(' ')}.`,
  ].join('\n');
}
