/**
 * `camvid host|join --events --health-ms N`: every N ms a `health` event line with this agent's
 * own event-loop delay over those N ms (p50, p99, max, the samples taken and how many were over
 * 50 ms; monitorEventLoopDelay at 10 ms resolution),
 * its resident memory and open file descriptors, and on the host the hello answers queued at the
 * signalling port (node-agent/signalling/turn-queue.ts). For benchmarks (`npm run bench -- flood`)
 * and for an instructor who wants to see whether the machine keeps up.
 */
import { readdirSync } from 'node:fs';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { ParseArgsConfig } from 'node:util';
import type { TurnQueue } from '../signalling/turn-queue.js';

export const HEALTH_OPTIONS: ParseArgsConfig['options'] = { 'health-ms': { type: 'string' } };

type Print = (type: string, data: unknown) => void;

/** Checks `--health-ms`; a TypeError names the flag. */
export function healthInterval(v: Record<string, unknown>): number | undefined {
  if (v['health-ms'] === undefined) return undefined;
  const n = Number(v['health-ms']);
  if (!Number.isInteger(n) || n < 100 || n > 3_600_000) throw new TypeError('--health-ms must be a whole number from 100 to 3600000');
  return n;
}

const ms = (ns: number) => Math.round(ns / 1e4) / 100;

/**
 * How many of the histogram's samples were longer than `limitMs`, from its percentile breakpoints:
 * lets a reader add windows up exactly enough to say whether a p99 over many windows is under a
 * limit (under 1% of all samples over it).
 */
function samplesOver(h: IntervalHistogram, limitMs: number): number {
  let below = 0;
  for (const [p, v] of h.percentiles) {
    if (v > limitMs * 1e6) break;
    below = p;
  }
  return Math.round((h.count * (100 - below)) / 100);
}

/** Starts the health lines when asked for (`--events --health-ms N`); they stop with the process. */
export function wireHealth(v: Record<string, unknown>, print: Print, hellos?: () => TurnQueue | undefined): void {
  const every = healthInterval(v);
  if (!v.events || every === undefined) return;
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  setInterval(() => {
    let fds: number | null = null;
    try {
      fds = readdirSync('/proc/self/fd').length;
    } catch {
      /* not Linux */
    }
    const q = hellos?.();
    print('health', {
      loopMs: { p50: ms(loop.percentile(50)), p99: ms(loop.percentile(99)), max: ms(loop.max), samples: loop.count, over50: samplesOver(loop, 50) },
      rssMiB: Math.round(process.memoryUsage().rss / 2 ** 20),
      fds,
      ...(q ? { hellos: { waiting: q.waiting, peak: q.peak, answered: q.ran } } : {}),
    });
    loop.reset();
  }, every).unref();
}
