/**
 * Part of `npm run bench -- media`: how soon a student who comes in mid-lecture sees a picture
 * (issue 4: within 1.5 s), with real Chromium pages on 127.0.0.1. The lecture runs first; then,
 * ROUNDS times with a fresh student agent each (its start-up is not counted): its page joins by
 * address, and later a second page is opened on that agent, already in the room.
 *
 * - "Join pressed → first frame": password derivation (scrypt), handshake, a tree edge, the page's
 *   loopback link, and the wait for a key frame; the first decoded frame is the page's own
 *   requestVideoFrameCallback mark (web-ui/live-watch.ts), compared on the machine's one clock.
 * - "page asks to watch → first frame": the loopback link and the key frame alone.
 * - "page opened in the room → first frame": from the page's navigation start (load, UI socket,
 *   link, key frame): what a reload mid-lecture costs.
 *
 * Two sources: the instructor's page (Chromium's fake camera: a key frame request reaches its
 * encoder as a PLI and is answered at once) and `--source testsrc` (ffmpeg cannot be asked; it
 * sends a key frame every second, so a newcomer waits up to that long).
 */
import type { Browser, Page } from 'playwright-core';
import { Cluster } from '../../test/helpers/agents.js';
import { launchBrowser, LoginView, openUi } from '../../test/helpers/browser.js';
import { firstFrameMs, PublisherView } from '../../test/helpers/live-page.js';
import { pct } from './proc-stats.js';

const ROUNDS = 5;

/** Epoch ms of the page's first-frame mark (the page and this process share the machine's clock). */
async function firstFrameAt(page: Page): Promise<number> {
  await firstFrameMs(page);
  return page.evaluate(() => performance.timeOrigin + performance.getEntriesByName('camvid-first-frame')[0]!.startTime);
}

async function rounds(browser: Browser, cluster: Cluster, address: string): Promise<Record<'join' | 'watch' | 'open', number[]>> {
  const out = { join: [] as number[], watch: [] as number[], open: [] as number[] };
  for (let i = 0; i < ROUNDS; i++) {
    const student = await cluster.startUiAgent(`s${i}`);
    const first = await openUi(browser, student.url);
    const pressed = Date.now();
    await new LoginView(first.page).join({ name: `s${i}`, password: 'pw', address });
    out.join.push((await firstFrameAt(first.page)) - pressed);
    out.watch.push(await firstFrameMs(first.page));
    await first.close();
    const again = await openUi(browser, student.url);
    await firstFrameMs(again.page); // waits for the mark (videoWidth can be set a moment before)
    out.open.push(await again.page.evaluate(() => performance.getEntriesByName('camvid-first-frame')[0]!.startTime));
    await again.close();
    await student.agent.kill();
  }
  return out;
}

async function withInstructorPage(browser: Browser): Promise<Record<'join' | 'watch' | 'open', number[]>> {
  const cluster = new Cluster();
  try {
    const host = cluster.start('host', ['host', '--password', 'pw', '--name', 'Prof', '--port', '0', '--ui-port', '0']);
    const port = Number((await host.waitForLine(/^hosting .* on port (\d+)/, 30_000))[1]);
    const url = (await host.waitForLine(/^CAMVID UI: (\S+)/, 30_000))[1]!;
    const teacher = await openUi(browser, url);
    await new PublisherView(teacher.page).start();
    return await rounds(browser, cluster, `127.0.0.1:${port}`);
  } finally {
    await cluster.close();
  }
}

async function withTestsrc(browser: Browser): Promise<Record<'join' | 'watch' | 'open', number[]>> {
  const cluster = new Cluster();
  try {
    const host = cluster.start('host', ['host', '--password', 'pw', '--name', 'Prof', '--port', '0', '--no-ui', '--source', 'testsrc']);
    const port = Number((await host.waitForLine(/^hosting .* on port (\d+)/, 30_000))[1]);
    return await rounds(browser, cluster, `127.0.0.1:${port}`);
  } finally {
    await cluster.close();
  }
}

export async function benchFirstFrame(): Promise<string> {
  const browser = await launchBrowser();
  try {
    const rows: string[] = [];
    const f = (xs: number[]) => `${Math.round(pct(xs, 50))} / ${Math.round(Math.max(...xs))}`;
    for (const [label, run] of [
      ["instructor's page (Chromium fake camera 1280x720; PLI answered)", withInstructorPage],
      ['`--source testsrc` (640x360; a key frame every 1 s)', withTestsrc],
    ] as const) {
      const m = await run(browser);
      rows.push(`| ${label} | ${f(m.join)} | ${f(m.watch)} | ${f(m.open)} |`);
      console.log(rows.at(-1));
    }
    return [
      `Time to first frame for a student who comes in mid-lecture, real Chromium pages, ${ROUNDS} fresh student agents per source (agent start-up not counted). The first frame is the page's requestVideoFrameCallback.`,
      '"Join pressed" includes scrypt (~0.2–0.35 s), the handshake, the tree edge, the page\'s loopback link and the key frame; "asks to watch" is the loopback link and the key frame; "page opened in the room" counts from the page\'s navigation start on an agent already in the room.',
      '',
      '| source | Join pressed → first frame, ms p50 / max | page asks to watch → first frame, ms p50 / max | page opened in the room → first frame, ms p50 / max |',
      '|---|---|---|---|',
      ...rows,
    ].join('\n');
  } finally {
    await browser.close();
  }
}
