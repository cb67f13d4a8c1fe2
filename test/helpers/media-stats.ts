/**
 * Reading `media-stats` event lines of agent processes (`--events`), for media tests and the
 * media benchmark: the latest figures, and packet counts interpolated at a given wall-clock time so
 * that counts of different processes can be compared over the same window.
 */
import type { MediaKind, MediaStats } from '../../protocol/media.js';
import type { AgentProcess } from './agents.js';

export function mediaStats(agent: AgentProcess): MediaStats[] {
  const out: MediaStats[] = [];
  for (const line of agent.lines) {
    if (!line.startsWith('event {"type":"media-stats"')) continue;
    try {
      out.push((JSON.parse(line.slice(6)) as { data: MediaStats }).data);
    } catch {
      /* a partial line */
    }
  }
  return out;
}

export const latestStats = (agent: AgentProcess): MediaStats | undefined => mediaStats(agent).at(-1);

/** RTP packets of `kinds` (default video + audio) `agent` had taken in from upstream at wall time `t`, interpolated. */
export function packetsAt(agent: AgentProcess, t: number, kinds: readonly MediaKind[] = ['video', 'audio']): number {
  const all = mediaStats(agent);
  const count = (s: MediaStats) => kinds.reduce((n, k) => n + s.in[k].packets, 0);
  const after = all.findIndex((s) => s.t >= t);
  if (after <= 0) throw new Error(`${agent.name}: no media-stats around ${t} (have ${all.length})`);
  const a = all[after - 1]!;
  const b = all[after]!;
  return count(a) + ((count(b) - count(a)) * (t - a.t)) / Math.max(1, b.t - a.t);
}

/** Waits until `agent` has had video from upstream (a media-stats line with video packets). */
export function waitForVideo(agent: AgentProcess, timeoutMs = 15_000, after = 0): Promise<MediaStats> {
  return agent.waitFor(
    () => {
      const s = latestStats(agent);
      return s && s.in.video.packets > 0 && (s.lastVideoAt ?? 0) > after ? s : undefined;
    },
    timeoutMs,
    'video',
  );
}

/**
 * seq → arrival (µs) from an agent's trace lines: `media-trace-batch` (the relay's stamps, printed
 * in batches) or `podcast-trace` (one per line). The latest wins, were a sequence number to wrap.
 */
export function traceStamps(agent: AgentProcess, type: 'media-trace-batch' | 'podcast-trace'): Map<number, number> {
  const out = new Map<number, number>();
  const prefix = `event {"type":"${type}"`;
  for (const line of agent.lines) {
    if (!line.startsWith(prefix)) continue;
    const data = (JSON.parse(line.slice(6)) as { data: Stamp | Stamp[] }).data;
    for (const { seq, us } of Array.isArray(data) ? data : [data]) out.set(seq, us);
  }
  return out;
}

interface Stamp {
  seq: number;
  us: number;
}
