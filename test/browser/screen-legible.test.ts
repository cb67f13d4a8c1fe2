/**
 * Text on a shared 1920x1080 slide is legible at a student's page (issue 18): the host shares a
 * still slide of terminal-sized text (`--screen ffmpeg:slide.png`, the screen profile: VP8 5 fps
 * 1200 kbit/s), a student page two hops down (through a relay) decodes it, and the text region of
 * the decoded frame is compared with the source's by SSIM (luma, 8x8 windows, the usual constants)
 * ≥ 0.9. The tree forwards the encoder's packets untouched, so this measures the screen profile's
 * encoding as a student sees it after the relays.
 */
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { browserSuite } from '../helpers/browser-suite.js';
import { canUseChromium, CHROMIUM_PATH, launchBrowser, LoginView, openUi, RoomView } from '../helpers/browser.js';
import { PlayerView } from '../helpers/live-page.js';
import { requireCapability } from '../helpers/require.js';
import { ssim } from '../helpers/ssim.js';

const { test, ctx } = browserSuite('legible text on a shared screen');
const FONT = '/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf';
/** The text block of the slide: x, y, width, height. */
const REGION = { x: 40, y: 40, w: 1600, h: 520 } as const;
const LINES = [
  'tcpdump -i eth0 -nn tcp port 443 and host 10.0.0.7',
  '10.0.0.7.51234 > 10.0.0.1.443: Flags [S], seq 2024, win 64240',
  '10.0.0.1.443 > 10.0.0.7.51234: Flags [S.], seq 9, ack 2025',
  'cwnd = min(cwnd + MSS*MSS/cwnd, rwnd); ssthresh = cwnd/2',
  'RTT 12.4 ms  RTO 212 ms  retrans 3  dupacks 2  SACK 4',
  'GET /index.html HTTP/1.1  Host: lab.local  Accept: */*',
];

function makeSlide(file: string): void {
  const text = LINES.map((l, i) => `drawtext=fontfile=${FONT}:fontsize=28:fontcolor=black:x=${REGION.x + 20}:y=${REGION.y + 20 + i * 80}:text='${l.replace(/[:,'\\]/g, '\\$&')}'`);
  const r = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', `color=c=white:size=1920x1080,${text.join(',')}`, '-frames:v', '1', '-y', file]);
  if (r.status !== 0) throw new Error(`ffmpeg: ${r.stderr}`);
}

/** The region of `file` as 8-bit luma (ffmpeg's gray: BT.601, like the page's conversion below), after `filter`. */
function sourceLuma(file: string, filter = 'null'): Uint8Array {
  const vf = `${filter},crop=${REGION.w}:${REGION.h}:${REGION.x}:${REGION.y},format=gray`;
  const r = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-i', file, '-vf', vf, '-f', 'rawvideo', '-'], { maxBuffer: 1 << 24 });
  return new Uint8Array(r.stdout);
}

test('a 1920x1080 slide of 28 px text reaches a student two hops down with SSIM ≥ 0.9 in the text region', async () => {
  const hasTools = spawnSync('ffmpeg', ['-version']).status === 0 && spawnSync('test', ['-f', FONT]).status === 0;
  if (!requireCapability('ffmpeg and fonts-dejavu-core', hasTools)) return;
  if (!requireCapability(`Chromium (${CHROMIUM_PATH})`, canUseChromium())) return;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'camvid-slide-'));
  try {
    const slide = path.join(dir, 'slide.png');
    makeSlide(slide);
    const { port } = await ctx.cluster.startHost(['--fanout', '1', '--screen', `ffmpeg:${slide}`]);
    // A relay between the host and the watching student: s1 is the host's only child.
    ctx.cluster.startStudent('relay', `127.0.0.1:${port}`);
    const student = await ctx.cluster.startUiAgent('student');
    ctx.browser = await launchBrowser();
    const opened = await openUi(ctx.browser, student.url, { timeoutMs: 20_000 });
    await new LoginView(opened.page).join({ name: 'Grace', password: 'secret', address: `127.0.0.1:${port}` });
    await new RoomView(opened.page).rosterEntry('Grace').waitFor({ timeout: 20_000 });
    const player = new PlayerView(opened.page);
    await player.screenShown(true).waitFor({ timeout: 20_000 });
    await player.waitForPicture(20_000, player.screenVideo);
    await opened.page.waitForTimeout(3000); // a few frames after the key frame: the encoder refines a still picture
    const b64 = await player.screenVideo.evaluate((el, r) => {
      const v = el as HTMLVideoElement;
      const c = document.createElement('canvas');
      c.width = v.videoWidth;
      c.height = v.videoHeight;
      const g = c.getContext('2d', { willReadFrequently: true })!;
      g.drawImage(v, 0, 0);
      const d = g.getImageData(r.x, r.y, r.w, r.h).data;
      let s = '';
      for (let i = 0; i < d.length; i += 4) s += String.fromCharCode(Math.round(0.299 * d[i]! + 0.587 * d[i + 1]! + 0.114 * d[i + 2]!));
      return { size: `${v.videoWidth}x${v.videoHeight}`, luma: btoa(s) };
    }, REGION);
    const got = new Uint8Array(Buffer.from(b64.luma, 'base64'));
    const want = sourceLuma(slide);
    assert.is(b64.size, '1920x1080', 'decoded at the slide’s own size');
    assert.is(got.length, want.length);
    const score = ssim(want, got, REGION.w, REGION.h);
    // Over the windows with text strokes only (white background would lift the mean), and the same
    // measure on the slide blurred by a Gaussian of 1.5 px: letters a person strains to read score below 0.9.
    const strokes = ssim(want, got, REGION.w, REGION.h, true);
    const blurred = ssim(want, sourceLuma(slide, 'gblur=sigma=1.5'), REGION.w, REGION.h, true);
    console.log(
      `    decoded ${b64.size}; SSIM of the text region ${score.toFixed(3)}, of its text windows ${strokes.toFixed(3)} (the slide blurred by 1.5 px: ${blurred.toFixed(3)}); mean |difference| ${(got.reduce((a, v, i) => a + Math.abs(v - want[i]!), 0) / got.length).toFixed(2)} of 255; ${(await player.screenStats.textContent())?.trim()}`,
    );
    assert.ok(blurred < 0.9, `the measure tells a 1.5 px blur (${blurred.toFixed(3)})`);
    assert.ok(score >= 0.9 && strokes >= 0.9, `SSIM ${score.toFixed(3)} / text windows ${strokes.toFixed(3)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
