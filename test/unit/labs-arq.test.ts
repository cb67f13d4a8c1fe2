import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  ARQ_PROTOCOLS,
  ArqConfigError,
  type ArqEvent,
  type ArqProtocol,
  createArqReceiver,
  createArqSender,
  decodeFrame,
  encodeFrame,
  maxWindow,
  resolveArqConfig,
  textbookUtilisation,
  utilisationGoBackN,
  utilisationSelectiveRepeat,
  utilisationStopAndWait,
} from '../../protocol/labs/arq.js';
import { simulateArq } from '../../protocol/labs/arq-simulation.js';
import { crc32 } from '../../protocol/labs/crc32.js';
import { createRng } from '../../protocol/labs/rng.js';

const LOSSES = [0, 0.1, 0.3, 0.5, 0.7, 0.9];
const randomBytes = (rng: ReturnType<typeof createRng>, n: number) => Uint8Array.from({ length: n }, () => rng.int(256));
const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((v, i) => v === b[i]);
const senderEvents = (events: ArqEvent[]) => events.filter((e) => e.side === 'sender');

/** A random but valid configuration for `protocol`, with sequence numbers that wrap often. */
function randomCase(protocol: ArqProtocol, seed: number, dataLoss: number, ackLoss: number) {
  const rng = createRng(seed);
  const window = protocol === 'sw' ? 1 : 1 + rng.int(8);
  // At 90 % loss each frame needs ~100 tries: keep the file small so the suite stays fast.
  const maxLen = dataLoss >= 0.7 || ackLoss >= 0.7 ? 120 : 700;
  const data = randomBytes(rng, rng.int(maxLen));
  const segmentSize = 1 + rng.int(40);
  return { config: { protocol, window, segmentSize }, data, seed, dataLoss, ackLoss, corruption: rng.chance(0.3) ? 0.1 : 0 };
}

test('every protocol delivers the input byte-identical over many seeds and loss rates up to 0.9', () => {
  let runs = 0;
  for (const protocol of ARQ_PROTOCOLS) {
    for (const dataLoss of LOSSES) {
      for (const ackLoss of LOSSES) {
        for (let seed = 1; seed <= 3; seed++) {
          const c = randomCase(protocol, seed * 7919 + dataLoss * 100 + ackLoss * 10, dataLoss, ackLoss);
          const r = simulateArq(c);
          assert.ok(r.complete, `${protocol} d=${dataLoss} a=${ackLoss} seed ${seed} did not finish`);
          assert.ok(same(r.output, c.data), `${protocol} d=${dataLoss} a=${ackLoss} seed ${seed}: output differs`);
          assert.is(r.stats.dataFramesSent, r.stats.segments + r.stats.retransmissions);
          runs++;
        }
      }
    }
  }
  assert.is(runs, 3 * 36 * 3);
});

test('Selective Repeat retransmits only frames whose ACK did not arrive before their timer expired', () => {
  for (let seed = 1; seed <= 40; seed++) {
    const c = randomCase('sr', seed, [0.2, 0.5][seed % 2]!, [0, 0.3][(seed >> 1) % 2]!);
    const r = simulateArq(c);
    const acked = new Set<number>();
    const lastSent = new Map<number, number>();
    const events = senderEvents(r.events);
    events.forEach((e, i) => {
      if (e.kind === 'ack') acked.add(e.frame!);
      if (e.kind === 'send') lastSent.set(e.frame!, e.t);
      if (e.kind !== 'retransmit') return;
      assert.not.ok(acked.has(e.frame!), `frame ${e.frame} retransmitted after its ACK arrived`);
      assert.ok(e.t - lastSent.get(e.frame!)! >= r.config.timeout, `frame ${e.frame} retransmitted before its timeout`);
      const before = events[i - 1]!;
      assert.equal([before.kind, before.frame, before.t], ['timeout', e.frame, e.t], 'each retransmission follows its own timeout');
      lastSent.set(e.frame!, e.t);
    });
    // And the reverse: a timeout never resends a frame other than its own.
    const timeouts = events.filter((e) => e.kind === 'timeout').length;
    assert.is(timeouts, r.stats.retransmissions);
  }
});

test('Go-Back-N resends the whole outstanding window on a timeout', () => {
  let windowsResent = 0;
  for (let seed = 1; seed <= 40; seed++) {
    const c = randomCase('gbn', seed, 0.3, seed % 3 === 0 ? 0.3 : 0);
    c.config.window = 2 + (seed % 6);
    const r = simulateArq(c);
    assert.ok(same(r.output, c.data));
    const events = senderEvents(r.events);
    events.forEach((e, i) => {
      if (e.kind !== 'timeout') return;
      const resent = events.slice(i + 1, i + 1 + (e.next! - e.base!));
      assert.equal(
        resent.map((x) => [x.kind, x.frame, x.t]),
        Array.from({ length: e.next! - e.base! }, (_, k) => ['retransmit', e.base! + k, e.t]),
      );
      if (e.next! - e.base! > 1) windowsResent++;
    });
    assert.is(events.filter((e) => e.kind === 'retransmit').length, r.stats.retransmissions);
  }
  assert.ok(windowsResent > 20, 'the runs exercised windows of more than one frame');
});

test('the same seed gives the same event log and another seed a different one', () => {
  for (const protocol of ARQ_PROTOCOLS) {
    const c = randomCase(protocol, 5, 0.3, 0.2);
    const a = simulateArq(c);
    const b = simulateArq(c);
    assert.equal(a.events, b.events);
    assert.equal(a.stats, b.stats);
    assert.not.equal(simulateArq({ ...c, seed: 6 }).events, a.events);
  }
});

test('a window too large for the sequence space is refused with a typed error naming the limit', () => {
  const refused = (input: Parameters<typeof resolveArqConfig>[0], reason: string, pattern: RegExp) => {
    try {
      resolveArqConfig(input);
    } catch (err) {
      assert.instance(err, ArqConfigError);
      assert.instance(err, TypeError);
      assert.is((err as ArqConfigError).reason, reason);
      assert.match((err as Error).message, pattern);
      return;
    }
    assert.unreachable(`accepted ${JSON.stringify(input)}`);
  };
  refused({ protocol: 'sr', window: 5, seqBits: 3, timeout: 10 }, 'WINDOW_TOO_LARGE', /half the sequence space.*at most 4/);
  refused({ protocol: 'gbn', window: 8, seqBits: 3, timeout: 10 }, 'WINDOW_TOO_LARGE', /minus one.*at most 7/);
  refused({ protocol: 'sw', window: 2, timeout: 10 }, 'WINDOW_TOO_LARGE', /must be 1/);
  refused({ protocol: 'sr', window: 0, timeout: 10 }, 'BAD_WINDOW', /window/);
  refused({ protocol: 'gbn', seqBits: 17, timeout: 10 }, 'BAD_SEQ_BITS', /\[1, 16\]/);
  refused({ protocol: 'sr', timeout: 0 }, 'BAD_TIMEOUT', /timeout/);
  refused({ protocol: 'sr', timeout: 5, segmentSize: 0 }, 'BAD_SEGMENT_SIZE', /segment/);
  refused({ protocol: 'xx' as ArqProtocol, timeout: 5 }, 'BAD_PROTOCOL', /xx/);
  assert.is(resolveArqConfig({ protocol: 'sr', window: 4, seqBits: 3, timeout: 1 }).window, 4);
  assert.is(resolveArqConfig({ protocol: 'gbn', window: 7, seqBits: 3, timeout: 1 }).window, 7);
  assert.equal(
    ARQ_PROTOCOLS.map((p) => resolveArqConfig({ protocol: p, timeout: 1 })),
    [
      { protocol: 'sr', window: 5, seqBits: 4, seqSpace: 16, timeout: 1, segmentSize: 128, transferId: 0 },
      { protocol: 'gbn', window: 5, seqBits: 3, seqSpace: 8, timeout: 1, segmentSize: 128, transferId: 0 },
      { protocol: 'sw', window: 1, seqBits: 1, seqSpace: 2, timeout: 1, segmentSize: 128, transferId: 0 },
    ],
  );
  assert.is(maxWindow('sr', 256), 128);
  assert.throws(() => createArqSender(new Uint8Array(1), { protocol: 'sr', window: 9, seqBits: 4, timeout: 1 }), (e: unknown) => e instanceof ArqConfigError);
});

test('decodeFrame never throws on random bytes and rejects every single-bit corruption', () => {
  const rng = createRng(2024);
  for (let i = 0; i < 20000; i++) {
    const bytes = randomBytes(rng, rng.int(48));
    const result = decodeFrame(bytes);
    if (result.ok) assert.ok(bytes.length >= 10, 'only a full frame with a matching CRC decodes');
  }
  for (const garbage of ['text', null, undefined, 42, {}, new ArrayBuffer(12)]) {
    assert.equal(decodeFrame(garbage), { ok: false, error: 'NOT_BINARY' });
  }
  const frame = encodeFrame({ type: 'data', transfer: 9, seq: 513, last: true, payload: randomBytes(rng, 30) });
  for (let bit = 0; bit < frame.length * 8; bit++) {
    const copy = new Uint8Array(frame);
    copy[bit >> 3] = copy[bit >> 3]! ^ (1 << (bit & 7));
    assert.not.ok(decodeFrame(copy).ok, `bit ${bit} flipped went unnoticed`);
  }
});

test('frames round-trip through the codec and the CRC matches the standard check value', () => {
  assert.is(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
  const payload = Uint8Array.from([1, 2, 3]);
  assert.equal(decodeFrame(encodeFrame({ type: 'data', transfer: 65535, seq: 65535, last: false, payload })), {
    ok: true,
    frame: { type: 'data', transfer: 65535, seq: 65535, last: false, payload },
  });
  assert.equal(decodeFrame(encodeFrame({ type: 'ack', transfer: 1, seq: 7 })), { ok: true, frame: { type: 'ack', transfer: 1, seq: 7 } });
  assert.throws(() => encodeFrame({ type: 'ack', transfer: 0, seq: 65536 }), (e: unknown) => e instanceof TypeError);
});

test('the Selective Repeat receiver buffers out-of-order frames and delivers them when the gap fills', () => {
  const config = { protocol: 'sr' as const, window: 4, seqBits: 3, timeout: 10, segmentSize: 2 };
  const receiver = createArqReceiver(config);
  const frame = (seq: number, text: string, last = false) =>
    encodeFrame({ type: 'data', transfer: 0, seq, last, payload: new TextEncoder().encode(text) });
  assert.equal(receiver.onFrame(frame(2, 'cc'), 1).events.map((e) => e.kind), ['buffer', 'ack-send']);
  assert.equal(receiver.onFrame(frame(1, 'bb'), 2).events.map((e) => e.kind), ['buffer', 'ack-send']);
  const step = receiver.onFrame(frame(0, 'aa'), 3);
  assert.equal(step.events.map((e) => e.kind), ['deliver', 'deliver', 'deliver', 'slide', 'ack-send']);
  assert.is(new TextDecoder().decode(receiver.output()), 'aabbcc');
  // A duplicate of a delivered frame is ACKed again (its first ACK may have been lost).
  assert.equal(receiver.onFrame(frame(1, 'bb'), 4).events.map((e) => e.kind), ['discard', 'ack-send']);
  receiver.onFrame(frame(3, 'd', true), 5);
  assert.ok(receiver.complete);
});

test('frames of another transfer are ignored at both ends', () => {
  const config = { protocol: 'sr' as const, window: 2, timeout: 10, transferId: 5 };
  const receiver = createArqReceiver(config);
  const stale = encodeFrame({ type: 'data', transfer: 4, seq: 0, last: true, payload: new Uint8Array(3) });
  const step = receiver.onFrame(stale, 1);
  assert.equal([step.events.map((e) => e.kind), step.frames.length], [['reject'], 0], 'no ACK for a stranger');
  assert.not.ok(receiver.complete);
  const sender = createArqSender(new Uint8Array(3), config);
  sender.start(0);
  sender.onFrame(encodeFrame({ type: 'ack', transfer: 4, seq: 0 }), 1);
  assert.not.ok(sender.done);
  sender.onFrame(encodeFrame({ type: 'ack', transfer: 5, seq: 0 }), 2);
  assert.ok(sender.done);
});

test('the Go-Back-N receiver discards out-of-order frames and repeats its cumulative ACK', () => {
  const receiver = createArqReceiver({ protocol: 'gbn', window: 3, timeout: 10 });
  const step = receiver.onFrame(encodeFrame({ type: 'data', transfer: 0, seq: 1, last: false, payload: new Uint8Array(1) }), 1);
  assert.equal(step.events.map((e) => [e.kind, e.seq]), [['discard', 1], ['ack-send', 0]]);
  assert.equal(decodeFrame(step.frames[0]!), { ok: true, frame: { type: 'ack', transfer: 0, seq: 0 } });
  assert.is(receiver.output().length, 0);
});

test('an empty file is one empty last frame and completes', () => {
  for (const protocol of ARQ_PROTOCOLS) {
    const r = simulateArq({ config: { protocol }, data: new Uint8Array(0), seed: 1, dataLoss: 0.5, ackLoss: 0.5 });
    assert.ok(r.complete);
    assert.is(r.output.length, 0);
    assert.is(r.stats.segments, 1);
  }
});

test('a sender started once ignores ticks before its deadline and a second start', () => {
  const sender = createArqSender(new Uint8Array(10), { protocol: 'gbn', window: 3, timeout: 50, segmentSize: 4 });
  assert.is(sender.start(0).frames.length, 3);
  assert.is(sender.start(1).frames.length, 0);
  assert.is(sender.nextDeadline(), 50);
  assert.is(sender.onTick(49).frames.length, 0);
  assert.is(sender.onTick(50).frames.length, 3, 'the whole window goes again');
  assert.is(sender.onFrame(Uint8Array.from([1, 2, 3]), 51).events[0]!.kind, 'reject');
});

test('the textbook utilisation formulas give the known values and are continuous at W = 1 + 2a', () => {
  assert.is(utilisationStopAndWait(0, 0), 1);
  assert.is(utilisationStopAndWait(0.5, 1), 0.5 / 3);
  assert.is(utilisationSelectiveRepeat(0.1, 2, 10), 0.9);
  assert.is(utilisationGoBackN(0.1, 2, 10), 0.9 / 1.4);
  for (const p of [0, 0.1, 0.5]) {
    for (const a of [0.5, 2, 7]) {
      const w = 1 + 2 * a;
      const near = (x: number, y: number) => Math.abs(x - y) < 1e-9;
      assert.ok(near(utilisationGoBackN(p, a, w), utilisationGoBackN(p, a, w - 1e-12)));
      assert.ok(near(utilisationSelectiveRepeat(p, a, w), utilisationSelectiveRepeat(p, a, w - 1e-12)));
      assert.ok(near(utilisationGoBackN(p, a, 1), utilisationStopAndWait(p, a)) || p > 0, 'GBN with W = 1 is SW without loss');
    }
  }
  assert.throws(() => textbookUtilisation('sr', 1.5, 1, 1), (e: unknown) => e instanceof TypeError);
});

test('without loss the simulated utilisation approaches the textbook value', () => {
  const data = new Uint8Array(4000);
  for (const [protocol, window] of [['sw', 1], ['gbn', 3], ['gbn', 9], ['sr', 4], ['sr', 16]] as const) {
    const r = simulateArq({ config: { protocol, window, segmentSize: 2 }, data, seed: 1, dataLoss: 0, propagationDelay: 3 });
    assert.ok(Math.abs(r.measuredUtilisation - r.textbookUtilisation) < 0.01, `${protocol} W=${window}: ${r.measuredUtilisation} vs ${r.textbookUtilisation}`);
    assert.is(r.stats.retransmissions, 0);
    assert.is(r.stats.efficiency, 1);
  }
});

test('corrupted frames are rejected by the checksum and the transfer still completes', () => {
  const rng = createRng(3);
  const data = randomBytes(rng, 500);
  for (const protocol of ARQ_PROTOCOLS) {
    const r = simulateArq({ config: { protocol, segmentSize: 20 }, data, seed: 9, dataLoss: 0.1, ackLoss: 0.1, corruption: 0.3 });
    assert.ok(same(r.output, data));
    assert.ok(r.stats.corrupted > 0);
    assert.is(r.stats.rejected, r.stats.corrupted, 'every corrupted frame was caught');
  }
});

test.run();
