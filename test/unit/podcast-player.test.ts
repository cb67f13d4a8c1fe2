/**
 * The listener's recording and player, on a fake clock: a 20 ms Opus stream is recorded; pausing,
 * resuming, seeking, jumping to live and a pause longer than the cap are checked against what the
 * output received and when.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MAX_GAP_MS, PodcastBuffer } from '../../node-agent/podcast/podcast-buffer.js';
import { PodcastPlayer, type PlayerClock, type PlayerOutput } from '../../node-agent/podcast/podcast-player.js';
import { CamvidError } from '../../protocol/errors.js';

function opus(seq: number, size = 160): Buffer {
  const b = Buffer.alloc(size, seq & 0xff);
  b[0] = 0x80;
  b[1] = 111;
  b.writeUInt16BE(seq & 0xffff, 2);
  b.writeUInt32BE((seq * 960) >>> 0, 4);
  return b;
}
const seqOf = (p: Buffer) => p.readUInt16BE(2);

class FakeClock implements PlayerClock {
  t = 1000;
  #timers: { at: number; fn: () => void; live: boolean }[] = [];
  now = () => this.t;
  setTimeout = (fn: () => void, ms: number) => {
    const timer = { at: this.t + ms, fn, live: true };
    this.#timers.push(timer);
    return () => void (timer.live = false);
  };
  /** Moves time forward to `to`, running timers in order on the way. */
  runTo(to: number): void {
    for (;;) {
      const next = this.#timers.filter((x) => x.live && x.at <= to).sort((a, b) => a.at - b.at)[0];
      if (!next) break;
      next.live = false;
      this.t = Math.max(this.t, next.at);
      next.fn();
    }
    this.#timers = this.#timers.filter((x) => x.live);
    this.t = to;
  }
}

/** A stream source on the fake clock: one packet every 20 ms, with the player recording each. */
function rig(capMs = 60_000) {
  const clock = new FakeClock();
  const played: { seq: number; at: number }[] = [];
  let breaks = 0;
  const out: PlayerOutput = { play: (p) => played.push({ seq: seqOf(p), at: clock.t }), discontinuity: () => void breaks++ };
  const player = new PodcastPlayer(capMs, out, clock);
  let seq = 0;
  /** `ms` of stream arriving (player timers run in between) */
  const stream = (ms: number) => {
    for (let i = 0; i < ms / 20; i++) {
      clock.runTo(clock.t + 20);
      player.record(opus(++seq));
    }
  };
  return { clock, player, played, stream, breaks: () => breaks, lastSeq: () => seq, idle: (ms: number) => clock.runTo(clock.t + ms) };
}

test('the buffer keeps the newest `cap` of audio, finds packets by recorded time, and counts a long silence as MAX_GAP_MS', () => {
  const buf = new PodcastBuffer(5000);
  let now = 0;
  for (let i = 0; i < 500; i++) buf.push(opus(i), (now += 20));
  assert.ok(buf.spanMs <= 5000 && buf.spanMs >= 4960, `span ${buf.spanMs}`);
  assert.is(buf.end, 500);
  assert.is(buf.first, 500 - 251);
  assert.is(buf.bytes, 251 * 160);
  assert.is(seqOf(buf.packet(buf.first)), 249);
  assert.throws(() => buf.packet(10), /not in the buffer/);
  const t0 = buf.t(buf.first);
  assert.is(buf.indexAt(t0 + 1000), buf.first + 50);
  buf.push(opus(500), (now += 60_000)); // an hour-like silence
  assert.is(buf.t(500) - buf.t(499), MAX_GAP_MS);
  assert.ok(buf.flags(500) & 1, 'the packet after the silence starts a new run');
  assert.is(buf.liveT(now + 5000), buf.t(500) + MAX_GAP_MS, 'the live edge stops advancing when the stream stops');
});

test('the buffer releases memory as it trims: a 5 s cap holds the same few slabs after 20 minutes', () => {
  const buf = new PodcastBuffer(5000);
  let now = 0;
  for (let i = 0; i < 60_000; i++) buf.push(opus(i, 200), (now += 20));
  assert.ok(buf.allocatedBytes <= 2 * 300 * 1024, `${buf.allocatedBytes} bytes held`);
  assert.is(buf.trimmed, 60_000 - buf.length);
});

test('live: every packet goes out as it arrives, and the listener is 0 ms behind', () => {
  const r = rig();
  r.stream(1000);
  assert.is(r.played.length, 50);
  assert.is(r.player.state, 'live');
  assert.ok(r.player.behindMs() <= 20);
});

test('pause 3 s then resume: playback continues at the packet after the last one played, 3 s behind live, in real time', () => {
  const r = rig();
  r.stream(2000);
  r.player.pause();
  const lastBefore = r.played.at(-1)!.seq;
  r.stream(3000);
  assert.is(r.played.length, 100, 'nothing goes out while paused');
  assert.ok(Math.abs(r.player.behindMs() - 3000) <= 20, `${r.player.behindMs()} ms behind while paused`);
  const breaks = r.breaks();
  r.player.resume();
  assert.is(r.breaks(), breaks + 1, 'the output hears of the jump first');
  assert.is(r.player.state, 'delayed');
  const resumedAt = r.clock.t;
  r.stream(2000);
  const after = r.played.slice(100);
  assert.is(after[0]!.seq, lastBefore + 1, 'no packet skipped, none repeated');
  assert.ok(after.every((p, i) => i === 0 || p.seq === after[i - 1]!.seq + 1), 'in order');
  assert.ok(after.length >= 99 && after.length <= 101, `${after.length} packets in 2 s`);
  assert.ok(after.every((p, i) => Math.abs(p.at - resumedAt - i * 20) <= 20), 'paced at the stream’s own rhythm');
  assert.ok(Math.abs(r.player.behindMs() - 3000) <= 40, `${r.player.behindMs()} ms behind`);
});

test('jump to live and seek: live plays the newest next; a seek lands at the asked delay; a paused seek stays paused', () => {
  const r = rig();
  r.stream(1000);
  r.player.pause();
  r.stream(4000);
  r.player.resume();
  r.stream(500);
  r.player.live();
  assert.is(r.player.behindMs(), 0);
  const n = r.played.length;
  r.stream(100);
  assert.is(r.played[n]!.seq, r.lastSeq() - 4, 'the next packet played is one that just arrived');
  r.player.seek(2000);
  assert.is(r.player.state, 'delayed');
  assert.ok(Math.abs(r.player.behindMs() - 2000) <= 20);
  r.player.pause();
  r.player.seek(1000);
  assert.is(r.player.state, 'paused');
  r.idle(500);
  assert.ok(Math.abs(r.player.behindMs() - 1000) <= MAX_GAP_MS, 'a stopped stream does not move the live edge further than MAX_GAP_MS');
  r.player.seek(0);
  assert.is(r.player.state, 'paused');
  assert.is(r.player.behindMs(), 0);
});

test('a pause longer than the cap: the oldest audio goes, the view says how much, and resume plays on cleanly from the oldest kept', () => {
  const r = rig(5000);
  r.stream(1000);
  r.player.pause();
  const lastBefore = r.played.at(-1)!.seq;
  r.stream(8000);
  const v = r.player.view();
  assert.ok(Math.abs(v.droppedMs - 3000) <= 40, `dropped ${v.droppedMs} ms`);
  assert.ok(Math.abs(v.behindMs - 5000) <= 40, `${v.behindMs} ms behind`);
  assert.ok(v.bufferedMs <= 5020);
  const oldestKept = seqOf(r.player.buffer.packet(r.player.buffer.first));
  r.player.resume();
  r.stream(1000);
  const after = r.played.slice(50);
  assert.is(after[0]!.seq, oldestKept, 'plays on from the oldest audio kept');
  assert.ok(oldestKept > lastBefore + 100, 'not from where it paused: that audio is gone');
  assert.ok(after.every((p, i) => i === 0 || p.seq === after[i - 1]!.seq + 1), 'in order');
  assert.ok(after.length >= 49 && after.length <= 51);
  assert.ok(Math.abs(r.player.behindMs() - 5000) <= 60);
  r.player.live();
  assert.is(r.player.view().droppedMs, 0, 'jumping to live clears the note');
});

test('playing behind live after the stream stopped: the rest of the recording plays, then the player is live', () => {
  const r = rig();
  r.stream(1000);
  r.player.pause();
  r.stream(1000);
  r.player.resume();
  r.idle(1500);
  assert.is(r.played.length, 100, 'all of it played');
  assert.is(r.player.state, 'live');
});

test('a closed player refuses controls with NOT_LISTENING and records nothing', () => {
  const r = rig();
  r.stream(100);
  r.player.close();
  for (const f of [() => r.player.pause(), () => r.player.resume(), () => r.player.live(), () => r.player.seek(1)]) {
    try {
      f();
      assert.unreachable();
    } catch (err) {
      assert.instance(err, CamvidError);
      assert.is((err as CamvidError).code, 'NOT_LISTENING');
    }
  }
  r.stream(100);
  assert.is(r.played.length, 5);
});

test.run();
