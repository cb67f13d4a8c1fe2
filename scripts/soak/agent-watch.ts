/**
 * What the soak follows of one agent process, kept up to date line by line (parsing each line once,
 * not rescanning the whole output as the test helpers do, since a soak runs for minutes): its
 * latest media figures, its member state changes, its finished download and its memory.
 */
import { VIDEO_STALL_MS, type MediaStats } from '../../protocol/media.js';
import type { AgentProcess } from '../../test/helpers/agents.js';
import { rssMiB } from '../bench/proc-stats.js';

export interface DownloadLine {
  path: string;
  out: string;
  sha256: string;
  /** harness clock (Date.now()) when the line arrived */
  at: number;
}

export class AgentWatch {
  /** latest media-stats line */
  media: MediaStats | null = null;
  /** member state changes (`joined`, `reconnecting`, …; `switched`: to its standby parent) with the harness time they arrived */
  readonly states: { state: string; at: number }[] = [];
  download: DownloadLine | null = null;
  /** error lines the agent printed (`error: CODE: …`) */
  readonly errors: string[] = [];
  /** RSS samples, MiB, by minute of the soak (0 = the start) */
  readonly rss = new Map<number, number>();

  constructor(readonly agent: AgentProcess) {
    agent.lineListeners.add((line) => this.#onLine(line));
  }

  get name(): string {
    return this.agent.name;
  }

  /**
   * Resolves with the agent's own time at which video came back after the stall that a fault at
   * `t` caused: the first stats line after `t` that shows a stall (no video for VIDEO_STALL_MS)
   * marks the stall, and its end is the first `videoResumedAt` after the stall's last packet.
   * A resume after `t` without a stall seen after `t` (a hiccup that began before the fault, ended
   * by packets already in flight) does not count. If no stall shows within `quietMs` while video
   * keeps flowing, the fault never interrupted this agent's video: resolves with `t`.
   */
  videoBackAfter(t: number, timeoutMs: number, quietMs = 10_000): Promise<number> {
    let stallFrom: number | null = null;
    return this.agent.waitFor(() => {
      const m = this.media;
      if (!m || m.t <= t) return undefined;
      const last = m.lastVideoAt ?? 0;
      if (stallFrom === null && m.t - last >= VIDEO_STALL_MS) stallFrom = last;
      if (stallFrom !== null) return (m.videoResumedAt ?? 0) > stallFrom ? m.videoResumedAt! : undefined;
      return m.t > t + quietMs && m.t - last < VIDEO_STALL_MS ? t : undefined;
    }, timeoutMs, `video again after ${new Date(t).toISOString()}`);
  }

  /** Resolves with the harness time of the first `joined` state after `t`. */
  joinedAfter(t: number, timeoutMs: number): Promise<number> {
    return this.agent.waitFor(() => this.states.find((s) => s.at > t && s.state === 'joined')?.at, timeoutMs, `joined after ${new Date(t).toISOString()}`);
  }

  /** Video arrived within `ms` before now (by the agent's latest stats line). */
  hasFreshVideo(ms: number): boolean {
    const last = this.media?.lastVideoAt ?? 0;
    return this.media !== null && Date.now() - last < ms;
  }

  async sampleRss(minute: number): Promise<void> {
    if (this.agent.exitCode !== null || this.agent.child.pid === undefined) return;
    try {
      this.rss.set(minute, await rssMiB(this.agent.child.pid));
    } catch {
      // exited between the check and the read
    }
  }

  #onLine(line: string): void {
    if (line.startsWith('event {"type":"media-stats"')) {
      try {
        this.media = (JSON.parse(line.slice(6)) as { data: MediaStats }).data;
      } catch {
        /* a partial line */
      }
    } else if (line.startsWith('event {"type":"state"')) {
      try {
        this.states.push({ state: (JSON.parse(line.slice(6)) as { data: string }).data, at: Date.now() });
      } catch {
        /* a partial line */
      }
    } else if (line.startsWith('event {"type":"parent-lost"')) {
      try {
        // A switch to the warm standby: the member never shows `reconnecting`, but it lost its parent.
        if ((JSON.parse(line.slice(6)) as { data: { standbyId: string | null } }).data.standbyId) this.states.push({ state: 'switched', at: Date.now() });
      } catch {
        /* a partial line */
      }
    } else if (line.startsWith('downloaded ')) {
      const m = /^downloaded (\S+) → (.+) sha256 ([0-9a-f]{64})/.exec(line);
      if (m) this.download = { path: m[1]!, out: m[2]!, sha256: m[3]!, at: Date.now() };
    } else if (line.startsWith('error: ')) {
      this.errors.push(line);
    }
  }
}
