/**
 * `npm run bench -- watch-link`: how soon a student page that is opened (reloaded) in a live class
 * has its watching link to its own agent up and its first frame, from the moment it asks to
 * watch (web-ui/live-watch.ts marks). One instructor page live (Chromium's fake camera), one
 * student agent one hop down; its page is reloaded ROUNDS times.
 */
import type { Page } from 'playwright-core';
import { Cluster } from '../../test/helpers/agents.js';
import { launchBrowser, LoginView, openUi, RoomView } from '../../test/helpers/browser.js';
import { PlayerView, PublisherView } from '../../test/helpers/live-page.js';
import { pct } from './proc-stats.js';

const ROUNDS = Number(process.env.WATCH_LINK_ROUNDS ?? 14);

/** ms from asking to watch to: the agent's offer in, the answer taken, connected, the first frame. */
async function marks(page: Page): Promise<{ offer: number; answered: number; connected: number; frame: number }> {
  await page.waitForFunction(() => performance.getEntriesByName('camvid-first-frame').length > 0, undefined, { polling: 50 });
  // No named functions inside evaluate(): tsx's keepNames would reference a helper the page lacks.
  const names = ['camvid-watch-start', 'camvid-media-watch-offer', 'camvid-media-watch-answered', 'camvid-watch-connected', 'camvid-first-frame'];
  const [asked, offer, answered, connected, frame] = await page.evaluate((ns) => ns.map((n) => performance.getEntriesByName(n).at(-1)!.startTime), names);
  return { offer: offer! - asked!, answered: answered! - asked!, connected: connected! - asked!, frame: frame! - asked! };
}

export async function benchWatchLink(): Promise<string> {
  const browser = await launchBrowser();
  const cluster = new Cluster();
  const got = { offer: [] as number[], answered: [] as number[], connected: [] as number[], frame: [] as number[] };
  try {
    const host = await cluster.startUiAgent('teacher');
    const t = await openUi(browser, host.url, { timeoutMs: 30_000 });
    t.page.setDefaultTimeout(20_000);
    await new LoginView(t.page).host({ name: 'Prof', password: 'pw', room: 'Watch link', fanout: 1 });
    const address = (await new RoomView(t.page).joinAddresses.first().textContent())!.trim();
    await new PublisherView(t.page).start();
    const student = await cluster.startUiAgent('s1');
    const s = await openUi(browser, student.url, { timeoutMs: 30_000 });
    s.page.setDefaultTimeout(20_000);
    await new LoginView(s.page).join({ name: 'S1', password: 'pw', address });
    await new PlayerView(s.page).waitForPicture(30_000);
    for (let i = 0; i < ROUNDS; i++) {
      await s.page.reload();
      await new PlayerView(s.page).waitForPicture(30_000);
      const m = await marks(s.page);
      for (const k of Object.keys(got) as (keyof typeof got)[]) got[k].push(m[k]);
    }
  } finally {
    await browser.close();
    await cluster.close();
  }
  const f = (xs: number[]) => `${Math.round(pct(xs, 50))} / ${Math.round(Math.max(...xs))}`;
  return [
    `A student page reloaded ${ROUNDS} times in a live class (instructor's page, Chromium's fake camera; the student one hop down); ms from the page asking to watch, p50 / max.`,
    '',
    '| agent’s offer in | answer taken | link up | first frame |',
    '|---|---|---|---|',
    `| ${f(got.offer)} | ${f(got.answered)} | ${f(got.connected)} | ${f(got.frame)} |`,
  ].join('\n');
}
