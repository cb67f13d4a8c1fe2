/**
 * Roster deltas (node-agent/overlay/roster-sync.ts) and the host's rate buckets
 * (node-agent/overlay/host-limits.ts), without a network: a member applying the host's messages
 * ends with exactly the host's roster, order included; no message is larger than a part; the
 * buckets refuse past the burst, refill at the rate and share an address's budget between ids.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import type { RosterEntry } from '../../protocol/common.js';
import { hostMessage, ROSTER_PART_BYTES } from '../../protocol/session.js';
import { HostLimits, HOST_LIMITS, RateBuckets } from '../../node-agent/overlay/host-limits.js';
import { deltaMessages, RosterBook, RosterDiff, snapshotMessages, type RosterMessage } from '../../node-agent/overlay/roster-sync.js';

const test = suite('roster deltas and host limits');
const id = () => randomBytes(8).toString('hex');
const HOST: RosterEntry = { id: id(), name: 'Prof', role: 'host', parentId: null, state: 'connected' };
// 64 UTF-16 units of 3-byte UTF-8: the longest a name gets in bytes without escapes
const longName = (i: number) => `${String(i).padStart(4, '0')}${'学'.repeat(60)}`;

/** A fake host table: owners are objects, so a member joining again is a new owner. */
class Table {
  rows: { entry: RosterEntry; owner: object }[] = [];
  add(entry: RosterEntry) {
    this.rows.push({ entry, owner: {} });
  }
  remove(memberId: string) {
    this.rows = this.rows.filter((r) => r.entry.id !== memberId);
  }
  roster(): RosterEntry[] {
    return [HOST, ...this.rows.map((r) => r.entry)];
  }
  owned(): [RosterEntry, unknown][] {
    return [[HOST, this], ...this.rows.map((r): [RosterEntry, unknown] => [r.entry, r.owner])];
  }
}

/** Every message goes through the wire validator and its JSON size is checked. */
function deliver(book: RosterBook, msgs: RosterMessage[]): RosterEntry[] | null {
  let shown: RosterEntry[] | null = null;
  for (const m of msgs) {
    const json = JSON.stringify(m);
    assert.ok(Buffer.byteLength(json) < ROSTER_PART_BYTES + 200, `a part is ${Buffer.byteLength(json)} bytes`);
    const back = hostMessage(JSON.parse(json)) as RosterMessage;
    shown = book.apply(back) ?? (m === msgs.at(-1) ? null : shown);
  }
  return shown;
}

test('a member following the host through joins, changes, leaves and a rejoin has the host roster, in order', () => {
  const table = new Table();
  const diff = new RosterDiff();
  const early = new RosterBook();
  let rev = 0;
  // 250 members with 64-character names, arriving in one coalescing window
  for (let i = 0; i < 250; i++) table.add({ id: id(), name: longName(i), role: 'student', parentId: null, state: 'connecting' });
  diff.next(table.owned());
  const first = snapshotMessages(++rev, table.roster());
  assert.ok(first.length > 2, `a big roster is cut into parts (${first.length})`);
  assert.equal(deliver(early, first), table.roster());

  // changes: states, hands, a leave, a rejoin under the same id (moves to the end), newcomers
  const rejoin = table.rows[10]!.entry;
  table.rows[3]!.entry = { ...table.rows[3]!.entry, state: 'connected', parentId: HOST.id };
  table.rows[5]!.entry = { ...table.rows[5]!.entry, hand: 123 };
  table.remove(table.rows[7]!.entry.id);
  table.remove(rejoin.id);
  table.add({ ...rejoin, name: 'back again' });
  table.add({ id: id(), name: 'late', role: 'student', parentId: null, state: 'connecting' });
  const change = diff.next(table.owned());
  assert.is(change.remove.length, 2, 'the leaver and the rejoiner removed');
  assert.is(change.upsert.length, 4, 'two changed, the rejoiner and a newcomer');
  const delta = deltaMessages(++rev, change);
  assert.equal(deliver(early, delta), table.roster());

  // a newcomer at this point gets the snapshot; both stay equal to the host after more deltas
  const late = new RosterBook();
  assert.equal(deliver(late, snapshotMessages(rev, table.roster())), table.roster());
  table.rows.splice(0, 100);
  const gone = diff.next(table.owned());
  const msgs = deltaMessages(++rev, gone);
  assert.equal(deliver(early, msgs), table.roster());
  assert.equal(deliver(late, msgs), table.roster());
  assert.equal(deltaMessages(++rev, diff.next(table.owned())), [], 'nothing changed: nothing sent');
});

test('the whole-class delta of 250 long names never nears the 64 KiB frame limit', () => {
  const table = new Table();
  for (let i = 0; i < 250; i++) table.add({ id: id(), name: longName(i), role: 'student', parentId: id(), state: 'reconnecting', hand: Date.now(), muted: true });
  const diff = new RosterDiff();
  const msgs = deltaMessages(1, diff.next(table.owned()));
  const largest = Math.max(...msgs.map((m) => Buffer.byteLength(JSON.stringify(m))));
  assert.ok(largest < 32 * 1024, `largest part ${largest} bytes`);
  assert.equal(deliver(new RosterBook(), msgs), table.roster());
});

test('rate buckets: burst, then the rate; one address shares its budget between ids; loopback has none', async () => {
  const b = new RateBuckets({ rate: 10, burst: 3 });
  const t0 = 1_000_000;
  for (let i = 0; i < 3; i++) {
    assert.is(b.wait('a', t0), 0);
    b.take('a', t0);
  }
  assert.is(b.wait('a', t0), 100, 'the next token in 1/rate');
  assert.is(b.wait('a', t0 + 100), 0);
  assert.is(b.wait('b', t0), 0, 'another key has its own');

  const limits = new HostLimits();
  const burst = HOST_LIMITS.chat.burst;
  let allowed = 0;
  for (let n = 0; n < 8; n++) for (let i = 0; i < 100; i++) if (limits.take('chat', `id${n}`, '10.0.0.9') === 0) allowed++;
  assert.is(allowed, burst * 2, 'eight ids on one address: twice one member burst');
  let local = 0;
  for (let n = 0; n < 8; n++) for (let i = 0; i < 100; i++) if (limits.take('chat', `lo${n}`, '127.0.0.1') === 0) local++;
  assert.is(local, burst * 8, 'loopback: only the per-member budget');
  assert.ok((limits.refused.get('chat') ?? 0) > 0);
});

test('rate buckets stay small under many keys', () => {
  const b = new RateBuckets({ rate: 1, burst: 2 }, 100);
  for (let i = 0; i < 10_000; i++) b.take(`k${i}`);
  assert.ok(b.size <= 101, `${b.size} buckets kept`);
});

test.run();
