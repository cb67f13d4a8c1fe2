/**
 * The podcast part of the `camvid` command line, kept here so cli.ts only wires it in:
 *
 *   camvid host ... --podcast testsrc|FILE [--podcast-kbps N]   start the podcast with the room
 *   camvid host|join ... --podcast-listen                         listen headless (record and play)
 *   any agent: --podcast-buffer SECONDS                           how much a listener records (default 3600)
 *
 * With `--events`: `podcast-status`, `podcast-player` (on each state change, and every second
 * while listening), `podcast-listeners` (host); with `--trace-every N --trace-kind podcast`, a
 * `podcast-trace` line for each traced packet this agent's player hands to its page (or to
 * nowhere, headless), for the added-latency figure.
 */
import type { ParseArgsConfig } from 'node:util';
import { PODCAST_BUFFER_MAX_MS, PODCAST_BUFFER_MIN_MS } from '../../protocol/podcast.js';
import type { Agent } from '../agent.js';
import { parsePodcastSpec } from '../podcast/podcast-source.js';

export const PODCAST_AGENT_OPTIONS: ParseArgsConfig['options'] = {
  'podcast-buffer': { type: 'string' },
};
export const PODCAST_HOST_OPTIONS: ParseArgsConfig['options'] = {
  podcast: { type: 'string' },
  'podcast-kbps': { type: 'string' },
};
export const PODCAST_HEADLESS_OPTIONS: ParseArgsConfig['options'] = {
  'podcast-listen': { type: 'boolean' },
};
export const PODCAST_USAGE = `camvid host ... --podcast testsrc|FILE [--podcast-kbps N]   podcast; listeners: --podcast-listen, --podcast-buffer SECONDS`;

type Values = Record<string, unknown>;
const PLAYER_EVENT_MS = 1000;

const number = (v: unknown, flag: string, min: number, max: number): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max) throw new TypeError(`${flag} must be a number from ${min} to ${max}`);
  return n;
};

/** Checks the podcast flags; throws TypeError (bad usage) before anything starts. */
export function checkPodcastArgs(v: Values): void {
  if (v.podcast !== undefined) parsePodcastSpec(String(v.podcast));
  number(v['podcast-kbps'], '--podcast-kbps', 6, 510);
  number(v['podcast-buffer'], '--podcast-buffer', PODCAST_BUFFER_MIN_MS / 1000, PODCAST_BUFFER_MAX_MS / 1000);
}

/** `--podcast-buffer`, `--podcast-kbps`. */
export function configurePodcast(agent: Agent, v: Values): void {
  const podcast = agent.features.podcast;
  const buffer = number(v['podcast-buffer'], '--podcast-buffer', PODCAST_BUFFER_MIN_MS / 1000, PODCAST_BUFFER_MAX_MS / 1000);
  if (buffer !== undefined) podcast.capMs = Math.round(buffer * 1000);
  podcast.kbps = number(v['podcast-kbps'], '--podcast-kbps', 6, 510);
}

/** `--podcast`: starts the podcast on the room just hosted. */
export async function startHostPodcast(agent: Agent, v: Values): Promise<void> {
  if (v.podcast === undefined) return;
  await agent.features.podcast.start(parsePodcastSpec(String(v.podcast)));
}

/** `--podcast-listen` and the podcast's `--events` lines. */
export function wirePodcastHeadless(agent: Agent, v: Values, printEvent: (type: string, data: unknown) => void): void {
  const podcast = agent.features.podcast;
  configurePodcast(agent, v);
  if (v.events) {
    let last = 0;
    podcast.on('status', (s) => printEvent('podcast-status', s));
    podcast.on('listeners', (l) => printEvent('podcast-listeners', l));
    podcast.on('player', (view, changed) => {
      if (!changed && Date.now() - last < PLAYER_EVENT_MS) return;
      last = Date.now();
      printEvent('podcast-player', view);
    });
  }
  if (v['podcast-listen']) {
    podcast.listen(true);
    const every = Number(v['trace-every'] ?? 0);
    if (v.events && every > 0 && v['trace-kind'] === 'podcast') {
      podcast.listening!.setTraceEvery(every);
      podcast.listening!.on('trace', (t) => printEvent('podcast-trace', t));
    }
  }
}
