/**
 * Hand-made RTP packets for tests that feed the relay directly: a VP8 packet whose payload
 * descriptor starts partition 0 (S=1), a key frame when the frame tag's P bit is clear.
 */
import { PAYLOAD_TYPES } from '../../protocol/media.js';

export function vp8Packet(o: { ssrc: number; seq: number; key: boolean; pt?: number; bytes?: number; marker?: boolean }): Buffer {
  const b = Buffer.alloc(o.bytes ?? 200, 0x5a);
  b[0] = 0x80;
  b[1] = (o.marker ? 0x80 : 0) | (o.pt ?? PAYLOAD_TYPES.video);
  b.writeUInt16BE(o.seq & 0xffff, 2);
  b.writeUInt32BE((o.seq * 3000) >>> 0, 4);
  b.writeUInt32BE(o.ssrc, 8);
  b[12] = 0x10;
  b[13] = o.key ? 0x00 : 0x01;
  return b;
}
