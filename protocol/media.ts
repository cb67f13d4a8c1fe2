/**
 * Media over the relay tree: the tracks every tree edge carries parent → child, their codecs and
 * payload types, and the few RTP/RTCP structures a forwarder must read or write. Pure: parsers
 * return null for anything malformed (the caller counts and drops it), builders return new
 * Buffers. No decoding of the media itself beyond "does this VP8 packet start a keyframe".
 *
 * RTP (RFC 3550), RTCP feedback (RFC 4585: NACK, PLI; RFC 5104: FIR), multiplexing RTP and RTCP
 * on one port (RFC 5761: payload types 64–95 with the marker bit are RTCP 192–223).
 */

/**
 * The sendonly tracks a parent offers on every tree edge, in m-line order; the mid is the kind.
 * `video`/`audio`: the instructor's camera and microphone; `podcast`; `screen`/`screen-audio`: the
 * shared screen (or window, tab) and its sound, a second picture beside the camera (docs/media.md).
 */
export const MEDIA_KINDS = ['video', 'audio', 'podcast', 'screen', 'screen-audio'] as const;
export type MediaKind = (typeof MEDIA_KINDS)[number];
export const isMediaKind = (v: unknown): v is MediaKind => (MEDIA_KINDS as readonly unknown[]).includes(v);
/** The kinds that carry VP8: key frames on join and on request, NACKs answered from a cache. */
export const VIDEO_KINDS = ['video', 'screen'] as const satisfies readonly MediaKind[];
export type VideoKind = (typeof VIDEO_KINDS)[number];
export const isVideoKind = (k: MediaKind): k is VideoKind => k === 'video' || k === 'screen';

/** Payload types inside the tree (agents and the agent's own browser); foreign PTs are rewritten. */
export const PAYLOAD_TYPES: Readonly<Record<MediaKind, number>> = { video: 96, audio: 111, podcast: 111, screen: 96, 'screen-audio': 111 };
export const CLOCK_RATES: Readonly<Record<MediaKind, number>> = { video: 90_000, audio: 48_000, podcast: 48_000, screen: 90_000, 'screen-audio': 48_000 };
export const CODECS: Readonly<Record<MediaKind, 'VP8' | 'opus'>> = { video: 'VP8', audio: 'opus', podcast: 'opus', screen: 'VP8', 'screen-audio': 'opus' };

/**
 * Bigger than any packet a WebRTC sender or our ffmpeg source emits (they packetize to ≤ 1200
 * bytes for a 1280-byte path MTU); a larger "RTP packet" from a peer is an attack or a bug.
 */
export const MAX_RTP_BYTES = 1400;
export const MAX_RTCP_BYTES = 1400;
const RTP_HEADER_BYTES = 12;

export const RTCP = { SR: 200, RR: 201, SDES: 202, BYE: 203, APP: 204, RTPFB: 205, PSFB: 206, XR: 207 } as const;
const FMT_NACK = 1;
const FMT_PLI = 1;
const FMT_FIR = 4;
/** Application-layer feedback (RFC 4585 §6.4): REMB is one, named by its 'REMB' identifier. */
const FMT_AFB = 15;
/** 'REMB' in ASCII: the unique identifier of a REMB among application-layer feedback. */
const REMB_ID = 0x52454d42;
const REPORT_BLOCK_BYTES = 24;

/** RTCP has payload types 192–223 in the second byte (RFC 5761 §4); RTP's are 0–127 (+ marker). */
export const isRtcpPacket = (buf: Uint8Array): boolean => buf.length >= 2 && buf[1]! >= 192 && buf[1]! <= 223;

export interface RtpInfo {
  payloadType: number;
  marker: boolean;
  seq: number;
  timestamp: number;
  ssrc: number;
  /** offset of the payload (after CSRCs and the header extension) */
  payloadOffset: number;
  /** payload bytes, without padding */
  payloadLength: number;
}

/** Reads an RTP header; null when it is not a well-formed RTP packet of a sane size. */
export function parseRtp(buf: Uint8Array): RtpInfo | null {
  if (buf.length < RTP_HEADER_BYTES || buf.length > MAX_RTP_BYTES) return null;
  const b0 = buf[0]!;
  if (b0 >> 6 !== 2 || isRtcpPacket(buf)) return null;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let offset = RTP_HEADER_BYTES + (b0 & 0x0f) * 4;
  if (b0 & 0x10) {
    if (offset + 4 > buf.length) return null;
    offset += 4 + view.getUint16(offset + 2) * 4;
  }
  let end = buf.length;
  if (b0 & 0x20) {
    const pad = buf[buf.length - 1]!;
    if (pad === 0) return null;
    end -= pad;
  }
  if (offset > end) return null;
  return {
    payloadType: buf[1]! & 0x7f,
    marker: (buf[1]! & 0x80) !== 0,
    seq: view.getUint16(2),
    timestamp: view.getUint32(4),
    ssrc: view.getUint32(8),
    payloadOffset: offset,
    payloadLength: end - offset,
  };
}

/** Writes SSRC, payload type (keeping the marker), sequence number and timestamp in place. */
export function rewriteRtp(buf: Uint8Array, f: { ssrc: number; payloadType: number; seq: number; timestamp: number }): void {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  buf[1] = (buf[1]! & 0x80) | (f.payloadType & 0x7f);
  view.setUint16(2, f.seq & 0xffff);
  view.setUint32(4, f.timestamp >>> 0);
  view.setUint32(8, f.ssrc >>> 0);
}

/**
 * True when this VP8 packet carries the first bytes of a key frame (RFC 7741 §4.2–4.3: the
 * payload descriptor's S bit with partition 0, then the frame tag's P bit clear).
 */
export function isVp8KeyframeStart(buf: Uint8Array, rtp: RtpInfo): boolean {
  let p = rtp.payloadOffset;
  const end = rtp.payloadOffset + rtp.payloadLength;
  if (p >= end) return false;
  const d = buf[p++]!;
  if (!(d & 0x10) || (d & 0x07) !== 0) return false;
  if (d & 0x80) {
    if (p >= end) return false;
    const x = buf[p++]!;
    if (x & 0x80) p += p < end && buf[p]! & 0x80 ? 2 : 1; // PictureID, 7 or 15 bits
    if (x & 0x40) p++; // TL0PICIDX
    if (x & 0x30) p++; // TID / KEYIDX
  }
  return p < end && (buf[p]! & 0x01) === 0;
}

/** What a forwarder acts on in one (possibly compound) RTCP packet. */
export interface RtcpSummary {
  /** media SSRCs a PLI or FIR asks a key frame of */
  keyframeFor: number[];
  /** NACKed sequence numbers by media SSRC */
  nacks: { ssrc: number; seqs: number[] }[];
  /** sender reports: SSRC and where their RTP timestamp sits (offset of the RTP timestamp field) */
  senderReports: { ssrc: number; offset: number }[];
  /** report blocks (of RRs and SRs): the media SSRC reported on and its fraction lost (0–255 of 256) */
  reports: { ssrc: number; fractionLost: number }[];
  /** REMBs: the bitrate the receiver says it can take and the media SSRCs it applies to */
  rembs: { bps: number; ssrcs: number[] }[];
}

/** Walks a compound RTCP packet; null when any part is malformed (then none of it is acted on). */
export function parseRtcp(buf: Uint8Array): RtcpSummary | null {
  if (buf.length < 4 || buf.length > MAX_RTCP_BYTES || !isRtcpPacket(buf)) return null;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const out: RtcpSummary = { keyframeFor: [], nacks: [], senderReports: [], reports: [], rembs: [] };
  // Report blocks that fit in their packet; a count claiming more than fits is malformed.
  const blocks = (from: number, count: number, end: number): boolean => {
    if (from + count * REPORT_BLOCK_BYTES > end) return false;
    for (let q = from; q < from + count * REPORT_BLOCK_BYTES; q += REPORT_BLOCK_BYTES) out.reports.push({ ssrc: view.getUint32(q), fractionLost: buf[q + 4]! });
    return true;
  };
  let p = 0;
  while (p < buf.length) {
    if (p + 4 > buf.length || buf[p]! >> 6 !== 2) return null;
    const count = buf[p]! & 0x1f;
    const pt = buf[p + 1]!;
    const len = (view.getUint16(p + 2) + 1) * 4;
    if (p + len > buf.length) return null;
    if (pt === RTCP.SR) {
      if (len < 28 || !blocks(p + 28, count, p + len)) return null;
      out.senderReports.push({ ssrc: view.getUint32(p + 4), offset: p + 16 });
    } else if (pt === RTCP.RR) {
      if (len < 8 || !blocks(p + 8, count, p + len)) return null;
    } else if (pt === RTCP.PSFB && count === FMT_AFB && len >= 16 && view.getUint32(p + 12) === REMB_ID) {
      if (len < 20) return null;
      const n = buf[p + 16]!;
      if (20 + 4 * n > len) return null;
      const bps = (view.getUint32(p + 16) & 0x3ffff) * 2 ** (buf[p + 17]! >> 2);
      const ssrcs: number[] = [];
      for (let i = 0; i < n; i++) ssrcs.push(view.getUint32(p + 20 + 4 * i));
      out.rembs.push({ bps, ssrcs });
    } else if (pt === RTCP.PSFB && count === FMT_PLI) {
      if (len < 12) return null;
      out.keyframeFor.push(view.getUint32(p + 8));
    } else if (pt === RTCP.PSFB && count === FMT_FIR) {
      for (let q = p + 12; q + 8 <= p + len; q += 8) out.keyframeFor.push(view.getUint32(q));
    } else if (pt === RTCP.RTPFB && count === FMT_NACK) {
      if (len < 16) return null;
      const seqs: number[] = [];
      for (let q = p + 12; q + 4 <= p + len; q += 4) {
        const pid = view.getUint16(q);
        const blp = view.getUint16(q + 2);
        seqs.push(pid);
        for (let bit = 0; bit < 16; bit++) if (blp & (1 << bit)) seqs.push((pid + bit + 1) & 0xffff);
      }
      out.nacks.push({ ssrc: view.getUint32(p + 8), seqs });
    } else if (pt < RTCP.SR || pt > RTCP.XR) {
      return null;
    }
    p += len;
  }
  return out;
}

/** Bytes of an SR cut to its sender info (header, SSRC, NTP, RTP timestamp, packet and octet counts). */
export const SENDER_REPORT_BYTES = 28;

/**
 * One sender report of an upstream (compound) RTCP packet, cut to its sender info and rewritten
 * for one receiver (RFC 3550 §6.4.1): the SSRC this receiver was told, and the RTP timestamp moved
 * by `tsOffset`, the same offset this hop adds to the stream's RTP timestamps, so the NTP ↔ RTP
 * pair still names one instant. NTP time and the sender's counts pass unchanged; report blocks
 * (about the upstream hop's reception, if any) are left out. `offset` is the SR's RTP-timestamp
 * offset from `parseRtcp`, which has checked the SR's 28 bytes are in the packet.
 */
export function rewriteSenderReport(packet: Uint8Array, offset: number, ssrc: number, tsOffset: number): Buffer {
  const sr = Buffer.from(packet.subarray(offset - 16, offset - 16 + SENDER_REPORT_BYTES));
  sr[0] = 0x80;
  sr[1] = RTCP.SR;
  sr.writeUInt16BE(SENDER_REPORT_BYTES / 4 - 1, 2);
  sr.writeUInt32BE(ssrc >>> 0, 4);
  sr.writeUInt32BE((sr.readUInt32BE(16) + tsOffset) >>> 0, 16);
  return sr;
}

/** The middle 32 bits of an SR's NTP timestamp (what a report block's LSR field holds). */
export const senderReportNtpMiddle = (packet: Uint8Array, offset: number): number =>
  ((packet[offset - 6]! << 24) | (packet[offset - 5]! << 16) | (packet[offset - 4]! << 8) | packet[offset - 3]!) >>> 0;

/** One report block of a receiver report (RFC 3550 §6.4.1). */
export interface ReportBlock {
  ssrc: number;
  /** fraction lost since the previous report, 0–255 (of 256) */
  fractionLost: number;
  cumulativeLost: number;
  /** extended highest sequence number received (cycles << 16 | seq) */
  highestSeq: number;
  jitter: number;
  /** middle 32 bits of the last SR's NTP time, 0 if none */
  lastSr: number;
  /** delay since that SR, in 1/65536 s */
  delaySinceLastSr: number;
}

/** Receiver report with one block (RFC 3550 §6.4.2). */
export function buildReceiverReport(senderSsrc: number, block: ReportBlock): Buffer {
  const b = Buffer.alloc(32);
  b[0] = 0x81;
  b[1] = RTCP.RR;
  b.writeUInt16BE(7, 2);
  b.writeUInt32BE(senderSsrc >>> 0, 4);
  b.writeUInt32BE(block.ssrc >>> 0, 8);
  const lost = Math.max(-0x800000, Math.min(0x7fffff, block.cumulativeLost)) & 0xffffff;
  b.writeUInt32BE((((block.fractionLost & 0xff) << 24) | lost) >>> 0, 12);
  b.writeUInt32BE(block.highestSeq >>> 0, 16);
  b.writeUInt32BE(block.jitter >>> 0, 20);
  b.writeUInt32BE(block.lastSr >>> 0, 24);
  b.writeUInt32BE(block.delaySinceLastSr >>> 0, 28);
  return b;
}

/** Receiver Estimated Maximum Bitrate (draft-alvestrand-rmcat-remb): "you may send this fast". */
export function buildRemb(senderSsrc: number, bitsPerSecond: number, mediaSsrcs: readonly number[]): Buffer {
  let mantissa = Math.max(0, Math.floor(bitsPerSecond));
  let exp = 0;
  while (mantissa > 0x3ffff) {
    mantissa = Math.floor(mantissa / 2);
    exp++;
  }
  const b = Buffer.alloc(20 + 4 * mediaSsrcs.length);
  b[0] = 0x80 | 15;
  b[1] = RTCP.PSFB;
  b.writeUInt16BE(b.length / 4 - 1, 2);
  b.writeUInt32BE(senderSsrc >>> 0, 4);
  b.writeUInt32BE(0, 8);
  b.writeUInt32BE(REMB_ID, 12);
  b.writeUInt32BE(((mediaSsrcs.length << 24) | (exp << 18) | mantissa) >>> 0, 16);
  mediaSsrcs.forEach((s, i) => b.writeUInt32BE(s >>> 0, 20 + 4 * i));
  return b;
}

/**
 * What a receiver keeps of one RTP stream to fill its report block (RFC 3550 §A.3): the extended
 * highest sequence number, packets received and expected, and the last SR. Interarrival jitter is
 * not measured (0): it would cost a clock read per packet, and the receiver is on loopback.
 */
export class ReceptionStats {
  ssrc: number | undefined;
  #base = -1;
  #max = 0;
  #cycles = 0;
  #received = 0;
  #expectedPrior = 0;
  #receivedPrior = 0;
  #lastSr = 0;
  #lastSrAt = 0;

  /** One RTP packet of the stream. */
  packet(ssrc: number, seq: number): void {
    if (this.ssrc !== ssrc || this.#base < 0) {
      this.ssrc = ssrc;
      this.#base = seq;
      this.#max = seq;
      this.#cycles = this.#received = this.#expectedPrior = this.#receivedPrior = 0;
    }
    this.#received++;
    const ahead = (seq - this.#max) & 0xffff;
    if (ahead > 0 && ahead < 0x8000) {
      if (seq < this.#max) this.#cycles += 0x10000;
      this.#max = seq;
    }
  }

  /** An SR of the stream arrived at `nowMs` (any clock, used only for the delay since it). */
  senderReport(ntpMiddle: number, nowMs: number): void {
    this.#lastSr = ntpMiddle;
    this.#lastSrAt = nowMs;
  }

  /** The report block as of `nowMs`; undefined before the first packet. */
  block(nowMs: number): ReportBlock | undefined {
    if (this.ssrc === undefined || this.#base < 0) return undefined;
    const highestSeq = this.#cycles + this.#max;
    const expected = highestSeq - this.#base + 1;
    const expectedInterval = expected - this.#expectedPrior;
    const lostInterval = expectedInterval - (this.#received - this.#receivedPrior);
    this.#expectedPrior = expected;
    this.#receivedPrior = this.#received;
    return {
      ssrc: this.ssrc,
      fractionLost: expectedInterval > 0 && lostInterval > 0 ? Math.min(255, Math.floor((lostInterval * 256) / expectedInterval)) : 0,
      cumulativeLost: expected - this.#received,
      highestSeq,
      jitter: 0,
      lastSr: this.#lastSr,
      delaySinceLastSr: this.#lastSr ? Math.round(((nowMs - this.#lastSrAt) / 1000) * 65536) : 0,
    };
  }
}

/** Picture Loss Indication (RFC 4585 §6.3.1): "send me a key frame". */
export function buildPli(senderSsrc: number, mediaSsrc: number): Buffer {
  const b = Buffer.alloc(12);
  b[0] = 0x80 | FMT_PLI;
  b[1] = RTCP.PSFB;
  b.writeUInt16BE(2, 2);
  b.writeUInt32BE(senderSsrc >>> 0, 4);
  b.writeUInt32BE(mediaSsrc >>> 0, 8);
  return b;
}

/** Generic NACK (RFC 4585 §6.2.1) for the given sequence numbers, packed into PID + bitmask pairs. */
export function buildNack(senderSsrc: number, mediaSsrc: number, seqs: number[]): Buffer {
  const fci: [number, number][] = [];
  for (const seq of [...new Set(seqs.map((s) => s & 0xffff))].sort((a, b) => a - b)) {
    const last = fci.at(-1);
    const diff = last ? (seq - last[0]) & 0xffff : 0;
    if (last && diff >= 1 && diff <= 16) last[1] |= 1 << (diff - 1);
    else fci.push([seq, 0]);
  }
  const b = Buffer.alloc(12 + fci.length * 4);
  b[0] = 0x80 | FMT_NACK;
  b[1] = RTCP.RTPFB;
  b.writeUInt16BE(b.length / 4 - 1, 2);
  b.writeUInt32BE(senderSsrc >>> 0, 4);
  b.writeUInt32BE(mediaSsrc >>> 0, 8);
  fci.forEach(([pid, blp], i) => {
    b.writeUInt16BE(pid, 12 + i * 4);
    b.writeUInt16BE(blp, 14 + i * 4);
  });
  return b;
}

/** Counters of one kind of media as an agent sees it. */
export interface MediaCounters {
  packets: number;
  bytes: number;
  keyframes: number;
}

/** What the tree below one agent takes of a video kind, and whose it is (node-agent/media/tree-feedback.ts). */
export interface RateEstimate {
  bps: number;
  /** the receiver (edge or sink id) whose estimate it is; null when no receiver limits it */
  limitedBy: string | null;
  /** the member at the other end of that receiver (this agent for its own page) */
  peer: string | null;
  /** the member whose link it is: `peer`, or the one `peer` named below itself (not checked here) */
  member: string | null;
}

/**
 * One agent's media figures, printed as `event {"type":"media-stats","data":…}` by `--events`
 * and pushed to the UI. `in` counts RTP accepted from upstream (the local source on the host, the
 * parent elsewhere); `out` counts RTP sent to children, resends included.
 */
export interface MediaStats {
  /** wall clock (ms) when taken */
  t: number;
  upstream: 'none' | 'source' | 'parent';
  in: Record<MediaKind, MediaCounters>;
  out: { packets: number; bytes: number };
  children: number;
  dropped: { malformed: number; oversized: number; unexpected: number; queue: number; waitingForKeyframe: number };
  nack: { asked: number; resent: number; forwarded: number };
  /**
   * key frame requests from receivers (children and pages), those of them not passed on because
   * the same receiver had asked less than RECEIVER_KEYFRAME_MS before, and requests sent upstream
   */
  keyframeRequests: { fromChildren: number; throttled: number; upstream: number };
  /** RTCP sender reports accepted from upstream per kind, and passed on to receivers (children and pages) */
  senderReports: { in: Record<MediaKind, number>; out: number };
  /** wall clock (ms) of the last video packet and the last key frame start, if any */
  lastVideoAt: number | null;
  lastKeyframeAt: number | null;
  /** wall clock (ms) of the first video packet after a stall of VIDEO_STALL_MS or more */
  videoResumedAt: number | null;
  /** wall clock (ms) of the last screen packet, if any */
  lastScreenAt: number | null;
  /**
   * What the tree below takes of each video kind (node-agent/media/rate-control.ts), bits/s; the
   * receiver (edge or page sink id) whose estimate it is, the member at its other end, and the
   * member whose link it is (as named from below, not checked); null: no receiver limits it
   */
  estimate: Record<VideoKind, RateEstimate>;
  /** receiver report + REMB packets sent up the parent edge */
  feedbackSent: number;
  /**
   * The camera's simulcast layers, where a source sends them (the host with the instructor's
   * page), 0 the lowest: RTP packets and bytes taken in, and how many receivers get each now;
   * empty otherwise.
   */
  layers: { layer: number; packets: number; bytes: number; receivers: number }[];
  /** layer steps down and up for receivers of this agent (layer-choice.ts) */
  layerSwitches: number;
  /** the fraction (0–1) of the parent's camera packets lost in the last second, before any repair; null without a parent */
  upstreamLoss: number | null;
  /**
   * Repair on the parent's edge (node-agent/media/hop-repair.ts): packets of the parent's video
   * asked for again (NACK, each try), those that came so, and those given up
   */
  repair: { asked: number; repaired: number; lost: number };
  /** pages given the latest picture from this agent's cache when they opened, instead of a key frame asked for (node-agent/media/gop-cache.ts) */
  replayed: number;
}

/** No video for this long counts as a stall (30 fps video sends a packet every ~10–33 ms). */
export const VIDEO_STALL_MS = 300;
