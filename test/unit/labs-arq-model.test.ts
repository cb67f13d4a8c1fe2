import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createArqSender, type ArqProtocol } from '../../protocol/labs/arq.js';
import { defaultSimulatedTimeout, simulateArq } from '../../protocol/labs/arq-simulation.js';

/** The tolerance docs/labs.md states for the textbook regime (absolute utilisation). */
const TOLERANCE = 0.025;
const data = new Uint8Array(1500);

const meanUtilisation = (protocol: ArqProtocol, window: number, dataLoss: number) => {
  let sum = 0;
  let textbook = 0;
  for (const seed of [1, 2]) {
    const r = simulateArq({ config: { protocol, window, segmentSize: 1, seqBits: 12 }, data, seed, dataLoss });
    assert.ok(r.complete);
    sum += r.measuredUtilisation;
    textbook = r.textbookUtilisation;
  }
  return { measured: sum / 2, textbook };
};

test('with timers from departure and a one-round-trip timeout, the simulator matches the textbook within the stated tolerance', () => {
  // SW, GBN at W = 1 + 2a (= 5 with a = 2), and SR with a window that never stalls.
  for (const [protocol, window] of [['sw', 1], ['gbn', 5], ['sr', 128]] as const) {
    for (const p of [0, 0.1, 0.2, 0.3, 0.4, 0.5]) {
      const { measured, textbook } = meanUtilisation(protocol, window, p);
      assert.ok(Math.abs(measured - textbook) <= TOLERANCE, `${protocol} W=${window} p=${p}: measured ${measured.toFixed(3)}, textbook ${textbook.toFixed(3)}`);
    }
  }
});

test('Selective Repeat with W = 1 + 2a stalls on every loss and falls below its formula, as docs/labs.md explains', () => {
  const { measured, textbook } = meanUtilisation('sr', 5, 0.2);
  assert.ok(textbook - measured > 0.15, `measured ${measured.toFixed(3)} vs ${textbook.toFixed(3)}`);
});

test('the default simulated timeout is one round trip and never fires for a frame that was delivered', () => {
  assert.is(defaultSimulatedTimeout(1, 2), 5);
  for (const protocol of ['sr', 'gbn', 'sw'] as const) {
    // A window much wider than the pipe queues frames on the link: their timers start on departure.
    const r = simulateArq({ config: { protocol, window: protocol === 'sw' ? 1 : 40, seqBits: 8, segmentSize: 1 }, data: new Uint8Array(400), seed: 1, dataLoss: 0 });
    assert.is(r.stats.timeouts, 0, `${protocol}: no spurious timeout without loss`);
    assert.is(r.stats.retransmissions, 0);
  }
});

test('departed() restarts the timer of a frame that left late and ignores frames already acknowledged', () => {
  const sender = createArqSender(new Uint8Array(4), { protocol: 'sr', window: 4, segmentSize: 1, timeout: 10 });
  sender.start(0);
  assert.is(sender.nextDeadline(), 10);
  sender.departed(0, 3);
  sender.departed(1, 1);
  sender.departed(2, 2);
  sender.departed(3, 4);
  assert.is(sender.nextDeadline(), 11, 'frame 1 now has the earliest deadline');
  const gbn = createArqSender(new Uint8Array(3), { protocol: 'gbn', window: 3, segmentSize: 1, timeout: 10 });
  gbn.start(0);
  gbn.departed(0, 2);
  assert.is(gbn.nextDeadline(), 12, 'Go-Back-N times the oldest frame from its departure');
  gbn.departed(7, 5);
  assert.is(gbn.nextDeadline(), 12, 'an unknown frame changes nothing');
});

test.run();
