/**
 * The podcast in Chromium. The host plays the test signal, a chirp whose pitch tells which moment
 * of its 8 s sweep is playing (node-agent/podcast/podcast-source.ts), so the listener's page can
 * measure what it actually hears: an AnalyserNode on the <audio>'s stream finds the pitch, hence
 * the stream's time, and compares it with the page's clock. "3 s behind" is checked both on the
 * position the agent reports and on the sound.
 */
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import type { Page } from 'playwright-core';
import { canUseChromium, CHROMIUM_PATH, eventually, launchBrowser, LoginView, openUi, RoomView } from '../helpers/browser.js';
import { browserSuite } from '../helpers/browser-suite.js';
import { requireCapability } from '../helpers/require.js';

const { test, ctx } = browserSuite('the podcast in the browser');

const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const PERIOD_S = 8;

/** The listener's controls and what its page plays. */
class Listener {
  constructor(readonly page: Page) {}
  get behind() {
    return this.page.getByTestId('podcast-behind');
  }
  async behindMs(): Promise<number> {
    return Number(await this.behind.getAttribute('data-behind-ms'));
  }
  async state(): Promise<string | null> {
    return this.behind.getAttribute('data-state');
  }
  async waitState(state: string, timeout = 10_000): Promise<void> {
    await this.page.locator(`[data-testid="podcast-behind"][data-state="${state}"]`).waitFor({ timeout });
  }
  currentTime(): Promise<number> {
    return this.page.getByTestId('podcast-audio').evaluate((a) => (a as HTMLAudioElement).currentTime);
  }

  /** Starts an analyser on what the <audio> plays (once it has a stream). */
  async listenIn(): Promise<void> {
    await eventually(() => this.page.getByTestId('podcast-audio').evaluate((a) => !!(a as HTMLAudioElement).srcObject), 15_000);
    await this.page.getByTestId('podcast-audio').evaluate(async (a) => {
      const ctx = new AudioContext();
      await ctx.resume();
      const an = ctx.createAnalyser();
      an.fftSize = 8192;
      an.smoothingTimeConstant = 0;
      ctx.createMediaStreamSource((a as HTMLAudioElement).srcObject as MediaStream).connect(an);
      (window as unknown as { podcastAnalyser: { ctx: AudioContext; an: AnalyserNode } }).podcastAnalyser = { ctx, an };
    });
  }

  /**
   * Where in the chirp's sweep the page hears, relative to its own clock: (stream time − page
   * time) mod PERIOD_S, seconds, the median of several readings. Two such offsets differ by how
   * much later the same audio is heard. null while the page hears nothing loud enough.
   */
  async heardOffset(): Promise<number | null> {
    const readings: number[] = [];
    for (let i = 0; i < 7; i++) {
      const r = await this.page.evaluate(() => {
        const { ctx, an } = (window as unknown as { podcastAnalyser: { ctx: AudioContext; an: AnalyserNode } }).podcastAnalyser;
        const d = new Float32Array(an.frequencyBinCount);
        an.getFloatFrequencyData(d);
        let k = 1;
        for (let j = 1; j < d.length - 1; j++) if (d[j]! > d[k]!) k = j;
        // parabolic interpolation between the neighbouring bins
        const [a, b, c] = [d[k - 1]!, d[k]!, d[k + 1]!];
        const shift = a - 2 * b + c === 0 ? 0 : (0.5 * (a - c)) / (a - 2 * b + c);
        return { hz: ((k + shift) * ctx.sampleRate) / an.fftSize, db: b, at: performance.now() / 1000 };
      });
      if (r.db > -70 && r.hz > 280 && r.hz < 1120) readings.push((((r.hz - 300) / 100 - r.at) % PERIOD_S + PERIOD_S) % PERIOD_S);
      await sleep(120);
    }
    if (readings.length < 4) return null;
    // circular median: unwrap around the first reading
    const base = readings[0]!;
    const unwrapped = readings.map((x) => base + ((((x - base) % PERIOD_S) + 1.5 * PERIOD_S) % PERIOD_S) - PERIOD_S / 2).sort((a, b) => a - b);
    return unwrapped[Math.floor(unwrapped.length / 2)]!;
  }
}

/** How much later `b` hears the stream than `a` (offsets from heardOffset), in (−PERIOD_S/2, PERIOD_S/2]. */
const later = (a: number, b: number) => {
  const d = (((a - b) % PERIOD_S) + PERIOD_S) % PERIOD_S;
  return d > PERIOD_S / 2 ? d - PERIOD_S : d;
};

/** A teacher's page hosting a room, on its Podcast tab, and a student's agent (not joined yet). */
async function hostOnPodcastTab() {
  const [teacher, student] = await Promise.all([ctx.cluster.startUiAgent('teacher'), ctx.cluster.startUiAgent('student')]);
  ctx.browser = await launchBrowser();
  const t = await openUi(ctx.browser, teacher.url);
  await new LoginView(t.page).host({ name: 'Prof', password: 'pw' });
  const tRoom = new RoomView(t.page);
  const address = (await tRoom.joinAddresses.first().textContent())!.trim();
  await tRoom.tab('podcast').click();
  return { t, student, address };
}

async function joinAndPlay(address: string, listenerUrl: string): Promise<{ page: Page; errors: string[]; listener: Listener }> {
  const s = await openUi(ctx.browser!, listenerUrl);
  await new LoginView(s.page).join({ name: 'Grace', password: 'pw', address });
  const room = new RoomView(s.page);
  await room.rosterEntry('Grace').waitFor({ timeout: 20_000 });
  await room.tab('podcast').click();
  await s.page.getByTestId('podcast-play').click();
  const listener = new Listener(s.page);
  await listener.waitState('live');
  await s.page.locator('[data-testid="podcast-player"][data-phase="connected"]').waitFor({ timeout: 15_000 });
  await listener.listenIn();
  return { page: s.page, errors: s.errors, listener };
}

test('the instructor starts the test tone in the UI and sees its level and its listener; a listener pauses 3 s and resumes 3 s behind (as heard), jumps to live, and the audio plays on', async () => {
  if (!requireCapability(`Chromium (${CHROMIUM_PATH})`, canUseChromium())) return;
  if (!requireCapability('ffmpeg (Debian package ffmpeg)', hasFfmpeg)) return;
  const { t, student, address } = await hostOnPodcastTab();
  await t.page.getByTestId('podcast-start-tone').click();
  await t.page.locator('[data-testid="podcast-on-air"][data-on="true"]').waitFor({ timeout: 15_000 });
  const level = await eventually(async () => {
    const db = Number(await t.page.getByTestId('podcast-level').getAttribute('data-rms-db'));
    return db > -20 ? db : 0;
  }, 10_000);
  console.log(`    level meter: ${level} dB`);

  const s = await joinAndPlay(address, student.url);
  const l = s.listener;
  await t.page.locator('[data-testid="podcast-listener"][data-name="Grace"][data-state="live"]').waitFor({ timeout: 10_000 });
  const live0 = (await eventually(() => l.heardOffset(), 15_000))!;

  await s.page.getByTestId('podcast-pause').click();
  await l.waitState('paused');
  await sleep(3000);
  await s.page.getByTestId('podcast-resume').click();
  await l.waitState('delayed');
  await sleep(1500); // the audio of 3 s ago reaches the ear, the position updates
  const behind = await l.behindMs();
  const heard = (await eventually(() => l.heardOffset(), 10_000))!;
  console.log(`    after a 3 s pause: ${behind} ms behind live by the agent, ${later(live0, heard).toFixed(2)} s by ear`);
  assert.ok(Math.abs(behind - 3000) <= 500, `${behind} ms behind live`);
  assert.ok(Math.abs(later(live0, heard) - 3) <= 0.5, `heard ${later(live0, heard).toFixed(2)} s later than live`);
  await t.page.locator('[data-testid="podcast-listener"][data-name="Grace"][data-state="delayed"]').waitFor({ timeout: 10_000 });

  await s.page.getByTestId('podcast-live').click();
  await l.waitState('live');
  await sleep(1000);
  const heardLive = (await eventually(() => l.heardOffset(), 10_000))!;
  console.log(`    after "Jump to live": ${await l.behindMs()} ms behind by the agent, ${later(live0, heardLive).toFixed(2)} s by ear`);
  assert.ok((await l.behindMs()) < 500);
  assert.ok(Math.abs(later(live0, heardLive)) < 0.5, `heard ${later(live0, heardLive).toFixed(2)} s from live`);

  const c0 = await l.currentTime();
  await sleep(1000);
  const c1 = await l.currentTime();
  assert.ok(c1 - c0 > 0.5, `the audio element's currentTime advanced ${c0} → ${c1}`);

  await s.page.getByTestId('podcast-volume').fill('0.5');
  assert.is(await s.page.getByTestId('podcast-audio').evaluate((a) => (a as HTMLAudioElement).volume), 0.5);
  await s.page.getByTestId('podcast-stop').click();
  await s.page.getByTestId('podcast-play').waitFor();
  await t.page.getByTestId('podcast-listener-count').filter({ hasText: 'Nobody is listening' }).waitFor({ timeout: 10_000 });
  await t.page.getByTestId('podcast-stop-broadcast').click();
  await t.page.locator('[data-testid="podcast-on-air"][data-on="false"]').waitFor({ timeout: 10_000 });
  assert.equal(t.errors, []);
  assert.equal(s.errors, []);
});

test('a listener that pauses longer than the buffer (5 s here) sees the note, resumes cleanly from the oldest audio kept, and jumping to live clears the note', async () => {
  if (!requireCapability(`Chromium (${CHROMIUM_PATH})`, canUseChromium())) return;
  if (!requireCapability('ffmpeg (Debian package ffmpeg)', hasFfmpeg)) return;
  const { port } = await ctx.cluster.startHost(['--password', 'pw', '--podcast', 'testsrc']);
  const student = await ctx.cluster.startUiAgent('student', ['--podcast-buffer', '5']);
  ctx.browser = await launchBrowser();
  const s = await joinAndPlay(`127.0.0.1:${port}`, student.url);
  const l = s.listener;
  const note = s.page.getByTestId('podcast-dropped-note');
  await s.page.getByTestId('podcast-pause').click();
  await l.waitState('paused');
  await sleep(8000);
  await note.waitFor({ timeout: 5000 });
  const dropped = Number(await note.getAttribute('data-dropped-ms'));
  const behindPaused = await l.behindMs();
  console.log(`    paused 8 s with a 5 s buffer: ${dropped} ms dropped, ${behindPaused} ms behind`);
  assert.ok(dropped >= 2000, `${dropped} ms dropped`);
  assert.ok(behindPaused <= 5500, `no further behind than the buffer holds (${behindPaused} ms)`);

  const c0 = await l.currentTime();
  await s.page.getByTestId('podcast-resume').click();
  await l.waitState('delayed');
  await sleep(1500);
  const heard = await eventually(() => l.heardOffset(), 10_000);
  assert.ok(heard !== null, 'sound is playing again');
  const c1 = await l.currentTime();
  assert.ok(c1 > c0 + 1, `currentTime advanced ${c0} → ${c1}`);
  const behind = await l.behindMs();
  assert.ok(behind >= 4000 && behind <= 5600, `${behind} ms behind live, as much as the buffer held`);
  assert.ok(await note.isVisible(), 'the note stays while playing what is left');
  await s.page.getByTestId('podcast-live').click();
  await l.waitState('live');
  await note.waitFor({ state: 'detached' });
  assert.equal(s.errors, []);
});

test('the instructor broadcasts the microphone from the page: its level shows, a listener records and hears it, and stopping ends the podcast', async () => {
  if (!requireCapability(`Chromium (${CHROMIUM_PATH})`, canUseChromium())) return;
  const { t, student, address } = await hostOnPodcastTab();
  await t.page.getByTestId('podcast-start-mic').click();
  await t.page.getByTestId('podcast-stop-mic').waitFor({ timeout: 15_000 });
  await t.page.locator('[data-testid="podcast-on-air"][data-on="true"]').filter({ hasText: 'Microphone' }).waitFor({ timeout: 10_000 });
  // Chromium's fake microphone beeps: the page's own meter moves above silence.
  await eventually(async () => Number(await t.page.getByTestId('podcast-level').getAttribute('data-rms-db')) > -60, 10_000);

  const s = await joinAndPlay(address, student.url);
  await eventually(async () => Number(await s.page.getByTestId('podcast-position').getAttribute('max')) > 2000, 15_000);
  const loudest = await eventually(async () => {
    const db = await s.page.evaluate(() => {
      const { an } = (window as unknown as { podcastAnalyser: { an: AnalyserNode } }).podcastAnalyser;
      const d = new Float32Array(an.frequencyBinCount);
      an.getFloatFrequencyData(d);
      return Math.max(...d);
    });
    return db > -70 ? db : 0;
  }, 10_000);
  console.log(`    the listener hears the instructor's microphone (loudest bin ${loudest.toFixed(0)} dB)`);
  await t.page.getByTestId('podcast-stop-mic').click();
  await t.page.locator('[data-testid="podcast-on-air"][data-on="false"]').waitFor({ timeout: 10_000 });
  await s.page.getByTestId('podcast-behind').waitFor();

  // On air again, then the podcast's own Stop: the microphone goes off with it, at once and without a false alarm.
  await t.page.getByTestId('podcast-start-mic').click();
  await t.page.getByTestId('podcast-stop-mic').waitFor({ timeout: 15_000 });
  await t.page.getByTestId('podcast-stop-broadcast').click();
  const stopped = Date.now();
  await t.page.getByTestId('podcast-start-mic').waitFor({ timeout: 10_000 });
  assert.ok(Date.now() - stopped < 2_000, `the microphone button came back after ${Date.now() - stopped} ms`);
  await t.page.waitForTimeout(9_000); // longer than the loopback link takes to notice a closed peer
  assert.is(await t.page.getByTestId('podcast-mic-error').count(), 0, 'no "connection to the agent was lost"');
  assert.equal(t.errors, []);
  assert.equal(s.errors, []);
});

test.run();
