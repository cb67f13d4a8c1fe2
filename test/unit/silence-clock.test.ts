import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HEARTBEAT_INTERVAL_MS as BEAT, HEARTBEAT_MAX_TIMEOUT_MS, HEARTBEAT_TIMEOUT_MS, TREE_CHECK_MS as CHECK, TREE_SILENCE_FLOOR_MS } from '../../protocol/ctl.js';
import { SilenceClock } from '../../node-agent/overlay/silence-clock.js';

/** Runs the heartbeat timer on time from `from` to `to`; the peer speaks at each of `heardAt`. */
function run(clock: SilenceClock, from: number, to: number, heardAt: (t: number) => boolean) {
  for (let t = from + BEAT; t <= to; t += BEAT) {
    if (heardAt(t)) clock.heard(t);
    const r = clock.tick(t);
    if (r.lost) return t;
  }
  return null;
}

test('a peer that speaks every beat is never lost; one that stops is lost after the base limit', () => {
  const c = new SilenceClock(0);
  assert.is(run(c, 0, 20_000, () => true), null);
  const lostAt = run(c, 20_000, 40_000, () => false);
  assert.ok(lostAt !== null, 'lost');
  assert.ok(lostAt! - 20_000 > HEARTBEAT_TIMEOUT_MS && lostAt! - 20_000 <= HEARTBEAT_TIMEOUT_MS + BEAT, `lost ${lostAt! - 20_000} ms after the last message`);
});

test('a peer whose messages came with long gaps gets three times the gap, at most the maximum', () => {
  const c = new SilenceClock(0);
  // gaps of 1.2 s: the limit becomes 3.6 s, so a 2 s silence is not loss
  assert.is(run(c, 0, 12_000, (t) => t % 1200 === 0), null);
  assert.ok(Math.abs(c.limitMs - 3600) < 200, `limit ${c.limitMs}`);
  assert.is(run(c, 12_000, 14_000, () => false), null);
  // gaps of 4 s would give 12 s: held at the maximum
  const d = new SilenceClock(0);
  for (const t of [4000, 8000]) d.heard(t);
  assert.is(d.limitMs, HEARTBEAT_MAX_TIMEOUT_MS);
});

test('a long gap is forgotten: after quiet, regular traffic the limit is back at the base', () => {
  const c = new SilenceClock(0);
  c.heard(1400);
  assert.ok(c.limitMs > 4000);
  assert.is(run(c, 1400, 61_400, () => true), null);
  assert.is(c.limitMs, HEARTBEAT_TIMEOUT_MS);
});

test('time this agent was held up is not the peer’s silence; real silence after it still is', () => {
  const c = new SilenceClock(0);
  run(c, 0, 4000, () => true);
  // the timer runs 3 s late: the peer's messages may be queued behind it
  const r = c.tick(4000 + BEAT + 3000);
  assert.is(r.lost, false);
  assert.ok(r.heldUpMs >= 2900, `held up ${r.heldUpMs}`);
  assert.ok(r.silentMs <= 2 * BEAT, `silent ${r.silentMs}`);
  // …but if nothing comes after it, the peer is lost within the base limit of awake time
  const lostAt = run(c, 7400, 20_000, () => false);
  assert.ok(lostAt !== null && lostAt - 7400 <= HEARTBEAT_TIMEOUT_MS + BEAT, `lost at ${lostAt}`);
});

/** A tree edge's clock: checked every TREE_CHECK_MS; `heardAt` is asked for every 10 ms step. */
function runTree(clock: SilenceClock, from: number, to: number, heardAt: (t: number) => boolean) {
  for (let t = from + 10; t <= to; t += 10) {
    if (heardAt(t)) clock.heard(t);
    if (t % CHECK === 0 && clock.tick(t).lost) return t;
  }
  return null;
}
const tree = () => new SilenceClock(0, { floorMs: TREE_SILENCE_FLOOR_MS, tickMs: CHECK });

test('a tree edge carrying media (a packet every 20-70 ms) is lost after the tree floor of silence, not 1.5 s', () => {
  const c = tree();
  assert.is(runTree(c, 0, 30_000, (t) => t % 20 === 0 || t % 70 === 0), null);
  assert.is(c.limitMs, TREE_SILENCE_FLOOR_MS);
  const lostAt = runTree(c, 30_000, 40_000, () => false);
  assert.ok(lostAt !== null && lostAt - 30_000 > TREE_SILENCE_FLOOR_MS && lostAt - 30_000 <= TREE_SILENCE_FLOOR_MS + CHECK, `lost ${lostAt! - 30_000} ms after the last packet`);
});

test('a quiet tree edge (keepalives every check, no media: a camera switched off) is never lost', () => {
  const c = tree();
  // the parent's keepalive timer drifts: each arrives 100-180 ms after the one before
  let next = 100;
  const heard = (t: number) => (t >= next ? ((next = t + 100 + ((t / 10) % 9) * 10), true) : false);
  assert.is(runTree(c, 0, 60_000, heard), null);
});

test('a tree edge whose parent paused 400 ms recently (a loaded machine) gets 1.2 s, then forgets it', () => {
  const c = tree();
  runTree(c, 0, 5000, (t) => t % 20 === 0);
  c.heard(5400);
  assert.ok(Math.abs(c.limitMs - 1200) < 10, `limit ${c.limitMs}`);
  // a second 900 ms pause soon after is not loss…
  assert.is(runTree(c, 5400, 10_000, (t) => t % 20 === 0 && (t < 8000 || t > 8900)), null);
  // …and a minute of steady media later the floor is back
  runTree(c, 10_000, 70_000, (t) => t % 20 === 0);
  assert.is(c.limitMs, TREE_SILENCE_FLOOR_MS);
});

test('a tree edge: the agent held up 2 s (its own timers late) is not the parent’s silence', () => {
  const c = tree();
  runTree(c, 0, 5000, (t) => t % 20 === 0);
  // the check runs 2 s late; the packets of those 2 s are read right after it
  const r = c.tick(5000 + CHECK + 2000);
  assert.is(r.lost, false);
  assert.ok(r.silentMs <= 2 * CHECK, `silent ${r.silentMs}`);
});

test.run();
