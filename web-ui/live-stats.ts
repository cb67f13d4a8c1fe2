/**
 * The live class's small stats line, from two `getStats()` samples a second apart. Pure, apart
 * from reading the RTCStatsReport and the sampling loop at the end.
 *
 * Loss is end to end: every hop forwards RTP with the source's sequence numbers, so a packet lost
 * anywhere up the tree and not repaired by a NACK is a gap this page's receiver counts. Delay to
 * the host = the tree's network delay (the agent measures it hop by hop) + this page's jitter
 * buffer, the part of the delay a person notices.
 */
import type { PictureLimit } from '../protocol/live.js';

export interface RtpSample {
  at: number;
  bytes: number;
  packets: number;
  lost: number;
  width: number;
  height: number;
  fps: number;
  /** seconds of jitter-buffer delay summed over emitted frames, and their count */
  bufferDelay: number;
  bufferEmitted: number;
  audioPackets: number;
}

export interface StreamFigures {
  width: number;
  height: number;
  fps: number;
  kbps: number;
  lossPct: number | null;
  bufferMs: number | null;
}

type StatsEntry = Record<string, unknown> & { type: string; kind?: string };
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** Reads the video (and audio packet count) of an inbound or outbound report; `mid`: of that video track only. */
export function readRtp(report: RTCStatsReport, direction: 'inbound-rtp' | 'outbound-rtp', at = performance.now(), mid?: string): RtpSample {
  const s: RtpSample = { at, bytes: 0, packets: 0, lost: 0, width: 0, height: 0, fps: 0, bufferDelay: 0, bufferEmitted: 0, audioPackets: 0 };
  report.forEach((raw) => {
    const e = raw as StatsEntry;
    if (e.type !== direction) return;
    if (e.kind === 'audio') {
      s.audioPackets += num(e.packetsReceived ?? e.packetsSent);
      return;
    }
    if (e.kind !== 'video' || (mid !== undefined && e.mid !== mid)) return;
    s.bytes += num(e.bytesReceived ?? e.bytesSent);
    s.packets += num(e.packetsReceived ?? e.packetsSent);
    s.lost += num(e.packetsLost);
    // The camera's simulcast layers are three outbound streams: the bytes add up, the size shown is the largest.
    if (num(e.frameWidth) >= s.width) {
      s.width = num(e.frameWidth);
      s.height = num(e.frameHeight);
      s.fps = num(e.framesPerSecond);
    }
    s.bufferDelay += num(e.jitterBufferDelay);
    s.bufferEmitted += num(e.jitterBufferEmittedCount);
  });
  return s;
}

/** Rates between two samples of the same connection (a null `prev`: nothing to compare yet). */
export function figures(prev: RtpSample | null, cur: RtpSample): StreamFigures {
  const secs = prev ? (cur.at - prev.at) / 1000 : 0;
  const kbps = prev && secs > 0 ? Math.max(0, ((cur.bytes - prev.bytes) * 8) / secs / 1000) : 0;
  const got = prev ? cur.packets - prev.packets : 0;
  const lost = prev ? Math.max(0, cur.lost - prev.lost) : 0;
  const emitted = prev ? cur.bufferEmitted - prev.bufferEmitted : 0;
  return {
    width: cur.width,
    height: cur.height,
    fps: Math.round(cur.fps),
    kbps: Math.round(kbps),
    lossPct: prev && got + lost > 0 ? (100 * lost) / (got + lost) : null,
    bufferMs: emitted > 0 ? Math.round((1000 * (cur.bufferDelay - prev!.bufferDelay)) / emitted) : null,
  };
}

const rate = (kbps: number) => (kbps >= 1000 ? `${(kbps / 1000).toFixed(1)} Mbit/s` : `${kbps} kbit/s`);

/** "1280×720 · 30 fps · 1.2 Mbit/s · loss 0.0% · delay to host ≈ 45 ms" (parts unknown yet are left out). */
export function formatFigures(f: StreamFigures, delayToHostMs?: number | null): string {
  const parts: string[] = [];
  if (f.width && f.height) parts.push(`${f.width}×${f.height}`);
  parts.push(`${f.fps} fps`, rate(f.kbps));
  if (f.lossPct !== null) parts.push(`loss ${f.lossPct.toFixed(1)}%`);
  if (delayToHostMs !== undefined) {
    const total = (delayToHostMs ?? 0) + (f.bufferMs ?? 0);
    if (delayToHostMs !== null || f.bufferMs !== null) parts.push(`delay to host ≈ ${total} ms`);
  }
  return parts.join(' · ');
}

/** The instructor's note when the tree holds a picture below what the page would send. */
export function formatLimit(what: string, limit: PictureLimit): string {
  return `The tree holds ${what} to ${rate(Math.round(limit.bps / 1000))}: the link to ${limit.name} takes no more.`;
}

/**
 * Samples `pc` every `ms` and hands over the figures since the previous sample, from the second
 * sample on (a first sample alone showed "0 kbit/s"). The next sample is scheduled only when this
 * one is done, so a slow getStats() never makes two overlap. Returns the stopper.
 */
export function sampleEvery(pc: RTCPeerConnection, direction: 'inbound-rtp' | 'outbound-rtp', ms: number, onFigures: (f: StreamFigures, cur: RtpSample) => void, mid?: string): () => void {
  let prev: RtpSample | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const tick = async () => {
    try {
      const cur = readRtp(await pc.getStats(), direction, performance.now(), mid);
      if (stopped) return;
      // The first sample is only the baseline: rates need two.
      if (prev) onFigures(figures(prev, cur), cur);
      prev = cur;
    } catch {
      /* the connection closed meanwhile */
    }
    if (!stopped) timer = setTimeout(tick, ms);
  };
  timer = setTimeout(tick, ms);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
