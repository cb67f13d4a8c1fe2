/**
 * Frame rates and repeated frames, the part of `npm run bench -- media` that needs Chromium: the
 * instructor's page sends the stamped source (glass-page.ts, 1280×720 at 30 fps, painted by a
 * timer) down the glass chain host → S1 → S2 → S3; over 20 s it reports what the source captured
 * and what the encoder made of it per simulcast layer (getStats media-source and outbound-rtp),
 * and at each student page what arrived, was decoded and shown (inbound-rtp and
 * requestVideoFrameCallback), with the repeats the issue saw: a picture shown again (the same
 * stamp as the frame before), and a frame whose RTP timestamp is at most 5 ms after the one
 * before (a picture re-sent "1 ms later"; at 30 fps frames are ~33 ms apart).
 */
import type { Browser, Page } from 'playwright-core';
import { Cluster } from '../../test/helpers/agents.js';
import { AUTOPLAY_ARG, launchBrowser } from '../../test/helpers/browser.js';
import { PlayerView } from '../../test/helpers/live-page.js';
import { DEPTHS, type G, pageBundle, startGlassChain, watch } from './glass-chain.js';
import type { Reading } from './glass-page.js';

const FPS = 30;
/** CAMVID_FPS_SIZE=640x360: another camera size (a probe; the doc's section is 1280x720) */
const [WIDTH, HEIGHT] = (process.env.CAMVID_FPS_SIZE ?? '1280x720').split('x').map(Number) as [number, number];
/** camera-like first, then the worst case (glass-page.ts `SourceOptions.picture`) */
const PICTURES = ['motion', 'noise'] as const;
const WARMUP_MS = 8_000;
const MEASURE_MS = 20_000;
/** RTP video clock: 90 kHz; a frame at most this many ticks after the one before is a re-send */
const NEAR_TICKS = 5 * 90;

type Counters = Record<string, number>;

/** Video counters from the page's connected RTCPeerConnections: `out:<rid>:<stat>`, `in:<stat>`, `src:<stat>`. */
function readFrameStats(page: Page): Promise<Counters> {
  return page.evaluate(async () => {
    // no named inner functions here: tsx's keepNames would wrap them in a helper the page lacks
    const out: Record<string, number> = {};
    const wanted: [string, string, string[]][] = [
      ['media-source', 'src', ['frames']],
      ['outbound-rtp', 'out', ['framesEncoded', 'framesSent', 'keyFramesEncoded', 'bytesSent', 'pliCount', 'nackCount']],
      ['inbound-rtp', 'in', ['framesReceived', 'framesDecoded', 'framesDropped', 'keyFramesDecoded', 'bytesReceived', 'pliCount', 'nackCount', 'packetsLost']],
    ];
    for (const pc of (window as unknown as { __camvidPcs?: RTCPeerConnection[] }).__camvidPcs ?? []) {
      if (pc.connectionState !== 'connected') continue;
      (await pc.getStats()).forEach((s: Record<string, unknown>) => {
        if (s.type === 'candidate-pair' && s.nominated && typeof s.availableOutgoingBitrate === 'number') out['available'] = Math.max(out['available'] ?? 0, s.availableOutgoingBitrate);
        if (s.kind !== 'video') return;
        for (const [type, prefix, keys] of wanted) {
          if (s.type !== type) continue;
          // a layer by its SSRC (SSRC simulcast: no rid); its current width and what limits it beside
          const at = prefix === 'out' ? `out:${String(s.ssrc)}:` : `${prefix}:`;
          if (prefix === 'out') {
            out[`${at}frameWidth`] = Number(s.frameWidth ?? 0);
            const d = (s.qualityLimitationDurations ?? {}) as Record<string, number>;
            for (const r of ['cpu', 'bandwidth']) out[`${at}limited-${r}`] = d[r] ?? 0;
          }
          for (const k of keys) if (typeof s[k] === 'number') out[at + k] = (out[at + k] ?? 0) + (s[k] as number);
        }
      });
    }
    return out;
  });
}

const rate = (a: Counters, b: Counters, k: string, secs: number) => ((b[k] ?? 0) - (a[k] ?? 0)) / secs;

/** Pictures shown again, and frames whose RTP timestamp is within NEAR_TICKS of the one before. */
export function repeats(r: Pick<Reading, 'frames'>): { picture: number; nearRtp: number } {
  let picture = 0;
  let nearRtp = 0;
  for (let i = 1; i < r.frames.length; i++) {
    const [a, b] = [r.frames[i - 1]!, r.frames[i]!];
    if (a.stamp !== null && a.stamp === b.stamp) picture++;
    if (a.rtp !== null && b.rtp !== null && ((b.rtp - a.rtp) >>> 0) <= NEAR_TICKS) nearRtp++;
  }
  return { picture, nearRtp };
}

async function measureChain(browser: Browser, bundle: string, picture: (typeof PICTURES)[number]): Promise<{ source: string; rows: string[] }> {
  const cluster = new Cluster();
  const contexts: { close(): Promise<void> }[] = [];
  try {
    const { teacher, students } = await startGlassChain(cluster, browser, bundle, { width: WIDTH, height: HEIGHT, fps: FPS, picture }, contexts);
    await new Promise((r) => setTimeout(r, WARMUP_MS));
    const pages = [teacher, ...students];
    const painted = () => teacher.evaluate(() => (window as unknown as G).camvidGlass.paints());
    const before = await Promise.all(pages.map(readFrameStats));
    const p0 = await painted();
    const t0 = performance.now();
    const readings = await Promise.all(students.map((p) => watch(new PlayerView(p).video, MEASURE_MS)));
    const after = await Promise.all(pages.map(readFrameStats));
    const paintedFps = ((await painted()) - p0) / ((performance.now() - t0) / 1000);
    const secs = (performance.now() - t0) / 1000;
    const [tb, ta] = [before[0]!, after[0]!];
    const ssrcs = [...new Set(Object.keys(ta).filter((k) => k.startsWith('out:')).map((k) => k.split(':')[1]!))];
    ssrcs.sort((x, y) => (ta[`out:${x}:frameWidth`] ?? 0) - (ta[`out:${y}:frameWidth`] ?? 0));
    const f1 = (x: number) => x.toFixed(1);
    const share = (k: string) => `${Math.round(rate(tb, ta, k, secs) * 100)} %`;
    const layers = ssrcs
      .map((l) => `${ta[`out:${l}:frameWidth`] || '–'} wide  ${f1(rate(tb, ta, `out:${l}:framesEncoded`, secs))} fps encoded, ${f1(rate(tb, ta, `out:${l}:framesSent`, secs))} sent, ${Math.round((rate(tb, ta, `out:${l}:bytesSent`, secs) * 8) / 1000)} kbit/s, ${Math.round(rate(tb, ta, `out:${l}:keyFramesEncoded`, secs) * secs)} key (${Math.round(rate(tb, ta, `out:${l}:pliCount`, secs) * secs)} PLI), limited by CPU ${share(`out:${l}:limited-cpu`)} / bandwidth ${share(`out:${l}:limited-bandwidth`)} of the time`)
      .join('; ');
    const rows = students.map((_, i) => {
      const [a, b, r] = [before[i + 1]!, after[i + 1]!, readings[i]!];
      const rep = repeats(r);
      const widths = new Map<number, number>();
      for (const f of r.frames) widths.set(f.width, (widths.get(f.width) ?? 0) + 1);
      const width = [...widths].sort((x, y) => y[1] - x[1])[0]?.[0] ?? 0;
      const n = (k: string) => Math.round(rate(a, b, `in:${k}`, secs) * secs);
      return `| ${picture} | ${DEPTHS[i]} | ${width} | ${Math.round((rate(a, b, 'in:bytesReceived', secs) * 8) / 1000)} | ${n('packetsLost')} / ${n('nackCount')} / ${n('pliCount')} | ${f1(rate(a, b, 'in:framesReceived', secs))} | ${f1(rate(a, b, 'in:framesDecoded', secs))} | ${f1(r.frames.length / secs)} | ${Math.round(rate(a, b, 'in:framesDropped', secs) * secs)} | ${rep.picture} | ${rep.nearRtp} |`;
    });
    for (const r of rows) console.log(r);
    const source = `- ${picture}: painted ${f1(paintedFps)} frames/s, captured ${f1(rate(tb, ta, 'src:frames', secs))} frames/s; the page may send ${Math.round((ta['available'] ?? 0) / 1000)} kbit/s at the end; ${layers || 'no outbound-rtp'}.`;
    console.log(source);
    return { source, rows };
  } finally {
    for (const c of contexts) await c.close().catch(() => {});
    await cluster.close();
  }
}

export async function benchFrameRates(): Promise<string> {
  const bundle = await pageBundle();
  const browser = await launchBrowser([AUTOPLAY_ARG]);
  const runs: { source: string; rows: string[] }[] = [];
  try {
    for (const picture of PICTURES) runs.push(await measureChain(browser, bundle, picture));
  } finally {
    await browser.close();
  }
  return [
    `Frame rates along host → S1 → S2 → S3 (fan-out 1), real Chromium pages (one Chromium, software rendering, on this machine's 2 cores with the 4 agents): the instructor's page sends a canvas painted ${FPS} times a second by a timer, ${WIDTH}×${HEIGHT} in three VP8 simulcast layers, with the glass bench's time stamp in its upper half; its lower half is "motion" (six discs gliding over a still gradient, what a camera's encoder mostly sees) or "noise" (60 rectangles of random colours at random places each frame, the worst case). ${MEASURE_MS / 1000} s after an ${WARMUP_MS / 1000} s warm-up, a new class for each.`,
    'The instructor\'s page (getStats media-source and outbound-rtp per layer; "may send" is availableOutgoingBitrate, the agent\'s REMB or the page\'s own estimate if lower; "limited" is qualityLimitationDurations over the window):',
    '',
    ...runs.map((r) => r.source),
    '',
    'At each student page: kbit/s, lost, NACKs, PLIs, received, decoded and dropped are getStats inbound-rtp; shown is requestVideoFrameCallback (the page also reads each frame\'s stamp, which costs it CPU); "picture again" counts frames shown with the same stamp as the frame before; "RTP ≤ 5 ms" counts frames whose RTP timestamp is at most 5 ms after the frame before (the issue\'s duplicates: the same picture re-sent 1 ms later).',
    '',
    '| picture | depth | width shown | kbit/s | lost / NACKs / PLIs sent | received fps | decoded fps | shown fps | dropped | picture again | RTP ≤ 5 ms after the one before |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...runs.flatMap((r) => r.rows),
  ].join('\n');
}
