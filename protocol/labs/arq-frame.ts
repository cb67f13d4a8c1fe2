/**
 * The ARQ lab's wire format: a tiny binary frame with a CRC-32 trailer, sent on the unreliable
 * `lab` data channel. decodeFrame never throws: the channel is lossy on purpose, and a corrupted
 * frame must look exactly like a lost one to the protocol (a typed reason, no exception).
 *
 *   0      1      2..3              4..5         6..7            8..8+len  last 4
 *   kind   flags  transfer (u16BE)  seq (u16BE)  length (u16BE)  payload   CRC-32 (BE) of all before
 *
 * `transfer` tells runs apart on one long-lived channel: a late frame of the previous run must
 * not be taken for a frame of this one (its sequence number could well match).
 */
import { crc32 } from './crc32.js';

export const FRAME_KINDS = { data: 1, ack: 2 } as const;
/** Flag bit on the data frame that carries the file's last segment. */
export const FLAG_LAST = 0x01;
export const FRAME_HEADER_BYTES = 8;
/** Offset of the u16 sequence number, for the channel's event log. */
export const FRAME_SEQ_OFFSET = 4;
export const FRAME_TRAILER_BYTES = 4;
export const FRAME_OVERHEAD = FRAME_HEADER_BYTES + FRAME_TRAILER_BYTES;

/** A data frame: one segment of the file. `last` marks the final segment (possibly empty). */
export interface DataFrame {
  type: 'data';
  transfer: number;
  seq: number;
  last: boolean;
  payload: Uint8Array;
}

/**
 * An acknowledgement. Selective Repeat: `seq` is the frame received. Go-Back-N and Stop-and-Wait:
 * `seq` is the next frame expected (cumulative: everything before it arrived).
 */
export interface AckFrame {
  type: 'ack';
  transfer: number;
  seq: number;
}

/** Any ARQ frame, discriminated on `type`. */
export type ArqFrame = DataFrame | AckFrame;

/** Why bytes were not a frame; a receiver counts these as corrupted and otherwise ignores them. */
export const FRAME_ERRORS = {
  NOT_BINARY: 'NOT_BINARY',
  TOO_SHORT: 'TOO_SHORT',
  BAD_LENGTH: 'BAD_LENGTH',
  BAD_CHECKSUM: 'BAD_CHECKSUM',
  BAD_KIND: 'BAD_KIND',
  BAD_FLAGS: 'BAD_FLAGS',
} as const;
export type FrameError = (typeof FRAME_ERRORS)[keyof typeof FRAME_ERRORS];

/** Result of decodeFrame: the frame, or the reason the bytes are garbage. */
export type DecodeFrameResult = { ok: true; frame: ArqFrame } | { ok: false; error: FrameError };

export function encodeFrame(frame: ArqFrame): Uint8Array {
  if (!Number.isInteger(frame.seq) || frame.seq < 0 || frame.seq > 0xffff) {
    throw new TypeError(`frame seq must be a u16, got ${frame.seq}`);
  }
  if (!Number.isInteger(frame.transfer) || frame.transfer < 0 || frame.transfer > 0xffff) {
    throw new TypeError(`frame transfer id must be a u16, got ${frame.transfer}`);
  }
  const payload = frame.type === 'data' ? frame.payload : new Uint8Array(0);
  if (payload.length > 0xffff) throw new TypeError(`payload of ${payload.length} bytes exceeds 65535`);
  const out = new Uint8Array(FRAME_OVERHEAD + payload.length);
  const view = new DataView(out.buffer);
  out[0] = FRAME_KINDS[frame.type];
  out[1] = frame.type === 'data' && frame.last ? FLAG_LAST : 0;
  view.setUint16(2, frame.transfer);
  view.setUint16(FRAME_SEQ_OFFSET, frame.seq);
  view.setUint16(6, payload.length);
  out.set(payload, FRAME_HEADER_BYTES);
  view.setUint32(FRAME_HEADER_BYTES + payload.length, crc32(out, 0, FRAME_HEADER_BYTES + payload.length));
  return out;
}

export function decodeFrame(bytes: unknown): DecodeFrameResult {
  if (!(bytes instanceof Uint8Array)) return { ok: false, error: 'NOT_BINARY' };
  if (bytes.length < FRAME_OVERHEAD) return { ok: false, error: 'TOO_SHORT' };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = view.getUint16(6);
  if (bytes.length !== FRAME_OVERHEAD + length) return { ok: false, error: 'BAD_LENGTH' };
  const end = FRAME_HEADER_BYTES + length;
  if (view.getUint32(end) !== crc32(bytes, 0, end)) return { ok: false, error: 'BAD_CHECKSUM' };
  const kind = bytes[0];
  const flags = bytes[1]!;
  const transfer = view.getUint16(2);
  const seq = view.getUint16(FRAME_SEQ_OFFSET);
  if (kind === FRAME_KINDS.ack) {
    return length === 0 && flags === 0 ? { ok: true, frame: { type: 'ack', transfer, seq } } : { ok: false, error: 'BAD_FLAGS' };
  }
  if (kind !== FRAME_KINDS.data) return { ok: false, error: 'BAD_KIND' };
  if ((flags & ~FLAG_LAST) !== 0) return { ok: false, error: 'BAD_FLAGS' };
  // Copy: a Node Buffer from the channel may be a view into a pooled slab that gets reused.
  const payload = new Uint8Array(length);
  payload.set(bytes.subarray(FRAME_HEADER_BYTES, end));
  return { ok: true, frame: { type: 'data', transfer, seq, last: (flags & FLAG_LAST) !== 0, payload } };
}

/**
 * Decodes a frame that must be of `type` and belong to `transfer`; anything else is refused with
 * the reason an event log shows (a frame of an earlier run must never move this one).
 */
export function decodeFrameFor<T extends ArqFrame['type']>(
  bytes: unknown,
  type: T,
  transfer: number,
): { ok: true; frame: Extract<ArqFrame, { type: T }> } | { ok: false; note: string; seq?: number } {
  const decoded = decodeFrame(bytes);
  if (!decoded.ok) return { ok: false, note: decoded.error };
  const { frame } = decoded;
  if (frame.type !== type) return { ok: false, seq: frame.seq, note: type === 'ack' ? 'not an ACK' : 'not a data frame' };
  if (frame.transfer !== transfer) return { ok: false, seq: frame.seq, note: `transfer ${frame.transfer}, not ours` };
  return { ok: true, frame: frame as Extract<ArqFrame, { type: T }> };
}
