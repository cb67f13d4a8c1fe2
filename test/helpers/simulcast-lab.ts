/**
 * What the simulcast namespace tests share: the host's camera (ffmpeg's test pattern in three
 * layers: 320x180 at 150 kbit/s, 640x360 at 500, 1280x720 at 1.8 Mbit/s), the agents' common
 * flags, and rates read from the agents' media-stats lines.
 */
import { spawnSync } from 'node:child_process';
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

/**
 * Watches `a` for `seconds` seconds: packets of camera video each second (a picture every second
 * has none at 0), the loss on its parent's edge each second before repair (its reports'), with
 * their median (one report a second of ~20 packets: one lost packet reads as 5 %), and the loss
 * after repair over the whole time (packets its agent gave up of those that were due).
 */
export async function watchSeconds(a: AgentProcess, seconds: number): Promise<{ gaps: number[]; losses: number[]; medianLoss: number; meanLoss: number; repairedLoss: number }> {
  const start = latestStats(a)!;
  const gaps: number[] = [];
  const losses: number[] = [];
  for (let i = 0; i < seconds; i++) {
    const before = latestStats(a)!.in.video.packets;
    await sleep(1000);
    gaps.push(latestStats(a)!.in.video.packets - before);
    losses.push(latestStats(a)!.upstreamLoss ?? 1);
  }
  const medianLoss = [...losses].sort((x, y) => x - y)[Math.floor(losses.length / 2)]!;
  const end = latestStats(a)!;
  const lost = end.repair.lost - start.repair.lost;
  const repairedLoss = lost / Math.max(1, end.in.video.packets - start.in.video.packets + lost);
  return { gaps, losses, medianLoss, meanLoss: losses.reduce((x, y) => x + y, 0) / losses.length, repairedLoss };
}
