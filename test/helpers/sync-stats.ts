/**
 * What a watching page's getStats() says about lip sync: per kind, the RTCP sender reports it has
 * received (`remote-outbound-rtp`: reportsSent) and its jitter buffer (`inbound-rtp`:
 * jitterBufferDelay in seconds, summed over jitterBufferEmittedCount samples or frames).
 * The page's RTCPeerConnections are found through RECORD_PEER_CONNECTIONS (an init script).
 */
import type { Page } from 'playwright-core';

/** Init script: keeps every RTCPeerConnection the page makes in `window.__camvidPcs`. */
export const RECORD_PEER_CONNECTIONS = `(() => {
  const Original = window.RTCPeerConnection;
  const pcs = [];
  window.__camvidPcs = pcs;
  window.RTCPeerConnection = class extends Original {
    constructor(...args) { super(...args); pcs.push(this); }
  };
})()`;

export interface KindSyncStats {
  /** sender reports received (0 when the page has no remote-outbound-rtp for this kind) */
  reportsSent: number;
  /** seconds, summed over `emitted` */
  jitterBufferDelay: number;
  /**
   * seconds, summed over `emitted`: the delay the jitter buffer aimed for (target), and the part
   * of it that is not the network's jitter but a minimum set from outside (lip sync, playoutDelay)
   */
  jitterBufferTargetDelay: number;
  jitterBufferMinimumDelay: number;
  emitted: number;
  /**
   * when the sample now playing was captured, in the sender's NTP time (ms): known only once
   * sender reports map its RTP time to NTP time; audio's minus video's is the A/V offset
   */
  estimatedPlayoutTimestamp: number | null;
}

export type SyncStats = Record<'video' | 'audio', KindSyncStats> & { /** Date.now() when read */ at: number };

/** Sums over the page's connected RTCPeerConnections that receive media. */
export function readSyncStats(page: Page): Promise<SyncStats> {
  return page.evaluate(async () => {
    const out = {
      at: Date.now(),
      video: { reportsSent: 0, jitterBufferDelay: 0, jitterBufferTargetDelay: 0, jitterBufferMinimumDelay: 0, emitted: 0, estimatedPlayoutTimestamp: null as number | null },
      audio: { reportsSent: 0, jitterBufferDelay: 0, jitterBufferTargetDelay: 0, jitterBufferMinimumDelay: 0, emitted: 0, estimatedPlayoutTimestamp: null as number | null },
    };
    const pcs = ((window as unknown as { __camvidPcs?: RTCPeerConnection[] }).__camvidPcs ?? []).filter((pc) => pc.connectionState === 'connected');
    for (const pc of pcs) {
      const report = await pc.getStats();
      report.forEach((s: Record<string, unknown>) => {
        const kind = s.kind as 'video' | 'audio' | undefined;
        if (kind !== 'video' && kind !== 'audio') return;
        if (s.type === 'remote-outbound-rtp') out[kind].reportsSent += Number(s.reportsSent ?? 0);
        if (s.type === 'inbound-rtp') {
          out[kind].jitterBufferDelay += Number(s.jitterBufferDelay ?? 0);
          out[kind].jitterBufferTargetDelay += Number(s.jitterBufferTargetDelay ?? 0);
          out[kind].jitterBufferMinimumDelay += Number(s.jitterBufferMinimumDelay ?? 0);
          out[kind].emitted += Number(s.jitterBufferEmittedCount ?? 0);
          if (typeof s.estimatedPlayoutTimestamp === 'number') out[kind].estimatedPlayoutTimestamp = s.estimatedPlayoutTimestamp;
        }
      });
    }
    return out;
  });
}

/** What the sending page learnt from its receiver's reports (`remote-inbound-rtp`), per kind. */
export type ReceiverFeedback = Record<'video' | 'audio', { rttMeasurements: number; roundTripTime: number | null; fractionLost: number | null }>;

export function readReceiverFeedback(page: Page): Promise<ReceiverFeedback> {
  return page.evaluate(async () => {
    const out = {
      video: { rttMeasurements: 0, roundTripTime: null as number | null, fractionLost: null as number | null },
      audio: { rttMeasurements: 0, roundTripTime: null as number | null, fractionLost: null as number | null },
    };
    const pcs = ((window as unknown as { __camvidPcs?: RTCPeerConnection[] }).__camvidPcs ?? []).filter((pc) => pc.connectionState === 'connected');
    for (const pc of pcs) {
      (await pc.getStats()).forEach((s: Record<string, unknown>) => {
        const kind = s.kind as 'video' | 'audio' | undefined;
        if (s.type !== 'remote-inbound-rtp' || (kind !== 'video' && kind !== 'audio')) return;
        out[kind].rttMeasurements += Number(s.roundTripTimeMeasurements ?? 0);
        if (typeof s.roundTripTime === 'number') out[kind].roundTripTime = s.roundTripTime;
        if (typeof s.fractionLost === 'number') out[kind].fractionLost = s.fractionLost;
      });
    }
    return out;
  });
}

/** The A/V offset now (audio's estimatedPlayoutTimestamp minus video's, ms), or null before sender reports. */
export async function avOffset(page: Page): Promise<number | null> {
  const st = await readSyncStats(page);
  return st.audio.estimatedPlayoutTimestamp !== null && st.video.estimatedPlayoutTimestamp !== null ? st.audio.estimatedPlayoutTimestamp - st.video.estimatedPlayoutTimestamp : null;
}

/** Three samples a second apart that differ by at most this much: Chromium has stopped moving its delays. */
const SETTLED_SPREAD_MS = 20;

/**
 * Samples the A/V offset once a second until three in a row are within −maxLagMs…+maxLeadMs and
 * within SETTLED_SPREAD_MS of each other, or `timeoutMs` passed; returns every sample (ms) and
 * whether it got there. Within the window alone is not settled: Chromium moves its delays by a
 * quarter of the difference a second, and in a run measured from the first three inside the window
 * (−51, −51, −73) the beeps went from 16…71 ms after their flashes in the first 12 events to
 * −53…+16 in the last 10.
 */
export async function waitForSync(page: Page, maxLagMs: number, maxLeadMs: number, timeoutMs: number): Promise<{ offsets: number[]; converged: boolean }> {
  const within = (o: number) => o >= -maxLagMs && o <= maxLeadMs;
  const offsets: number[] = [];
  const converged = () => {
    const last = offsets.slice(-3);
    return last.length === 3 && last.every(within) && Math.max(...last) - Math.min(...last) <= SETTLED_SPREAD_MS;
  };
  for (const end = Date.now() + timeoutMs; Date.now() < end && !converged(); ) {
    await new Promise((r) => setTimeout(r, 1000));
    const o = await avOffset(page);
    if (o !== null) offsets.push(o);
  }
  return { offsets, converged: converged() };
}
