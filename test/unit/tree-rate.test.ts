/**
 * What the tree can carry (docs/media.md): receiver reports and REMBs read where they arrive, each
 * receiver's loss-based estimate, the relay's lowest-receiver estimate and the feedback a child
 * agent sends up its edge once a second, all without a network. Times are passed in, so nothing
 * here waits on a clock except the one test that runs the relay's own timer.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MediaRelay } from '../../node-agent/media/media-relay.js';
import { cameraBitrate, ReceiverEstimate, REPORT_STALE_MS, TOP_LAYER_MIN_BPS, TREE_MAX_BPS, TREE_MIN_BPS } from '../../node-agent/media/rate-control.js';
import { CAMERA_LAYERS } from '../../protocol/sdp.js';
import { TreeFeedback } from '../../node-agent/media/tree-feedback.js';
import { pictureLimit } from '../../node-agent/media/picture-limit.js';
import type { RosterEntry } from '../../protocol/common.js';
import type { CtlMessage } from '../../protocol/ctl.js';
import type { MediaSink } from '../../node-agent/media/downstream.js';
import { buildReceiverReport, buildRemb, parseRtcp, type MediaKind } from '../../protocol/media.js';
import { FakeSource } from '../helpers/fake-source.js';
import { vp8Packet } from '../helpers/rtp-samples.js';

const rr = (ssrc: number, fractionLost: number) =>
  buildReceiverReport(0x77, { ssrc, fractionLost, cumulativeLost: 0, highestSeq: 0, jitter: 0, lastSr: 0, delaySinceLastSr: 0 });

test('parseRtcp reads report blocks and REMBs, and refuses counts that run past the packet', () => {
  const remb = buildRemb(0x77, 2_500_000, [0xa1, 0xa2]);
  const summary = parseRtcp(Buffer.concat([rr(0xa1, 64), remb]))!;
  assert.equal(summary.reports, [{ ssrc: 0xa1, fractionLost: 64 }]);
  assert.equal(summary.rembs, [{ bps: 2_500_000, ssrcs: [0xa1, 0xa2] }], 'mantissa and exponent round trip');
  assert.equal(parseRtcp(buildRemb(1, 123_456_789, []))!.rembs[0]!.bps, 123_456_512, 'a large rate keeps its 18 significant bits');
  const lying = Buffer.from(remb);
  lying[16] = 9; // nine SSRCs in a packet with room for two
  assert.is(parseRtcp(lying), null, 'a REMB naming more SSRCs than it holds');
  const rrLying = Buffer.from(rr(0xa1, 0));
  rrLying[0] = 0x80 | 3; // three report blocks, one present
  assert.is(parseRtcp(rrLying), null, 'an RR whose count runs past its length');
  const afb = Buffer.from(remb);
  afb.write('ABCD', 12, 'latin1');
  assert.equal(parseRtcp(afb)!.rembs, [], 'other application feedback is left alone');
});

test('a receiver’s estimate: unknown until it reports, falls with heavy loss from what flowed, holds on moderate loss, grows 8 %/s on none, bounded', () => {
  const e = new ReceiverEstimate();
  assert.is(e.value(0), undefined, 'no report yet');
  const second = (t: number, fractionLost: number, bps = 1_000_000) => {
    e.sent(bps / 8);
    e.report(fractionLost, t);
  };
  second(0, 0);
  second(1000, 0);
  assert.is(e.value(1000), TREE_MAX_BPS, 'no loss, nothing known: no limit');
  second(2000, 64); // 25 %
  assert.is(e.value(2000), 875_000, '1 Mbit/s flowed with 25 % lost: 1 − 0.5·0.25 of it');
  second(3000, 13); // 5 %: hold
  assert.is(e.value(3000), 875_000);
  second(4000, 0, 875_000);
  assert.is(e.value(4000), 945_000, '8 % more after a second without loss');
  for (let t = 5000; t <= 20_000; t += 1000) second(t, 0, 200_000);
  assert.is(e.value(20_000), 945_000, 'never past 1.5× what flows (the source sends 200 kbit/s): no growth from here');
  for (let t = 21_000; t <= 25_000; t += 1000) second(t, 255, 200_000);
  assert.is(e.value(25_000), TREE_MIN_BPS, 'all lost: down to the floor, not below');
  e.report(0, 25_010);
  e.report(0, 25_020);
  assert.is(e.value(25_020), TREE_MIN_BPS, 'reports closer than 250 ms are ignored');
  assert.is(e.value(25_000 + REPORT_STALE_MS + 1), undefined, 'silent for 5 s: it no longer counts');
});

test('bytes dropped from a receiver’s queue at this hop count as lost, though its own reports say none', () => {
  const e = new ReceiverEstimate();
  e.sent(125_000);
  e.report(0, 0);
  e.sent(125_000); // 1 Mbit/s went out…
  e.undelivered(125_000); // …and as much again was dropped: its link took half
  e.report(0, 1000);
  assert.is(e.value(1000), 750_000, '1 Mbit/s flowed, 50 % lost at the hop: 1 − 0.5·0.5 of it');
  e.sent(125_000);
  e.report(0, 2000);
  assert.is(e.value(2000), 810_000, 'nothing dropped since: it grows again');
});

test('a receiver whose link takes nothing (its sends fail, its queue overflows) limits the relay’s estimate while it reports no loss', async () => {
  const relay = new MediaRelay();
  const src = new FakeSource();
  await relay.setSource(src);
  const stuck = { id: 'edge-stuck', ssrc: (k: MediaKind) => (k === 'video' ? 0x3333 : undefined), send: () => false };
  const ds = relay.addSink(stuck);
  let seq = 0;
  const pump = setInterval(() => {
    for (let i = 0; i < 20; i++) src.deliver!('video', vp8Packet({ ssrc: 0xaa, seq: seq++, key: true, bytes: 1000 }));
  }, 20);
  try {
    ds.handleRtcp(rr(0x3333, 0));
    await new Promise((r) => setTimeout(r, 1300));
    ds.handleRtcp(rr(0x3333, 0));
    await new Promise((r) => setTimeout(r, 1100));
    assert.ok(ds.counters.droppedQueue > 0, 'its queue overflowed');
    const e = relay.estimate('video');
    assert.is(e.limitedBy, 'edge-stuck');
    assert.is(e.bps, TREE_MIN_BPS, `nothing went out and all of it was dropped: the floor (${e.bps})`);
  } finally {
    clearInterval(pump);
    await relay.close();
  }
});

test('a camera in simulcast layers is allowed its lower layers on top of the tree’s estimate, never so little that the top layer stops; one layer gets the lower of cap and estimate', () => {
  const lower = CAMERA_LAYERS[0]!.maxBitrate + CAMERA_LAYERS[1]!.maxBitrate;
  assert.is(cameraBitrate(2_500_000, TREE_MIN_BPS, false), TREE_MIN_BPS, 'one layer: everyone gets that encoding, the tree holds it down');
  assert.is(cameraBitrate(2_500_000, TREE_MIN_BPS, true), lower + TOP_LAYER_MIN_BPS, 'layers: the top one keeps its minimum beside the lower ones');
  assert.is(cameraBitrate(2_500_000, 1_000_000, true), lower + 1_000_000, 'the estimate is the top layer’s');
  assert.is(cameraBitrate(2_500_000, TREE_MAX_BPS, true), 2_500_000, 'never past the slot’s cap');
  assert.is(cameraBitrate(200_000, TREE_MAX_BPS, true), 200_000, 'a thumbnail stays a thumbnail');

  // The deadlock this prevents: one report of heavy loss on the top layer's receiver (a join on a
  // loaded machine) drops its estimate to the floor. Allowed only that, the page turned its upper
  // layers off; the receiver then got the lowest layer, ~150 kbit/s, and an estimate grows to at
  // most 1.5× what flows: it never got back. Allowed the top layer's minimum, it climbs.
  const climb = (allow: (treeBps: number) => number) => {
    const e = new ReceiverEstimate();
    e.sent(100_000);
    e.report(0, 0);
    e.sent(50_000); // 400 kbit/s over the second
    e.report(128, 1000); // half lost
    let now = 1000;
    for (let s = 0; s < 60; s++) {
      const allowed = allow(e.value(now)!);
      // the page sends its top layer only when allowed its minimum beside the lower ones; else
      // the receiver moves to the lowest layer (the middle one needs 300 kbit/s beside it, too)
      const top = allowed - lower;
      e.sent((top >= TOP_LAYER_MIN_BPS ? Math.min(top, CAMERA_LAYERS[2]!.maxBitrate) : CAMERA_LAYERS[0]!.maxBitrate) / 8);
      now += 1000;
      e.report(0, now);
    }
    return allow(e.value(now)!);
  };
  const now = climb((bps) => cameraBitrate(2_500_000, bps, true));
  assert.ok(now >= lower + CAMERA_LAYERS[2]!.maxBitrate, `back to the whole top layer within a minute (${now})`);
  assert.is(climb((bps) => Math.min(2_500_000, bps)), TREE_MIN_BPS, 'as it was (the estimate alone): held at the floor for good');
});

test('a child’s REMB (its subtree’s estimate) caps its own, clamped to the tree’s bounds', () => {
  const e = new ReceiverEstimate();
  e.remb(700_000, 0);
  assert.is(e.value(0), 700_000);
  e.remb(0, 10);
  assert.is(e.value(10), TREE_MIN_BPS, 'a REMB of 0 (a bored student) lowers the class only to the floor');
  e.remb(1e15, 20);
  assert.is(e.value(20), TREE_MAX_BPS);
});

/** A sink that records what it was sent; `rtcp` plays the receiver's RTCP into the relay. */
function sink(id: string, ssrc: number): MediaSink & { bytes: number } {
  const s = { id, bytes: 0, ssrc: (k: MediaKind) => (k === 'video' ? ssrc : undefined), send: (_k: MediaKind, p: Buffer) => ((s.bytes += p.length), true) };
  return s;
}

const A = 'a'.repeat(16);
const B = 'b'.repeat(16);
const C = 'c'.repeat(16);

test('TreeFeedback takes the lowest receiver and, with a parent, sends an RR of what arrived, a REMB of it, and whose link it is', () => {
  const low = new ReceiverEstimate();
  const high = new ReceiverEstimate();
  low.remb(400_000, 0);
  high.remb(2_000_000, 0);
  const up: { kind: MediaKind; packet: Buffer }[] = [];
  const ctl: CtlMessage[] = [];
  let parent = true;
  const fb = new TreeFeedback(
    {
      receivers: (kind) => (kind === 'video' ? [['edge-a', high], ['edge-b', low], ['local:w1', undefined]] : []),
      sendUp: (kind, packet) => parent && (up.push({ kind, packet }), true),
      sendCtlUp: (message) => parent && (ctl.push(message), true),
    },
    1,
  );
  fb.setChild('edge-a', A);
  fb.setChild('edge-b', B);
  fb.childNamed('edge-b', { video: C, screen: null });
  fb.childNamed('edge-x', { video: A, screen: A }); // not a child edge: ignored
  const changes: string[] = [];
  fb.on('change', (kind, e) => changes.push(`${kind} ${e.bps} ${e.limitedBy}`));
  for (const seq of [10, 11, 13, 14]) fb.received('video', 0xfeed, seq); // 12 lost
  fb.tick(100);
  assert.equal(fb.estimate('video'), { bps: 400_000, limitedBy: 'edge-b', peer: B, member: C }, 'its REMB sets it: whom the child named');
  assert.equal(changes, ['video 400000 edge-b'], 'said once, for the kind that changed');
  assert.is(up.length, 1, 'one compound packet, for the kind that arrived');
  const sent = parseRtcp(up[0]!.packet)!;
  assert.equal(sent.reports, [{ ssrc: 0xfeed, fractionLost: 51 }], '1 of 5 lost');
  assert.equal(sent.rembs, [{ bps: 400_000, ssrcs: [0xfeed] }]);
  assert.equal(ctl, [{ type: 'rate-limit', video: C, screen: null }]);
  fb.tick(200);
  assert.is(changes.length, 1, 'nothing new, nothing said');
  // The child's own link loses: then it is the child's link, whatever it names.
  for (let t = 0; t <= 3000; t += 1000) {
    low.sent(50_000);
    low.report(t === 0 ? 0 : 128, t);
  }
  fb.tick(3000);
  assert.equal(fb.estimate('video').member, B, 'loss on the edge itself: the child at its end');
  parent = false;
  fb.tick(3100);
  assert.is(fb.sent, 3, 'without a parent nothing counts as sent');
  fb.close();
});

const entry = (id: string, name: string, parentId: string | null): RosterEntry => ({ id, name, role: parentId ? 'student' : 'host', parentId, state: 'connected' }) as RosterEntry;

test('the instructor is told whose link holds the picture down, believed only within the reporting child’s subtree', () => {
  const H = 'f'.repeat(16);
  const D = 'd'.repeat(16);
  const roster = [entry(H, 'Prof', null), entry(A, 'Ada', H), entry(B, 'Bob', A), entry(C, 'Cy', H), entry(D, 'Dee', B)];
  const est = (member: string | null) => ({ bps: 300_000, limitedBy: 'edge-a', peer: A, member });
  assert.equal(pictureLimit(est(D), 2_500_000, roster), { bps: 300_000, name: 'Dee' }, 'two hops below the child: believed');
  assert.equal(pictureLimit(est(A), 2_500_000, roster), { bps: 300_000, name: 'Ada' });
  assert.equal(pictureLimit(est(C), 2_500_000, roster), { bps: 300_000, name: 'Ada' }, 'a classmate under another child: the reporting child is named');
  assert.equal(pictureLimit(est('9'.repeat(16)), 2_500_000, roster), { bps: 300_000, name: 'Ada' }, 'nobody by that id');
  assert.is(pictureLimit(est(D), 300_000, roster), null, 'at or above the cap: the tree holds nothing down');
  assert.is(pictureLimit({ bps: 5_000_000, limitedBy: null, peer: null, member: null }, 2_500_000, roster), null);
});

test('the relay’s estimate follows a lossy receiver’s reports and names it; the host is told by an estimate event', async () => {
  const relay = new MediaRelay();
  const src = new FakeSource();
  await relay.setSource(src);
  const good = sink('edge-good', 0x1111);
  const bad = sink('edge-bad', 0x2222);
  const dsGood = relay.addSink(good);
  const dsBad = relay.addSink(bad);
  const events: string[] = [];
  relay.on('estimate', (kind, e) => events.push(`${kind} ${e.limitedBy}`));
  let seq = 0;
  const pump = setInterval(() => {
    for (let i = 0; i < 10; i++) src.deliver!('video', vp8Packet({ ssrc: 0xaa, seq: seq++, key: true, bytes: 1000 }));
  }, 20);
  const report = (fractionLost: number) => {
    dsGood.handleRtcp(rr(0x1111, 0));
    dsBad.handleRtcp(rr(0x2222, fractionLost));
  };
  try {
    report(0);
    await new Promise((r) => setTimeout(r, 400));
    report(128); // half lost
    await new Promise((r) => setTimeout(r, 1200));
    const e = relay.estimate('video');
    assert.is(e.limitedBy, 'edge-bad');
    assert.ok(e.bps < TREE_MAX_BPS && e.bps >= TREE_MIN_BPS, `the lossy receiver limits the tree: ${e.bps}`);
    assert.equal(relay.stats().estimate.video, e, 'media-stats carries it');
    assert.ok(events.includes('video edge-bad'), `an estimate event: ${events.join(', ')}`);
    relay.removeSink('edge-bad');
    await new Promise((r) => setTimeout(r, 1100));
    assert.is(relay.estimate('video').limitedBy, null, 'the receiver gone, the good one alone does not limit');
    assert.is(bad.bytes > 0 && good.bytes > 0, true);
  } finally {
    clearInterval(pump);
    await relay.close();
  }
});

test.run();
