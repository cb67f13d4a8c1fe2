/**
 * The camera in simulcast layers with real Chromium: the instructor's page sends three layers
 * (320x180, 640x360, 1280x720: its own getStats shows each stream, each growing), the host's agent
 * takes all three, and a student page two hops down (through a headless relay) is sent the top
 * one, 1280 wide; a 640x480 camera goes in two layers (Chromium sends no more at that size) and
 * reaches the student whole, also when the instructor switches to it while live. The choice of a lower layer for a weak link is tested without a browser
 * (test/unit/simulcast.test.ts) and over shaped links (test/integration/simulcast-netns.test.ts).
 */
import * as assert from 'uvu/assert';
import type { Page } from 'playwright-core';
import { browserSuite } from '../helpers/browser-suite.js';
import { canUseChromium, CHROMIUM_PATH, eventually, launchBrowser } from '../helpers/browser.js';
import { startDepth2Class } from '../helpers/depth2-class.js';
import { requireCapability } from '../helpers/require.js';

const { test, ctx } = browserSuite('simulcast in the browser');

interface VideoRtp {
  ssrc: number;
  width: number;
  bytes: number;
}

/** The page's video RTP streams (outbound or inbound), from every PeerConnection it made. */
function videoRtp(page: Page, type: 'outbound-rtp' | 'inbound-rtp'): Promise<VideoRtp[]> {
  return page.evaluate(async (t) => {
    const out: { ssrc: number; width: number; bytes: number }[] = [];
    for (const pc of (window as unknown as { __camvidPcs: RTCPeerConnection[] }).__camvidPcs) {
      if (pc.connectionState === 'closed') continue;
      (await pc.getStats()).forEach((s) => {
        if (s.type === t && s.kind === 'video') out.push({ ssrc: s.ssrc, width: s.frameWidth ?? 0, bytes: s.bytesSent ?? s.bytesReceived ?? 0 });
      });
    }
    return out;
  }, type);
}

/**
 * Waits until the instructor's page sends `widths` (each layer growing), then until the student
 * page decodes the top one; asserts both.
 */
async function expectLayers(teacher: Page, student: Page, widths: number[]): Promise<void> {
  // Each layer grows while the class watches (Chromium starts the upper ones as its estimate rises).
  const layers = (await eventually(async () => {
    const a = await videoRtp(teacher, 'outbound-rtp');
    await new Promise((r) => setTimeout(r, 1000));
    const b = await videoRtp(teacher, 'outbound-rtp');
    const grown = b.filter((s) => s.width > 0 && s.bytes > (a.find((x) => x.ssrc === s.ssrc)?.bytes ?? 0));
    return grown.length === widths.length ? b : undefined;
  }, 20_000).catch(async () => videoRtp(teacher, 'outbound-rtp'))) ?? [];
  console.log(`    the instructor's page sends: ${layers.map((l) => `${l.width} wide, ${Math.round(l.bytes / 1000)} kB`).join('; ')}`);
  assert.equal(layers.map((l) => l.width).sort((a, b) => a - b), widths, `${widths.length} layers, each a size of its own, each sending`);

  const top = widths.at(-1)!;
  const seen = await eventually(async () => {
    const inbound = await videoRtp(student, 'inbound-rtp');
    return inbound.find((s) => s.width === top);
  }, 20_000).catch(async () => (await videoRtp(student, 'inbound-rtp'))[0]);
  assert.is(seen?.width, top, `the student page two hops down decodes the top layer (${JSON.stringify(seen)})`);
}

test('the instructor’s page sends three layers; a student two hops down is sent the 1280-wide one', async () => {
  if (!requireCapability(`Chromium (${CHROMIUM_PATH})`, canUseChromium())) return;
  ctx.browser = await launchBrowser();
  const { teacher, student } = await startDepth2Class(ctx.cluster, ctx.browser);
  await expectLayers(teacher, student, [320, 640, 1280]);
});

/** The instructor's camera gives 640x480 (an older laptop's webcam): Chromium's fake camera, asked for exactly that. */
const WEBCAM_640x480 = `(() => {
  const open = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getUserMedia = (c) => open({ ...c, video: c && c.video ? { width: { exact: 640 }, height: { exact: 480 } } : false });
})()`;

test('a 640x480 camera goes in two layers, and a student two hops down gets it whole (offered three, Chromium dropped the top one: 320 wide)', async () => {
  if (!requireCapability(`Chromium (${CHROMIUM_PATH})`, canUseChromium())) return;
  ctx.browser = await launchBrowser();
  const { teacher, student } = await startDepth2Class(ctx.cluster, ctx.browser, WEBCAM_640x480);
  await expectLayers(teacher, student, [320, 640]);
});

/**
 * The camera switched to gives 640x480: every call that names a device (a switch) asks Chromium's
 * fake camera for exactly that size; the first, which names none, gets 1280x720.
 */
const SECOND_CAMERA_640x480 = `(() => {
  const open = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getUserMedia = (c) => open(c && c.video && c.video.deviceId ? { ...c, video: { deviceId: c.video.deviceId, width: { exact: 640 }, height: { exact: 480 } } } : c);
})()`;

test('switching to a 640x480 camera while live: the page sends two layers, and the student gets it whole (replacing the track kept three: 320 wide)', async () => {
  if (!requireCapability(`Chromium (${CHROMIUM_PATH})`, canUseChromium())) return;
  // Three fake cameras (the second is a depth camera VP8 does not take; the third an ordinary one).
  ctx.browser = await launchBrowser(['--use-fake-device-for-media-stream=device-count=3']);
  const { teacher, publisher, student } = await startDepth2Class(ctx.cluster, ctx.browser, SECOND_CAMERA_640x480);
  await expectLayers(teacher, student, [320, 640, 1280]);
  const cameras = await publisher.cameraSelect.locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
  assert.is(cameras.length, 3, 'three cameras to pick from');
  await publisher.cameraSelect.selectOption(cameras[2]!);
  await eventually(async () => (await publisher.cameraSelect.inputValue()) === cameras[2], 5_000);
  assert.is(await publisher.error.count(), 0, 'no error switching cameras');
  await expectLayers(teacher, student, [320, 640]);
});

test.run();
