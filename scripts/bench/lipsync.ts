/**
 * `npm run bench -- lipsync`: the acceptance measurement of sound against picture at a
 * student one, two and three hops from the instructor (through 0–2 relays), with real Chromium
 * pages on 127.0.0.1; the two-hop run in detail.
 *
 * The instructor's page publishes a synthetic camera and microphone instead of Chromium's fake
 * devices: a canvas (captureStream) that turns white, and a WebAudio oscillator that sounds, at
 * the same AudioContext instant once a second, for 120 ms. At the student's page each decoded
 * frame's luminance is read at requestVideoFrameCallback (a rising edge = a flash, stamped with
 * the frame's expectedDisplayTime) and the received audio goes through an AnalyserNode polled every
 * 2 ms (a rising RMS = a beep). Offset = beep − flash: positive when sound is late. The issue's
 * range is −45…+125 ms (ITU-R BT.1359), at the 5th and 95th percentiles over EVENTS events.
 * Measured after the page's A/V offset (getStats estimatedPlayoutTimestamp) has settled.
 * What it includes: everything end to end, the source page's own capture skew between canvas and
 * WebAudio too; the analyser sees audio slightly before the loudspeaker would (output latency).
 */
import type { Locator } from 'playwright-core';
import { Cluster } from '../../test/helpers/agents.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../test/helpers/browser.js';
import { startDepth2Class } from '../../test/helpers/depth2-class.js';
import { readSyncStats, waitForSync } from '../../test/helpers/sync-stats.js';
import { chromium } from 'playwright-core';
import { pct } from './proc-stats.js';

const EVENTS = 20;
const MAX_AUDIO_LAG_MS = 125;
const MAX_AUDIO_LEAD_MS = 45;

/** Replaces getUserMedia in the instructor's page: flash + beep once a second, at one AudioContext instant. */
const FLASH_AND_BEEP = `(() => {
  navigator.mediaDevices.getUserMedia = async () => {
    const canvas = document.createElement('canvas');
    canvas.width = 640;
    canvas.height = 360;
    const g = canvas.getContext('2d');
    const ac = new AudioContext({ latencyHint: 'interactive' });
    await ac.resume().catch(() => {});
    const osc = ac.createOscillator();
    osc.frequency.value = 1000;
    const gain = ac.createGain();
    gain.gain.value = 0;
    const dest = ac.createMediaStreamDestination();
    osc.connect(gain).connect(dest);
    osc.start();
    const PERIOD = 1, ON = 0.12;
    const start = ac.currentTime + 1;
    let next = start;
    setInterval(() => {
      const t = ac.currentTime;
      while (next < t + 0.5) {
        gain.gain.setValueAtTime(1, next);
        gain.gain.setValueAtTime(0, next + ON);
        next += PERIOD;
      }
      const phase = (((t - start) % PERIOD) + PERIOD) % PERIOD;
      g.fillStyle = t >= start && phase < ON ? '#fff' : '#000';
      g.fillRect(0, 0, 640, 360);
      g.fillStyle = '#333';
      g.fillRect((t * 200) % 600, 330, 30, 20);
    }, 4);
    const stream = new MediaStream([...canvas.captureStream(30).getVideoTracks(), ...dest.stream.getAudioTracks()]);
    window.__camvidSynthetic = { ac, osc, stream };
    return stream;
  };
})()`;

/**
 * Flash and beep onsets (performance.now() ms) at the watching page over `ms`: an init script that
 * defines `window.__camvidDetect(video, ms)` (source text, not a function passed to evaluate():
 * tsx's keepNames would wrap its inner arrow functions in a helper the page lacks).
 */
const DETECT = `window.__camvidDetect = async (v, ms) => {
  const ac = new AudioContext();
  await ac.resume().catch(() => {});
  const an = ac.createAnalyser();
  an.fftSize = 256;
  ac.createMediaStreamSource(v.srcObject).connect(an);
  const buf = new Float32Array(an.fftSize);
  const beeps = [];
  let loud = false;
  const poll = setInterval(() => {
    an.getFloatTimeDomainData(buf);
    let e = 0;
    for (const x of buf) e += x * x;
    const rms = Math.sqrt(e / buf.length);
    if (!loud && rms > 0.1) {
      loud = true;
      beeps.push(performance.now());
    } else if (loud && rms < 0.02) loud = false;
  }, 2);
  const c = document.createElement('canvas');
  c.width = 32;
  c.height = 18;
  const g = c.getContext('2d', { willReadFrequently: true });
  const flashes = [];
  let bright = false;
  let stop = false;
  const onFrame = (_now, meta) => {
    if (stop) return;
    g.drawImage(v, 0, 0, 32, 18);
    const d = g.getImageData(0, 0, 32, 18).data;
    let s = 0;
    for (let i = 0; i < d.length; i += 4) s += d[i] + d[i + 1] + d[i + 2];
    const lum = s / (3 * 32 * 18);
    if (!bright && lum > 128) {
      bright = true;
      flashes.push(meta.expectedDisplayTime);
    } else if (bright && lum < 64) bright = false;
    v.requestVideoFrameCallback(onFrame);
  };
  v.requestVideoFrameCallback(onFrame);
  await new Promise((r) => setTimeout(r, ms));
  stop = true;
  clearInterval(poll);
  await ac.close();
  return { flashes, beeps };
};`;

function onsets(video: Locator, ms: number): Promise<{ flashes: number[]; beeps: number[] }> {
  return video.evaluate((v, ms) => (window as unknown as { __camvidDetect(v: Element, ms: number): Promise<{ flashes: number[]; beeps: number[] }> }).__camvidDetect(v, ms), ms);
}

/** beep − flash for each flash with a beep within 500 ms (ms). */
function pair(flashes: number[], beeps: number[]): number[] {
  const out: number[] = [];
  for (const f of flashes) {
    const near = beeps.reduce<number | null>((best, b) => (Math.abs(b - f) < 500 && (best === null || Math.abs(b - f) < Math.abs(best - f)) ? b : best), null);
    if (near !== null) out.push(near - f);
  }
  return out;
}

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
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, '--autoplay-policy=no-user-gesture-required'] });
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
const within = (offsets: number[]) => offsets.filter((o) => o >= -MAX_AUDIO_LEAD_MS && o <= MAX_AUDIO_LAG_MS).length;

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
    `The instructor's page publishes a canvas that flashes white and a WebAudio oscillator that beeps at the same AudioContext instant once a second; the student's page stamps each flash at requestVideoFrameCallback (expectedDisplayTime of the first bright frame) and each beep with an AnalyserNode polled every 2 ms. Offset = beep − flash (positive: sound late); the issue asks for −${MAX_AUDIO_LEAD_MS}…+${MAX_AUDIO_LAG_MS} ms at p5/p95 over ${EVENTS} events, measured once Chromium's A/V offset (getStats) has settled. "At the source": the same detector on the source's own stream in the instructor's page (the skew of the synthetic source and of the detector itself, no network).`,
    '',
    '| depth | events paired | beep − flash p5 / p50 / p95, ms | within −45…+125 ms | at the source p50, ms | getStats A/V offset while syncing, ms | jitter buffer video / audio, mean ms | sender reports video / audio |',
    '|---|---|---|---|---|---|---|---|',
    ...runs.map(row),
    '',
    `Two hops in detail: ${line}; offsets, ms: ${o.map(f0).join(' ')}.`,
  ].join('\n');
}
