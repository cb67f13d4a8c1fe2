/**
 * RTCP sender reports end to end, without a network: the page's SRs leave the BrowserSource (which
 * answers them with receiver reports), the relay validates them and passes each on to every
 * receiver rewritten to that receiver's SSRC and RTP clock, with the NTP time unchanged, so the
 * NTP ↔ RTP pair a receiver gets names the same instant as the source's.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { BrowserLink } from '../../node-agent/media/browser-link.js';
import { BrowserSource } from '../../node-agent/media/browser-source.js';
import { Downstream, type MediaSink } from '../../node-agent/media/downstream.js';
import { MediaRelay } from '../../node-agent/media/media-relay.js';
import { PAYLOAD_TYPES, RTCP, ReceptionStats, buildReceiverReport, parseRtcp, parseRtp, rewriteSenderReport, senderReportNtpMiddle, type MediaKind } from '../../protocol/media.js';
import { FakeSource } from '../helpers/fake-source.js';
import { FakeBrowserLink as FakeLink, rtp, senderReport } from '../helpers/rtp-samples.js';

interface SrFields {
  ssrc: number;
  ntpHi: number;
  ntpLo: number;
  rtpTs: number;
  packets: number;
  octets: number;
}
function readSr(b: Buffer): SrFields {
  assert.is(b.length, 28, 'cut to the sender info');
  assert.is(b[0], 0x80, 'version 2, no report blocks');
  assert.is(b[1], RTCP.SR);
  assert.is(b.readUInt16BE(2), 6);
  assert.ok(parseRtcp(b), 'a well-formed SR');
  return { ssrc: b.readUInt32BE(4), ntpHi: b.readUInt32BE(8), ntpLo: b.readUInt32BE(12), rtpTs: b.readUInt32BE(16), packets: b.readUInt32BE(20), octets: b.readUInt32BE(24) };
}

test('an SR is cut to its sender info and rewritten: SSRC, RTP timestamp + offset (wrapping); NTP and counts unchanged', () => {
  const packet = senderReport({ ssrc: 0xaaaa, ntpHi: 0xe8f0_1234, ntpLo: 0x8000_0000, rtpTs: 0xffff_fff0, packets: 42, octets: 4242, blocks: 2 });
  const [sr] = parseRtcp(packet)!.senderReports;
  assert.equal(sr, { ssrc: 0xaaaa, offset: 16 });
  assert.is(senderReportNtpMiddle(packet, sr!.offset), 0x1234_8000, 'LSR: the middle 32 bits of the NTP time');
  const out = rewriteSenderReport(packet, sr!.offset, 0xdead_beef, 0x20);
  assert.equal(readSr(out), { ssrc: 0xdead_beef, ntpHi: 0xe8f0_1234, ntpLo: 0x8000_0000, rtpTs: 0x10, packets: 42, octets: 4242 });
  assert.is(packet.readUInt32BE(4), 0xaaaa, 'the upstream packet is not modified');
});

/** A sink recording RTP and RTCP it was given. */
function sink(id: string, ssrcs: Partial<Record<MediaKind, number>>): MediaSink & { got: { kind: MediaKind; packet: Buffer }[] } {
  const got: { kind: MediaKind; packet: Buffer }[] = [];
  return { id, got, ssrc: (k) => ssrcs[k], send: (kind, packet) => (got.push({ kind, packet }), true) };
}
const rtcpOf = (s: ReturnType<typeof sink>, kind: MediaKind) => s.got.filter((g) => g.kind === kind && g.packet[1] === RTCP.SR).map((g) => g.packet);
const rtpOf = (s: ReturnType<typeof sink>, kind: MediaKind) => s.got.filter((g) => g.kind === kind && g.packet[1] !== RTCP.SR).map((g) => parseRtp(g.packet)!);

test('a Downstream keeps the SR consistent with its RTP: after a new source its timestamps move, and the SR moves with them', () => {
  const s = sink('a', { audio: 0x2222 });
  const d = new Downstream(s, { keyframeNeeded() {}, nackUpstream() {} });
  const push = (p: Buffer) => d.push('audio', p, parseRtp(p)!, false);
  const sr = (ssrc: number, rtpTs: number) => {
    const p = senderReport({ ssrc, ntpHi: 100, ntpLo: 0, rtpTs });
    d.forwardSenderReport('audio', p, parseRtcp(p)!.senderReports[0]!.offset);
  };
  sr(0x1, 1000);
  assert.is(s.got.length, 0, 'no SR before any RTP (no clock offset known yet)');
  push(rtp({ seq: 10, ts: 48_000, ssrc: 0x1, pt: 111 }));
  sr(0x1, 48_960);
  assert.is(readSr(rtcpOf(s, 'audio')[0]!).rtpTs, 48_960, 'same clock as upstream while nothing jumped');
  // Another source, with its own numbering: the receiver's timestamps continue from where they were.
  d.resync('audio');
  push(rtp({ seq: 5000, ts: 7, ssrc: 0x9, pt: 111 }));
  const out = rtpOf(s, 'audio').at(-1)!;
  sr(0x9, 7 + 960);
  const fwd = readSr(rtcpOf(s, 'audio')[1]!);
  assert.is(fwd.ssrc, 0x2222);
  assert.is((fwd.rtpTs - out.timestamp) >>> 0, 960, 'the SR names the same instant in the receiver’s clock as upstream');
  assert.is(d.counters.senderReports, 2);
});


test('the relay passes each valid SR of the forwarded stream to every receiver and drops the rest, counted', async () => {
  const relay = new MediaRelay();
  const src = new FakeSource();
  await relay.setSource(src);
  const child = sink('edge-1', { video: 0x1111, audio: 0x2222 });
  const page = sink('local:p', { video: 0x3333, audio: 0x4444 });
  relay.addSink(child);
  relay.addSink(page);
  src.deliver!('video', senderReport({ ssrc: 0xaa, ntpHi: 7, ntpLo: 0, rtpTs: 0 })); // ffmpeg sends one before its first packet
  assert.is(relay.stats().dropped.unexpected, 0, 'an SR before any RTP is let go, not counted as bad');
  src.deliver!('video', rtp({ seq: 1, ts: 90_000, ssrc: 0xaa, pt: PAYLOAD_TYPES.video }));
  src.deliver!('audio', rtp({ seq: 1, ts: 48_000, ssrc: 0xbb, pt: PAYLOAD_TYPES.audio, payload: [1, 2, 3] }));
  src.deliver!('video', senderReport({ ssrc: 0xaa, ntpHi: 7, ntpLo: 8, rtpTs: 93_000 }));
  src.deliver!('audio', senderReport({ ssrc: 0xbb, ntpHi: 7, ntpLo: 9, rtpTs: 49_000 }));
  for (const [s, v, a] of [[child, 0x1111, 0x2222], [page, 0x3333, 0x4444]] as const) {
    const [vs] = rtcpOf(s, 'video');
    const [as] = rtcpOf(s, 'audio');
    assert.equal(readSr(vs!), { ssrc: v, ntpHi: 7, ntpLo: 8, rtpTs: 93_000, packets: 1000, octets: 900_000 }, `${s.id}: video SR`);
    assert.equal(readSr(as!), { ssrc: a, ntpHi: 7, ntpLo: 9, rtpTs: 49_000, packets: 1000, octets: 900_000 }, `${s.id}: audio SR`);
  }
  const before = relay.stats();
  assert.equal(before.senderReports, { in: { video: 1, audio: 1, podcast: 0, screen: 0, 'screen-audio': 0 }, out: 4 });
  // An SR about another stream (the audio SR on video), a broken one, an oversized one: none goes on.
  src.deliver!('video', senderReport({ ssrc: 0xbb, ntpHi: 7, ntpLo: 9, rtpTs: 49_000 }));
  src.deliver!('video', senderReport({ ssrc: 0xaa, ntpHi: 7, ntpLo: 8, rtpTs: 93_000 }).subarray(0, 20));
  src.deliver!('video', senderReport({ ssrc: 0xaa, ntpHi: 7, ntpLo: 8, rtpTs: 93_000, blocks: 2 }).subarray(0, 60));
  const big = Buffer.concat([senderReport({ ssrc: 0xaa, ntpHi: 7, ntpLo: 8, rtpTs: 93_000 }), Buffer.alloc(1400)]);
  big.writeUInt16BE(big.length / 4 - 1 - 3, 2 + 28 + 24); // keep it a well-formed compound if it were read
  src.deliver!('video', big);
  const after = relay.stats();
  assert.is(rtcpOf(child, 'video').length, 1, 'nothing more reached the child');
  assert.is(after.dropped.unexpected - before.dropped.unexpected, 1, 'an SR of another SSRC');
  assert.is(after.dropped.malformed - before.dropped.malformed, 2, 'a cut SR and one whose report blocks run past the end');
  assert.is(after.dropped.oversized - before.dropped.oversized, 1);
  assert.equal(after.senderReports, { in: { video: 1, audio: 1, podcast: 0, screen: 0, 'screen-audio': 0 }, out: 4 });
  await relay.close();
});

test('the browser source passes the page’s SRs to the relay and answers each with a receiver report (LSR), a REMB, and PLIs addressed to the page’s SSRC', () => {
  const link = new FakeLink();
  const source = new BrowserSource(link as unknown as BrowserLink, [
    { kind: 'video', mid: '0', payloadType: 120 },
    { kind: 'audio', mid: '1', payloadType: 109 },
  ]);
  const got: { kind: MediaKind; packet: Buffer }[] = [];
  source.attach((kind, packet) => got.push({ kind, packet }));
  for (let seq = 65534; seq < 65534 + 5; seq++) if (seq !== 65535) link.emit('media', '0', rtp({ seq, ts: seq * 3000, ssrc: 0xcafe, pt: 120 }));
  link.emit('media', '1', rtp({ seq: 7, ts: 960, ssrc: 0xbeef, pt: 109, payload: [1] }));
  const sr = senderReport({ ssrc: 0xcafe, ntpHi: 0x0001_2345, ntpLo: 0x6789_0000, rtpTs: 5 });
  link.emit('media', '0', sr);
  link.emit('media', '1', senderReport({ ssrc: 0xbeef, ntpHi: 3, ntpLo: 0, rtpTs: 9 }));
  assert.equal(got.map((g) => [g.kind, g.packet[1]! & 0x7f]), [['video', 96], ['video', 96], ['video', 96], ['video', 96], ['audio', 111], ['video', RTCP.SR & 0x7f], ['audio', RTCP.SR & 0x7f]], 'RTP with the tree’s payload types, then the SRs');
  assert.is(got[5]!.packet, sr, 'the SR goes to the relay as the page sent it (the relay validates and rewrites)');
  const rrs = link.sent.filter((s) => s.packet[1] === RTCP.RR);
  assert.is(rrs.length, 2, 'one receiver report per SR');
  const rr = rrs[0]!.packet;
  assert.is(rrs[0]!.mid, '0');
  assert.is(rr.readUInt32BE(8), 0xcafe, 'about the page’s video SSRC');
  assert.is(rr.readUInt32BE(12) & 0xffffff, 1, 'one packet lost (65535)');
  assert.is(rr.readUInt32BE(16), 0x1_0002, 'extended highest sequence number, across the wrap');
  assert.is(rr.readUInt32BE(24), 0x2345_6789, 'LSR');
  assert.ok(link.sent.some((s) => s.mid === '0' && s.packet[1] === RTCP.PSFB && s.packet.subarray(12, 16).toString() === 'REMB'), 'a REMB with the video SR');
  source.requestKeyframe();
  const pli = link.sent.at(-1)!;
  assert.equal([pli.mid, pli.packet[0]! & 0x1f, pli.packet[1], pli.packet.readUInt32BE(8)], ['0', 1, RTCP.PSFB, 0xcafe], 'a PLI for the page’s video SSRC');
  source.close();
});

test('reception stats: loss fraction since the last report, cumulative loss, and the delay since the SR', () => {
  const st = new ReceptionStats();
  for (const seq of [1, 2, 4, 5]) st.packet(9, seq);
  st.senderReport(0xabcd, 1000);
  const b = st.block(1500)!;
  assert.equal([b.ssrc, b.cumulativeLost, b.fractionLost, b.highestSeq, b.lastSr, b.delaySinceLastSr], [9, 1, 51, 5, 0xabcd, 32768]);
  for (const seq of [6, 7]) st.packet(9, seq);
  assert.is(st.block(1500)!.fractionLost, 0, 'nothing lost since the last report');
  const rr = buildReceiverReport(1, { ...b, cumulativeLost: -1 });
  assert.ok(parseRtcp(rr), 'a well-formed RR');
  assert.is(rr.readUInt32BE(12) & 0xffffff, 0xffffff, 'duplicates make a negative loss (24-bit two’s complement)');
});

test.run();
