/**
 * Repair on every hop (node-agent/media/hop-repair.ts): what an agent asks its parent for again,
 * when, how often, and when it gives up; a reordered packet is not asked for, a jump is a new
 * stream, and nothing a parent sends makes it hold more than its bounds.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { setTimeout as sleep } from 'node:timers/promises';
import { GIVE_UP_MS, HopRepair, MAX_TRIES, REORDER_MS, RETRY_MS } from '../../node-agent/media/hop-repair.js';
import { ParentEdge } from '../../node-agent/media/parent-edge.js';
import type { PeerLink } from '../../node-agent/overlay/peer-link.js';
import { PAYLOAD_TYPES, parseRtcp, type MediaKind } from '../../protocol/media.js';
import { rtp } from '../helpers/rtp-samples.js';

function repair() {
  const asked: { ssrc: number; seqs: number[] }[] = [];
  const r = new HopRepair((_kind, ssrc, seqs) => asked.push({ ssrc, seqs }));
  return { r, asked };
}

test('a gap is asked for after the reorder wait, again until it comes or the tries run out; a repaired packet is told apart', () => {
  const { r, asked } = repair();
  for (const seq of [65534, 65535, 2]) r.packet('video', 7, seq, 0); // 0 and 1 lost, across the wrap
  r.tick(REORDER_MS - 1);
  assert.equal(asked, [], 'not before the reorder wait');
  r.tick(REORDER_MS);
  assert.equal(asked, [{ ssrc: 7, seqs: [0, 1] }]);
  assert.ok(r.awaiting(7, 1));
  assert.is(r.packet('video', 7, 0, 30), true, 'the answer is a repair (not counted as received in the reports up)');
  assert.is(r.packet('video', 7, 0, 31), false, 'its duplicate is nothing');
  r.tick(REORDER_MS + RETRY_MS - 1);
  assert.is(asked.length, 1, 'no retry before RETRY_MS');
  for (let t = REORDER_MS + RETRY_MS; t <= REORDER_MS + MAX_TRIES * RETRY_MS; t += RETRY_MS) r.tick(t);
  assert.equal(asked.map((a) => a.seqs), [[0, 1], [1], [1]], `${MAX_TRIES} tries in all`);
  assert.equal(r.counters, { asked: 4, repaired: 1, lost: 1 }, 'the one that never came is given up after its last try');
  assert.not.ok(r.awaiting(7, 1));
});

test('a reordered packet is not asked for; a jump is a new stream; an old gap is given up', () => {
  const { r, asked } = repair();
  r.packet('video', 7, 10, 0);
  r.packet('video', 7, 12, 0);
  assert.is(r.packet('video', 7, 11, REORDER_MS - 5), false);
  r.tick(100);
  assert.equal(asked, [], 'it came within the reorder wait');
  r.packet('video', 7, 5000, 100);
  r.tick(200);
  assert.equal(asked, [], 'a jump of thousands is a new stream, not loss');
  r.packet('video', 7, 5002, 200);
  r.packet('screen', 9, 1, 200);
  r.packet('screen', 9, 3, 200);
  r.tick(GIVE_UP_MS + 200);
  assert.equal(asked, [], 'too old to be of use: given up, never asked');
  assert.equal(r.counters, { asked: 0, repaired: 0, lost: 2 });
});

test('a parent that skips numbers on purpose cannot make an agent hold more than its bounds', () => {
  const { r, asked } = repair();
  let seq = 0;
  for (let i = 0; i < 1000; i++) r.packet('video', 7, (seq += 60), 0);
  r.tick(REORDER_MS);
  const total = asked.reduce((n, a) => n + a.seqs.length, 0);
  assert.ok(total <= 256, `at most 256 packets waited for per stream (${total} asked)`);
  assert.ok(r.counters.lost >= 999 * 59 - 256, 'the rest given up at once');
  asked.length = 0;
  for (let s = 100; s < 150; s++) for (const n of [1, 3]) r.packet('video', s, n, 0); // fifty streams, each with a gap
  r.tick(2 * REORDER_MS);
  assert.ok(new Set(asked.map((a) => a.ssrc)).size <= 8, `at most 8 streams followed (${new Set(asked.map((a) => a.ssrc)).size})`);
  asked.length = 0;
  r.reset();
  r.tick(REORDER_MS + RETRY_MS + 100);
  assert.is(asked.length, 0, 'a new parent: nothing of the old one is asked for');
});

test('the parent edge looks at its losses only while one is waited for (an idle agent sleeps)', async () => {
  const sent: Buffer[] = [];
  let deliver: (kind: MediaKind, packet: Buffer) => void = () => {};
  const link = {
    isOpen: true,
    remoteSsrcs: () => [7],
    remoteSsrc: () => 7,
    sendCtl: () => true,
    sendMedia: (_kind: MediaKind, packet: Buffer) => sent.push(packet) > 0,
    on: (_event: string, fn: typeof deliver) => ((deliver = fn), () => {}),
  } as unknown as PeerLink;
  const r = new HopRepair((kind, ssrc, seqs) => edge.nackSsrc(kind, ssrc, seqs));
  const edge = new ParentEdge(link, r, { media: (_kind, p) => void r.packet('video', p.readUInt32BE(8), p.readUInt16BE(2), performance.now()), wanted: () => [] });
  const packet = (seq: number) => deliver('video', rtp({ seq, ts: seq * 3000, ssrc: 7, pt: PAYLOAD_TYPES.video }));
  for (const seq of [1, 2, 3]) packet(seq);
  assert.not.ok(edge.repairing, 'nothing missing: no clock');
  packet(5);
  assert.ok(edge.repairing, 'a gap starts it');
  await sleep(REORDER_MS + 40);
  assert.equal(sent.map((p) => parseRtcp(p)?.nacks[0]?.seqs), [[4]], 'the lost packet is asked for');
  packet(4);
  await sleep(30);
  assert.not.ok(edge.repairing, 'repaired: the clock stops');
  packet(8);
  edge.close();
  assert.not.ok(edge.repairing, 'closed: no clock');
});

test.run();
