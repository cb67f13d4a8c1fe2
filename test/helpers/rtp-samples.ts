/**
 * Hand-made RTP packets for tests that feed the relay directly: a VP8 packet whose payload
 * descriptor starts partition 0 (S=1), a key frame when the frame tag's P bit is clear.
 */
import type { BrowserLinkEvents } from '../../node-agent/media/browser-link.js';
import { TypedEmitter } from '../../node-agent/typed-emitter.js';
import { PAYLOAD_TYPES, RTCP } from '../../protocol/media.js';

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

/** An RTP packet with a VP8 key frame's payload unless told otherwise. */
export function rtp(o: { seq: number; ts: number; ssrc: number; pt: number; payload?: number[] }): Buffer {
  const payload = Buffer.from(o.payload ?? [0x10, 0x00, 0x9d, 0x01, 0x2a]);
  const b = Buffer.alloc(12 + payload.length);
  b[0] = 0x80;
  b[1] = o.pt;
  b.writeUInt16BE(o.seq & 0xffff, 2);
  b.writeUInt32BE(o.ts >>> 0, 4);
  b.writeUInt32BE(o.ssrc >>> 0, 8);
  payload.copy(b, 12);
  return b;
}

/** An SR as a browser sends it: sender info, one report block, then an SDES chunk (compound). */
export function senderReport(o: { ssrc: number; ntpHi: number; ntpLo: number; rtpTs: number; packets?: number; octets?: number; blocks?: number }): Buffer {
  const blocks = o.blocks ?? 1;
  const sr = Buffer.alloc(28 + 24 * blocks, 0x77);
  sr[0] = 0x80 | blocks;
  sr[1] = RTCP.SR;
  sr.writeUInt16BE(sr.length / 4 - 1, 2);
  sr.writeUInt32BE(o.ssrc >>> 0, 4);
  sr.writeUInt32BE(o.ntpHi >>> 0, 8);
  sr.writeUInt32BE(o.ntpLo >>> 0, 12);
  sr.writeUInt32BE(o.rtpTs >>> 0, 16);
  sr.writeUInt32BE(o.packets ?? 1000, 20);
  sr.writeUInt32BE(o.octets ?? 900_000, 24);
  const sdes = Buffer.from([0x81, RTCP.SDES, 0, 2, 0, 0, 0, 0, 1, 2, 0x61, 0x62]);
  sdes.writeUInt32BE(o.ssrc >>> 0, 4);
  return Buffer.concat([sr, sdes]);
}

/** A BrowserLink stand-in: the page's packets are emitted as `media`; what the agent sends is kept. */
export class FakeBrowserLink extends TypedEmitter<BrowserLinkEvents> {
  readonly id = 'page';
  sent: { mid: string; packet: Buffer }[] = [];
  send(mid: string, packet: Buffer): boolean {
    this.sent.push({ mid, packet });
    return true;
  }
  close(): void {}
}

