/**
 * What a relay accepts from upstream (its source, or its parent's edge): a packet too big, one
 * that does not parse, or RTP not of the kind's own codec is dropped where it arrives and counted
 * by why (RelayCounters.dropped), never thrown and never passed on.
 */
import { MAX_RTCP_BYTES, MAX_RTP_BYTES, PAYLOAD_TYPES, parseRtcp, parseRtp, type MediaKind, type RtcpSummary, type RtpInfo } from '../../protocol/media.js';

export interface DropCounts {
  oversized: number;
  malformed: number;
  unexpected: number;
}

/** The packet's RTP header, or null (counted in `dropped`). */
export function acceptRtp(kind: MediaKind, packet: Buffer, dropped: DropCounts): RtpInfo | null {
  if (packet.length > MAX_RTP_BYTES) {
    dropped.oversized++;
    return null;
  }
  const rtp = parseRtp(packet);
  if (!rtp) {
    dropped.malformed++;
    return null;
  }
  // Only our codec: RTX, FEC or padding-only probes would confuse every receiver below.
  if (rtp.payloadType !== PAYLOAD_TYPES[kind] || rtp.payloadLength === 0) {
    dropped.unexpected++;
    return null;
  }
  return rtp;
}

/** The RTCP packet's summary, or null (counted in `dropped`). */
export function acceptRtcp(packet: Buffer, dropped: DropCounts): RtcpSummary | null {
  if (packet.length > MAX_RTCP_BYTES) {
    dropped.oversized++;
    return null;
  }
  const rtcp = parseRtcp(packet);
  if (!rtcp) dropped.malformed++;
  return rtcp;
}
