/**
 * The chain the glass and media-fps benchmarks watch: a UI agent hosts at fan-out 1 and its page
 * publishes the stamped source (glass-page.ts, bundled into the page as `camvidGlass`); three UI
 * agents join one after another, so they form host → S1 → S2 → S3, each with its page watching.
 */
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Locator, Page } from 'playwright-core';
import type { Cluster } from '../../test/helpers/agents.js';
import { LoginView, openUi, RoomView } from '../../test/helpers/browser.js';
import { PlayerView, PublisherView } from '../../test/helpers/live-page.js';
import { RECORD_PEER_CONNECTIONS } from '../../test/helpers/sync-stats.js';
import type { Reading, SourceOptions } from './glass-page.js';

export const DEPTHS = [1, 2, 3] as const;

/** The page bundle: glass-page.ts as one script defining `camvidGlass`. */
export async function pageBundle(): Promise<string> {
  const entry = path.join(path.dirname(fileURLToPath(import.meta.url)), 'glass-page.ts');
  const out = await build({ entryPoints: [entry], bundle: true, format: 'iife', globalName: 'camvidGlass', write: false, target: 'chrome110', logLevel: 'silent' });
  // an init script runs inside a function of Playwright's: the bundle's `var` would stay local
  return `${out.outputFiles[0]!.text};window.camvidGlass = camvidGlass;`;
}

export type G = { camvidGlass: typeof import('./glass-page.js') };

/** Runs `camvidGlass.watch` on a <video> (a locator: the player's is in a shadow root). */
export function watch(video: Locator, ms: number): Promise<Reading> {
  return video.evaluate((v, ms) => (window as unknown as G).camvidGlass.watch(v as HTMLVideoElement, ms), ms);
}

export interface GlassChain {
  teacher: Page;
  /** the watching pages at depth 1, 2, 3 */
  students: Page[];
}

/**
 * Starts the chain in `cluster`, its pages in `browser`; every browser context it opens goes into
 * `contexts` (the caller closes them). Throws when a student did not land at its depth.
 */
export async function startGlassChain(
  cluster: Cluster,
  browser: Browser,
  bundle: string,
  source: SourceOptions,
  contexts: { close(): Promise<void> }[],
): Promise<GlassChain> {
  const host = await cluster.startUiAgent('teacher');
  const t = await openUi(browser, host.url, { initScript: `${RECORD_PEER_CONNECTIONS};${bundle};camvidGlass.installSource(${JSON.stringify(source)})`, timeoutMs: 30_000 });
  contexts.push(t);
  t.page.setDefaultTimeout(20_000);
  await new LoginView(t.page).host({ name: 'Prof', password: 'pw', room: 'Glass', fanout: 1 });
  const address = (await new RoomView(t.page).joinAddresses.first().textContent())!.trim();
  await new PublisherView(t.page).start();

  const students: Page[] = [];
  for (const d of DEPTHS) {
    const agent = await cluster.startUiAgent(`s${d}`);
    const s = await openUi(browser, agent.url, { initScript: `${RECORD_PEER_CONNECTIONS};${bundle}`, timeoutMs: 30_000 });
    contexts.push(s);
    s.page.setDefaultTimeout(20_000);
    await new LoginView(s.page).join({ name: `S${d}`, password: 'pw', address });
    const player = new PlayerView(s.page);
    await player.state('live').waitFor({ timeout: 30_000 });
    await player.waitForPicture(30_000);
    students.push(s.page);
  }
  const outline = await new RoomView(t.page).rosterOutline();
  for (const d of DEPTHS) if (!outline.includes(`${d}:S${d}`)) throw new Error(`S${d} is not at depth ${d}: ${outline.join(', ')}`);
  return { teacher: t.page, students };
}
