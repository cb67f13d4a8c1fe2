import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HEARTBEAT_INTERVAL_MS as BEAT, HEARTBEAT_MAX_TIMEOUT_MS, HEARTBEAT_TIMEOUT_MS } from '../../protocol/ctl.js';
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

test.run();
