import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Downstream, KEYFRAME_RETRY_MS, QUEUE_LIMIT, type MediaSink } from '../../node-agent/media/downstream.js';
import {
  buildNack,
  buildPli,
  isRtcpPacket,
  isVp8KeyframeStart,
  parseRtcp,
  parseRtp,
  rewriteRtp,
  PAYLOAD_TYPES,
  type MediaKind,
} from '../../protocol/media.js';

function rtp(o: { seq: number; ts?: number; ssrc?: number; pt?: number; payload?: number[]; marker?: boolean }): Buffer {
  const payload = Buffer.from(o.payload ?? [0x10, 0x01, 0xaa, 0xbb]);
  const b = Buffer.alloc(12 + payload.length);
  b[0] = 0x80;
  b[1] = (o.marker ? 0x80 : 0) | (o.pt ?? PAYLOAD_TYPES.video);
  b.writeUInt16BE(o.seq & 0xffff, 2);
  b.writeUInt32BE((o.ts ?? o.seq * 3000) >>> 0, 4);
  b.writeUInt32BE(o.ssrc ?? 0x1234, 8);
  payload.copy(b, 12);
  return b;
}
const key = (seq: number) => rtp({ seq, payload: [0x10, 0x00, 0x9d, 0x01, 0x2a] });
const delta = (seq: number) => rtp({ seq });

test('RTP headers are read, and CSRC, extension and padding are accounted for', () => {
  const p = parseRtp(rtp({ seq: 65535, ts: 0xfffffff0, marker: true }))!;
  assert.equal([p.payloadType, p.marker, p.seq, p.timestamp, p.ssrc, p.payloadOffset, p.payloadLength], [96, true, 65535, 0xfffffff0, 0x1234, 12, 4]);
  const withAll = Buffer.concat([Buffer.from([0xb1, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2]), Buffer.alloc(4, 9), Buffer.from([0xbe, 0xde, 0, 1, 1, 2, 3, 4]), Buffer.from([7, 7, 0, 2])]);
  const q = parseRtp(withAll)!;
  assert.is(q.payloadOffset, 12 + 4 + 8);
  assert.is(q.payloadLength, 2);
});

test('malformed RTP is refused: short, version, lengths past the end, zero padding, RTCP, oversized', () => {
  const good = rtp({ seq: 1 });
  const cases: [string, Buffer][] = [
    ['short', good.subarray(0, 11)],
    ['version 1', Buffer.from([0x40, ...good.subarray(1)])],
    ['CSRCs past the end', Buffer.from([0x8f, ...good.subarray(1)])],
    ['extension past the end', Buffer.concat([Buffer.from([0x90]), good.subarray(1, 12), Buffer.from([0xbe, 0xde, 0xff, 0xff])])],
    ['padding past the end', Buffer.concat([Buffer.from([0xa0]), good.subarray(1), Buffer.from([200])])],
    ['zero padding', Buffer.concat([Buffer.from([0xa0]), good.subarray(1), Buffer.from([0])])],
    ['RTCP', buildPli(1, 2)],
    ['oversized', Buffer.concat([good, Buffer.alloc(1500)])],
  ];
  for (const [what, b] of cases) assert.is(parseRtp(b), null, what);
  assert.ok(isRtcpPacket(buildPli(1, 2)));
  assert.not.ok(isRtcpPacket(rtp({ seq: 1, marker: true })), 'marker + PT 96 is RTP (224), not RTCP');
});

test('rewriting changes SSRC, payload type, sequence number and timestamp and keeps the marker', () => {
  const b = rtp({ seq: 10, marker: true, pt: 120 });
  rewriteRtp(b, { ssrc: 0xdeadbeef, payloadType: 96, seq: 65536 + 5, timestamp: 2 ** 32 + 7 });
  const p = parseRtp(b)!;
  assert.equal([p.ssrc, p.payloadType, p.marker, p.seq, p.timestamp], [0xdeadbeef, 96, true, 5, 7]);
});

test('a VP8 key frame start is told from a delta frame, a continuation and extended descriptors', () => {
  const at = (payload: number[]) => {
    const b = rtp({ seq: 1, payload });
    return isVp8KeyframeStart(b, parseRtp(b)!);
  };
  assert.ok(at([0x10, 0x00]), 'S=1, PID=0, P=0');
  assert.not.ok(at([0x10, 0x01]), 'delta frame');
  assert.not.ok(at([0x00, 0x00]), 'not the start of a partition');
  assert.ok(at([0x90, 0x80, 0x81, 0x23, 0x00]), '15-bit picture id');
  assert.ok(at([0x90, 0xe0, 0x05, 0x01, 0x20, 0x00]), '7-bit picture id, TL0PICIDX, TID');
  assert.not.ok(at([0x90]), 'descriptor cut short');
});

test('RTCP: PLI, FIR, NACK bitmasks and sender reports are read from a compound packet; broken ones are refused', () => {
  const nack = buildNack(1, 0xabc, [100, 101, 103, 116, 117, 65535, 0]);
  const fir = Buffer.from([0x84, 206, 0, 4, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x0f, 0xff, 1, 0, 0, 0]);
  const sr = Buffer.alloc(28);
  sr[0] = 0x80;
  sr[1] = 200;
  sr.writeUInt16BE(6, 2);
  sr.writeUInt32BE(0x55, 4);
  const s = parseRtcp(Buffer.concat([sr, buildPli(1, 0x77), fir, nack]))!;
  assert.equal(s.keyframeFor, [0x77, 0xfff]);
  assert.equal(s.senderReports, [{ ssrc: 0x55, offset: 16 }]);
  assert.equal(s.nacks[0]!.ssrc, 0xabc);
  assert.equal([...s.nacks[0]!.seqs].sort((a, b) => a - b), [0, 100, 101, 103, 116, 117, 65535]);
  for (const bad of [
    buildPli(1, 2).subarray(0, 8),
    Buffer.concat([buildPli(1, 2), Buffer.from([0x81, 206, 0, 9])]),
    Buffer.from([0x80, 210, 0, 0]),
    Buffer.from([0x40, 206, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0]),
    rtp({ seq: 1 }),
  ]) {
    assert.is(parseRtcp(bad), null, bad.toString('hex'));
  }
});

/** A sink that records what it was given, and can refuse for a while like a stalled socket. */
class TestSink implements MediaSink {
  got: Buffer[] = [];
  refuse = false;
  constructor(readonly id: string) {}
  ssrc(kind: MediaKind) {
    return kind === 'video' ? 0x1111 : 0x2222;
  }
  send(_kind: MediaKind, p: Buffer) {
    if (this.refuse) return false;
    this.got.push(p);
    return true;
  }
}
const noHooks = { keyframeNeeded() {}, nackUpstream() {} };
const push = (d: Downstream, p: Buffer) => d.push('video', p, parseRtp(p)!, isVp8KeyframeStart(p, parseRtp(p)!));

test('a receiver gets no video before a key frame, then everything rewritten to its SSRC with upstream numbering', () => {
  const sink = new TestSink('a');
  let asked = 0;
  const d = new Downstream(sink, { ...noHooks, keyframeNeeded: () => asked++ });
  push(d, delta(5));
  push(d, delta(6));
  push(d, key(7));
  push(d, delta(8));
  assert.equal(sink.got.map((p) => parseRtp(p)!.seq), [7, 8]);
  assert.ok(sink.got.every((p) => parseRtp(p)!.ssrc === 0x1111));
  assert.is(d.counters.droppedWaitingForKeyframe, 2);
  d.handleRtcp(buildPli(9, 0x1111));
  d.handleRtcp(buildPli(9, 0x9999)); // another stream's PLI is not ours
  assert.is(asked, 1);
  d.close();
});

test('a receiver still waiting for a key frame asks again each KEYFRAME_RETRY_MS (a request can be lost on the way up)', async () => {
  const sink = new TestSink('a');
  let asked = 0;
  const d = new Downstream(sink, { ...noHooks, keyframeNeeded: () => asked++ });
  push(d, delta(1));
  assert.is(asked, 0, 'the relay asked when it added the receiver; no second request at once');
  await new Promise((r) => setTimeout(r, KEYFRAME_RETRY_MS + 20));
  push(d, delta(2));
  push(d, delta(3));
  assert.is(asked, 1, 'asked again once the interval passed, not per packet');
  push(d, key(4));
  await new Promise((r) => setTimeout(r, KEYFRAME_RETRY_MS + 20));
  push(d, delta(5));
  assert.is(asked, 1, 'no more requests once the picture started');
  d.close();
});

test('a jump in the upstream stream (a new source) keeps the receiver’s numbering continuous', () => {
  const sink = new TestSink('a');
  const d = new Downstream(sink, noHooks);
  push(d, key(100));
  push(d, delta(101));
  push(d, key(40_000));
  push(d, delta(40_001));
  const seqs = sink.got.map((p) => parseRtp(p)!.seq);
  assert.equal(seqs, [100, 101, 102, 103]);
  const ts = sink.got.map((p) => parseRtp(p)!.timestamp);
  assert.ok(ts[2]! > ts[1]! && ts[2]! - ts[1]! < 90_000, 'the clock moves on by about the wall time');
  d.close();
});

test('a NACK is answered from this hop’s cache; what it no longer has is asked upstream in upstream numbering', () => {
  const sink = new TestSink('a');
  const upstream: number[][] = [];
  const d = new Downstream(sink, { ...noHooks, nackUpstream: (_k, seqs) => upstream.push(seqs) });
  push(d, key(1000));
  for (let s = 1001; s < 1010; s++) push(d, delta(s));
  sink.got = [];
  d.handleRtcp(buildNack(9, 0x1111, [1003, 1004, 2000]));
  assert.equal(sink.got.map((p) => parseRtp(p)!.seq), [1003, 1004]);
  assert.equal(upstream, [[2000]]);
  assert.equal([d.counters.nackAsked, d.counters.nackResent], [3, 2]);
  d.close();
});

test('resends take at most a share of what a receiver was sent (a congested link is not flooded); a kind switched off is not repaired', () => {
  const sink = new TestSink('a');
  const d = new Downstream(sink, noHooks);
  const big = (seq: number) => rtp({ seq, payload: new Array(1000).fill(0) });
  push(d, key(1));
  for (let s = 2; s <= 500; s++) push(d, big(s));
  const size = sink.got[1]!.length;
  sink.got = [];
  const all = Array.from({ length: 499 }, (_, i) => i + 1);
  d.handleRtcp(buildNack(9, 0x1111, all)); // the receiver says it lost everything
  const resent = sink.got.length;
  assert.ok(resent > 0 && resent < 100 && resent * size <= 64 * 1024 + size, `resends within the budget (${resent} of 499, ${size} bytes each)`);
  sink.got = [];
  for (let s = 501; s <= 540; s++) push(d, big(s));
  sink.got = [];
  d.handleRtcp(buildNack(9, 0x1111, [501, 502]));
  assert.is(sink.got.length, 2, 'a quarter of what went since is resent again (a few packets lost on a good link are repaired whole)');
  d.setEnabled('video', false);
  sink.got = [];
  d.handleRtcp(buildNack(9, 0x1111, [503]));
  assert.is(sink.got.length, 0, 'switched off: its losses are not repaired');
  d.close();
});

test('a stalled receiver never holds up its sibling: it queues, then drops to the next key frame, then catches up', async () => {
  const slow = new TestSink('slow');
  const fast = new TestSink('fast');
  let keyframeRequests = 0;
  const hooks = { ...noHooks, keyframeNeeded: () => keyframeRequests++ };
  const ds = [new Downstream(slow, hooks), new Downstream(fast, hooks)];
  const all = (p: Buffer) => ds.forEach((d) => push(d, p));
  all(key(1));
  slow.refuse = true;
  for (let s = 2; s < 2 + QUEUE_LIMIT + 50; s++) all(delta(s));
  assert.is(fast.got.length, 1 + QUEUE_LIMIT + 50, 'the sibling got every packet at once');
  assert.ok(ds[0]!.queued <= QUEUE_LIMIT, 'the slow queue stays bounded');
  assert.ok(ds[0]!.counters.droppedQueue > 0);
  assert.is(keyframeRequests, 1, 'one key frame asked for the slow receiver');
  slow.refuse = false;
  const before = slow.got.length;
  all(delta(1000));
  all(key(1001));
  all(delta(1002));
  await new Promise((r) => setTimeout(r, 30));
  const resumed = slow.got.slice(before);
  assert.ok(isVp8KeyframeStart(resumed[0]!, parseRtp(resumed[0]!)!), 'it resumes at the key frame');
  assert.equal(resumed.map((p) => parseRtp(p)!.seq), [2, 3], 'numbered right after the last packet it got: no gap to NACK');
  assert.equal(fast.got.slice(-3).map((p) => parseRtp(p)!.seq), [1000, 1001, 1002]);
  ds.forEach((d) => d.close());
});

test.run();
