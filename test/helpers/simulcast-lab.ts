/**
 * What the simulcast namespace tests share: the host's camera (ffmpeg's test pattern in three
 * layers: 320x180 at 150 kbit/s, 640x360 at 500, 1280x720 at 1.8 Mbit/s), the agents' common
 * flags, and rates read from the agents' media-stats lines.
 */
import { spawnSync } from 'node:child_process';
import * as assert from 'uvu/assert';
import type { MediaStats } from '../../protocol/media.js';
import type { AgentProcess } from './agents.js';
import { latestStats, mediaStats } from './media-stats.js';

export const SIMULCAST_SOURCE = ['--source', 'testsrc', '--simulcast', '--video-size', '1280x720', '--fps', '15', '--video-kbps', '1800'];
export const STATS_ARGS = ['--no-mdns', '--media-stats-ms', '500'];
export const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0;
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** How much `of` grew at `a` over the last `ms` of its stats, and over how many ms. */
function growth(a: AgentProcess, ms: number, of: (s: MediaStats) => number): { delta: number; ms: number } {
  const all = mediaStats(a);
  const last = all.at(-1)!;
  const first = all.filter((s) => s.t <= last.t - ms).at(-1) ?? all[0]!;
  return { delta: of(last) - of(first), ms: Math.max(1, last.t - first.t) };
}

/** kbit/s of camera video that reached `a` over the last `ms` of its stats. */
export function videoKbps(a: AgentProcess, ms: number): number {
  const g = growth(a, ms, (s) => s.in.video.bytes);
  return (g.delta * 8) / g.ms;
}

/** kbit/s of the camera's layer `layer` that reached `a` over the last `ms` of its stats. */
export function layerKbps(a: AgentProcess, layer: number, ms: number): number {
  const g = growth(a, ms, (s) => s.layers.find((l) => l.layer === layer)?.bytes ?? 0);
  return (g.delta * 8) / g.ms;
}

/** How long the weak student is watched on the lowest layer, in seconds. */
export const WATCH_S = 12;

/** What `watchSeconds` saw. */
export interface Watched {
  /** packets of camera video each second (a picture every second has none at 0) */
  gaps: number[];
  /** the loss on its parent's edge each second before repair (its reports') */
  losses: number[];
  medianLoss: number;
  meanLoss: number;
  /** the loss after repair over the whole time: packets its agent gave up of those that were due */
  repairedLoss: number;
  /** the same over the steady seconds only: no layer switch in them or in the 2 before */
  steadyLoss: number;
  steadySeconds: number;
  /** the layer switches `chooser` made in the time (a try up and its step back down are 2) */
  switches: number;
}

/**
 * Watches `a` for `seconds` seconds (one report a second of ~20 packets: one lost packet reads as
 * 5 %). `chooser`: the agent whose layer choice serves `a` (its parent). A receiver on a lower
 * layer tries the one above now and then (layer-choice.ts); on a link that cannot take it the try
 * loses a burst until it is stepped back down, and the seconds after, the repair of that burst
 * giving up, so the steady loss leaves out a switch's second and the 2 after it.
 */
export async function watchSeconds(a: AgentProcess, seconds: number, chooser?: AgentProcess): Promise<Watched> {
  const switchesOf = () => (chooser ? latestStats(chooser)!.layerSwitches : 0);
  const gaps: number[] = [];
  const losses: number[] = [];
  const steady = { lost: 0, due: 0, seconds: 0 };
  const firstSwitches = switchesOf();
  let lastSwitchAt = -Infinity;
  let total = { lost: 0, due: 0 };
  for (let i = 0; i < seconds; i++) {
    const before = latestStats(a)!;
    const switchesBefore = switchesOf();
    await sleep(1000);
    const after = latestStats(a)!;
    const packets = after.in.video.packets - before.in.video.packets;
    const lost = after.repair.lost - before.repair.lost;
    gaps.push(packets);
    losses.push(after.upstreamLoss ?? 1);
    total = { lost: total.lost + lost, due: total.due + packets + lost };
    if (switchesOf() !== switchesBefore) lastSwitchAt = i;
    if (i - lastSwitchAt > 2) {
      steady.lost += lost;
      steady.due += packets + lost;
      steady.seconds++;
    }
  }
  const medianLoss = [...losses].sort((x, y) => x - y)[Math.floor(losses.length / 2)]!;
  return {
    gaps,
    losses,
    medianLoss,
    meanLoss: losses.reduce((x, y) => x + y, 0) / losses.length,
    repairedLoss: total.lost / Math.max(1, total.due),
    steadyLoss: steady.lost / Math.max(1, steady.due),
    steadySeconds: steady.seconds,
    switches: switchesOf() - firstSwitches,
  };
}

/**
 * The weak student's loss after repair over the seconds it stayed on the lowest layer is under
 * its link's own 2 %. At most two tries of the layer above (4 switches) fit in WATCH_S (the
 * second waits 8 s clean, layer-choice.ts), which leaves at least 4 steady seconds.
 */
export function assertSteadyLoss(w: Pick<Watched, 'steadyLoss' | 'steadySeconds' | 'switches'>): void {
  assert.ok(w.switches <= 4, `at most two tries of the layer above in ${WATCH_S} s: ${w.switches} switches`);
  assert.ok(w.steadySeconds >= 4, `at least 4 s on the lowest layer without a switch: ${w.steadySeconds}`);
  assert.ok(w.steadyLoss < 0.02, `after repair on its edge (its agent asks its parent again), under 2 % lost: ${(w.steadyLoss * 100).toFixed(2)} % over ${w.steadySeconds} s`);
}
