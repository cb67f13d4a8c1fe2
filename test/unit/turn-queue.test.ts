/**
 * TurnQueue: jobs run in order, one per turn of the event loop, so a timer that falls due while
 * a burst is queued runs after at most one more job, not after the whole burst; a job that throws
 * does not stop the ones after it.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TurnQueue } from '../../node-agent/signalling/turn-queue.js';

const busy = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};

test('a burst of 50 jobs of 5 ms each: all run in order, and a due timer waits for one job, not fifty', async () => {
  const q = new TurnQueue();
  const order: number[] = [];
  let timerAfter = -1;
  setTimeout(() => (timerAfter = order.length), 1);
  for (let i = 0; i < 50; i++) q.push(() => (busy(5), order.push(i)));
  for (const until = Date.now() + 10_000; order.length < 50 && Date.now() < until; ) await new Promise((r) => setTimeout(r, 20));
  assert.equal(order, Array.from({ length: 50 }, (_, i) => i));
  assert.ok(timerAfter >= 0 && timerAfter <= 2, `the timer ran after ${timerAfter} jobs`);
  assert.is(q.ran, 50);
  assert.is(q.peak, 50);
  assert.is(q.waiting, 0);
});

test('a job that throws is logged, never thrown at the process, and the queue goes on', async () => {
  const q = new TurnQueue();
  const ran: string[] = [];
  const errors: unknown[] = [];
  const onError = (err: unknown) => errors.push(err);
  process.on('uncaughtException', onError);
  q.push(() => {
    throw new Error('boom');
  });
  q.push(() => ran.push('next'));
  await new Promise((r) => setTimeout(r, 50));
  process.off('uncaughtException', onError);
  assert.equal(ran, ['next']);
  assert.equal(errors, []);
  assert.is(q.ran, 2);
});

test.run();
