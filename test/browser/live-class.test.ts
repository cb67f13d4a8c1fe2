/**
 * The live class end to end with real browsers: the instructor's page (Chromium's fake camera and
 * microphone) goes live on the host agent; two students on two other agents join mid-lecture and
 * see a moving picture with sound through the tree; a third page opened later on a student's agent
 * gets a picture too; the instructor mutes, switches cameras, stops, and every student sees
 * "stream ended". Timing is
 * printed, not asserted (the machine is shared); `npm run bench -- media` measures it.
 */
import * as assert from 'uvu/assert';
import { chromium } from 'playwright-core';
import { browserSuite } from '../helpers/browser-suite.js';
import { canUseChromium, CHROMIUM_ARGS, CHROMIUM_PATH, eventually, LoginView, openUi, RoomView, type OpenedUi } from '../helpers/browser.js';
import { firstFrameMs, PlayerView, PublisherView, type VideoFacts } from '../helpers/live-page.js';
import { requireCapability } from '../helpers/require.js';

const { test, ctx } = browserSuite('live class in the browser');

/**
 * Chromium's autoplay policy as a page without a click sees it (Playwright's own calls count as
 * clicks for the real policy): play() with sound is refused until the person clicks.
 */
const STRICT_AUTOPLAY = `(() => {
  let clicked = false;
  addEventListener('pointerdown', () => { clicked = true; }, true);
  const play = HTMLMediaElement.prototype.play;
  HTMLMediaElement.prototype.play = function () {
    if (!this.muted && !clicked) {
      this.pause();
      return Promise.reject(new DOMException('play() needs a user gesture', 'NotAllowedError'));
    }
    return play.call(this);
  };
})()`;

/** The player's facts once its picture moves (a switch of camera pauses it for a moment), or the last ones after 10 s. */
async function settled(player: PlayerView): Promise<VideoFacts> {
  let f = await player.facts();
  for (const end = Date.now() + 10_000; Date.now() < end && !(f.timeAdvanced > 0.2 && f.changedPixels > 50); ) f = await player.facts();
  return f;
}

function assertMoving(who: string, f: VideoFacts): void {
  assert.ok(f.width > 0 && f.height > 0, `${who}: videoWidth ${f.width}`);
  assert.ok(f.timeAdvanced > 0.2, `${who}: currentTime advanced ${f.timeAdvanced} s`);
  assert.ok(f.changedPixels > 50, `${who}: ${f.changedPixels} of 14400 sampled pixels changed`);
  assert.ok(f.litPixels > 1000, `${who}: the picture is not black (${f.litPixels} lit pixels)`);
  assert.is(f.audioTracks, 1, `${who}: one audio track`);
  assert.ok(f.audioFlowing, `${who}: audio arrives`);
}

/** Media waits get more time than openUi's 5 s: other sessions' tests may share these 2 cores. */
const MEDIA_TIMEOUT_MS = 15_000;

async function open(url: string, initScript?: string): Promise<OpenedUi> {
  const opened = await openUi(ctx.browser!, url, { initScript });
  opened.page.setDefaultTimeout(MEDIA_TIMEOUT_MS);
  return opened;
}

async function join(ui: string, name: string, address: string): Promise<{ opened: OpenedUi; player: PlayerView; joinedAt: number }> {
  const opened = await open(ui);
  const joinedAt = Date.now();
  await new LoginView(opened.page).join({ name, password: 'pw', address });
  await new RoomView(opened.page).rosterEntry(name).waitFor({ timeout: 20_000 });
  return { opened, player: new PlayerView(opened.page), joinedAt };
}

test('the instructor goes live; two students on two other agents see a moving picture with sound; a page opened mid-lecture gets one too; stop ends it for all', async () => {
  if (!requireCapability(`Chromium (${CHROMIUM_PATH})`, canUseChromium())) return;
  const [teacher, s1, s2] = await Promise.all([ctx.cluster.startUiAgent('teacher'), ctx.cluster.startUiAgent('s1'), ctx.cluster.startUiAgent('s2')]);
  // Three fake cameras, so the instructor can switch: Chromium's second fake camera is a depth
  // camera (Y16) whose frames the VP8 encoder never takes; the third is an ordinary (MJPEG) one.
  const args = CHROMIUM_ARGS.map((a) => (a === '--use-fake-device-for-media-stream' ? `${a}=device-count=3` : a));
  ctx.browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args });

  const t = await open(teacher.url);
  await new LoginView(t.page).host({ name: 'Prof. Ada', password: 'pw', room: 'Computer Networks', fanout: 1 });
  const address = (await new RoomView(t.page).joinAddresses.first().textContent())!.trim();
  const publisher = new PublisherView(t.page);
  await publisher.start();
  await eventually(async () => /fps/.test((await publisher.stats.textContent()) ?? ''), MEDIA_TIMEOUT_MS);

  // Fan-out 1: s1 is the host's child and s2 is s1's, so s2's picture crosses a relay.
  const students = [];
  for (const [agent, name] of [[s1, 'Grace'], [s2, 'Alan']] as const) {
    const s = await join(agent.url, name, address);
    await s.player.state('live').waitFor({ timeout: 15_000 });
    await s.player.waitForPicture();
    console.log(`    ${name}: first frame ${Math.round(await firstFrameMs(s.opened.page))} ms after the page asked to watch; ${Date.now() - s.joinedAt} ms after pressing Join`);
    students.push({ name, ...s });
  }
  for (const s of students) {
    await s.player.badge.waitFor();
    assertMoving(s.name, await settled(s.player));
    await eventually(async () => /fps .*delay to host ≈ \d+ ms/.test((await s.player.stats.textContent()) ?? ''), MEDIA_TIMEOUT_MS);
    console.log(`    ${s.name}: ${(await s.player.stats.textContent())?.trim()}`);
  }
  // The students pressed Join on these pages, so the browser let the sound play at once.
  for (const s of students) assert.not.ok((await s.player.facts(100)).muted, `${s.name}'s video plays with sound`);

  // A page opened mid-lecture on an agent already in the room, in a browser that wants a click
  // before sound: it plays muted and asks for the click.
  const late = await open(s1.url, STRICT_AUTOPLAY);
  const latePlayer = new PlayerView(late.page);
  await latePlayer.waitForPicture();
  console.log(`    page opened mid-lecture: first frame ${Math.round(await firstFrameMs(late.page))} ms after it asked to watch`);
  assertMoving('late page', await settled(latePlayer));
  assert.ok((await latePlayer.facts(100)).muted, 'muted until a click');
  await latePlayer.unmute.click();
  assert.not.ok((await latePlayer.facts(100)).muted, 'unmuted after the click');
  await latePlayer.unmute.waitFor({ state: 'detached' });
  await late.close();

  // Muting the microphone keeps the picture going.
  await publisher.muteMic.click();
  assert.is(await publisher.muteMic.getAttribute('aria-pressed'), 'true');
  assertMoving('Grace after mute', await settled(students[0]!.player));

  // Another camera and back: the sender's track is replaced without renegotiating, and the
  // students' picture goes on from the other camera.
  const cameras = await publisher.cameraSelect.locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
  assert.is(cameras.length, 3, 'three cameras to pick from');
  const first = await publisher.cameraSelect.inputValue();
  assert.is(first, cameras[0], 'the first camera is the one in use');
  for (const [camera, label] of [[cameras[2]!, 'the third camera'], [first, 'the first camera again']] as const) {
    await publisher.cameraSelect.selectOption(camera);
    await eventually(async () => (await publisher.cameraSelect.inputValue()) === camera, 5_000);
    assert.is(await publisher.error.count(), 0, `no error switching to ${label}`);
    await publisher.badge.and(t.page.locator('[data-phase="live"]')).waitFor();
    assertMoving(`Grace on ${label}`, await settled(students[0]!.player));
  }
  assertMoving('Alan after switching cameras', await settled(students[1]!.player));

  // Switching tabs does not stop the picture.
  const sRoom = new RoomView(students[1]!.opened.page);
  await sRoom.tab('chat').click();
  await sRoom.tab('video').click();
  assertMoving('Alan after switching tabs', await settled(students[1]!.player));

  // Fullscreen shows the stage (with its buttons) and leaves it again.
  const alan = students[1]!;
  await alan.player.fullscreen.click();
  await eventually(() => alan.opened.page.evaluate(() => document.fullscreenElement !== null), 5_000);
  await alan.player.fullscreen.click();
  await eventually(() => alan.opened.page.evaluate(() => document.fullscreenElement === null), 5_000);

  await t.page.screenshot({ path: '/tmp/camvid-live-teacher.png' });
  await students[1]!.opened.page.screenshot({ path: '/tmp/camvid-live-student.png' });

  await publisher.stop.click();
  await publisher.goLive.waitFor();
  for (const s of students) {
    await s.player.state('ended').waitFor();
    assert.match((await s.player.message.textContent()) ?? '', /stream ended/i);
  }
  for (const p of [t, ...students.map((s) => s.opened)]) assert.equal(p.errors, []);
});

test.run();
