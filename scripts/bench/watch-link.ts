/**
 * `npm run bench -- watch-link`: how soon a student page that is opened (reloaded) in a live class
 * has its watching link to its own agent up and its first frame, from the moment it asks to
 * watch (web-ui/live-watch.ts marks), and how much of the wait for the agent's offer is the
 * agent's own work (its `offer ready in` debug line, node-agent/media/browser-link.ts). One
 * instructor page live (Chromium's fake camera), one student agent one hop down; its page is
 * reloaded ROUNDS times, then ROUNDS times more with busy loops (two per core, as
 * dtls-race) competing for the CPU.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import type { Page } from 'playwright-core';
import { Cluster } from '../../test/helpers/agents.js';
import { launchBrowser, LoginView, openUi, RoomView } from '../../test/helpers/browser.js';
import { PlayerView, PublisherView } from '../../test/helpers/live-page.js';
import { pct } from './proc-stats.js';

const ROUNDS = Number(process.env.WATCH_LINK_ROUNDS ?? 14);
const OFFER_READY = /\b(w\d+) offer ready in ([\d.]+) ms/;

/** ms from asking to watch to: the agent's offer in, the answer taken, connected, the first frame. */
async function marks(page: Page): Promise<{ offer: number; answered: number; connected: number; frame: number }> {
  await page.waitForFunction(() => performance.getEntriesByName('camvid-first-frame').length > 0, undefined, { polling: 50 });
  // No named functions inside evaluate(): tsx's keepNames would reference a helper the page lacks.
  const names = ['camvid-watch-start', 'camvid-media-watch-offer', 'camvid-media-watch-answered', 'camvid-watch-connected', 'camvid-first-frame'];
  const [asked, offer, answered, connected, frame] = await page.evaluate((ns) => ns.map((n) => performance.getEntriesByName(n).at(-1)!.startTime), names);
  return { offer: offer! - asked!, answered: answered! - asked!, connected: connected! - asked!, frame: frame! - asked! };
}

type Figures = Record<'agent' | 'offer' | 'answered' | 'connected' | 'frame', number[]>;

export async function benchWatchLink(): Promise<string> {
  // The student agent says how long each offer took it (a debug line on stderr, which Cluster keeps).
  process.env.CAMVID_DEBUG = [process.env.CAMVID_DEBUG, 'agent:browser-link'].filter(Boolean).join(',');
  const browser = await launchBrowser();
  const cluster = new Cluster();
  const rows: string[] = [];
  let load: ChildProcess[] = [];
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
    for (const loaded of [false, true]) {
      if (loaded) load = [...os.cpus(), ...os.cpus()].map(() => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
      const got: Figures = { agent: [], offer: [], answered: [], connected: [], frame: [] };
      for (let i = 0; i < ROUNDS; i++) {
        const before = student.agent.lines.length;
        await s.page.reload();
        await new PlayerView(s.page).waitForPicture(30_000);
        const m = await marks(s.page);
        for (const k of ['offer', 'answered', 'connected', 'frame'] as const) got[k].push(m[k]);
        // the last offer of this reload (a page that retried asked more than once)
        const agentMs = student.agent.lines.slice(before).map((l) => OFFER_READY.exec(l)?.[2]).filter((x) => x !== undefined).at(-1);
        if (agentMs !== undefined) got.agent.push(Number(agentMs));
      }
      for (const p of load.splice(0)) p.kill('SIGKILL');
      const f = (xs: number[]) => (xs.length ? `${Math.round(pct(xs, 50))} / ${Math.round(Math.max(...xs))}` : '–');
      rows.push(`| ${loaded ? `${2 * os.cpus().length} busy loops` : 'no busy loops'} | ${f(got.agent)} | ${f(got.offer)} | ${f(got.answered)} | ${f(got.connected)} | ${f(got.frame)} |`);
      console.log(rows.at(-1));
    }
  } finally {
    for (const p of load) p.kill('SIGKILL');
    await browser.close();
    await cluster.close();
  }
  return [
    `A student page reloaded ${ROUNDS} times per row in a live class (instructor's page, Chromium's fake camera; the student one hop down); ms from the page asking to watch, p50 / max. "Agent's part": from its agent taking the request to its offer ready (PeerConnection, tracks, description, gathering), the rest of "offer in" is the page's and the WebSocket's.`,
    '',
    '| machine | agent’s part | agent’s offer in | answer taken | link up | first frame |',
    '|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}
