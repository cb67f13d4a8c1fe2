/**
 * One timer per period for all the agent's links (node-agent/overlay/shared-ticker.ts): its
 * subscribers run together, a failing one does not stop the rest, and one removed (by itself or by
 * another during the tick) is not called again.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { everyTick } from '../../node-agent/overlay/shared-ticker.js';

test('subscribers of one period run in the same tick, in order, whatever one of them throws', async () => {
  const calls: string[] = [];
  const stops = [
    everyTick(20, () => calls.push(`a ${Date.now()}`)),
    everyTick(20, () => {
      throw new Error('boom');
    }),
    everyTick(20, () => calls.push(`b ${Date.now()}`)),
  ];
  await sleep(70);
  for (const stop of stops) stop();
  const a = calls.filter((c) => c.startsWith('a')).length;
  assert.ok(a >= 2, `ticked ${a} times`);
  assert.is(calls.filter((c) => c.startsWith('b')).length, a, 'the one after a failing one runs every time');
  for (let i = 0; i < calls.length; i += 2) assert.ok(calls[i]!.startsWith('a') && calls[i + 1]!.startsWith('b'), `a then b: ${calls.join(', ')}`);
  const n = calls.length;
  await sleep(50);
  assert.is(calls.length, n, 'removed: no more calls');
});

test('one removed during a tick, by another, is not called; the period starts again for a new subscriber', async () => {
  let first = 0;
  let second = 0;
  let stopSecond: () => void = () => {};
  const stopFirst = everyTick(15, () => {
    first++;
    stopSecond();
  });
  stopSecond = everyTick(15, () => second++);
  await sleep(50);
  stopFirst();
  assert.ok(first >= 1);
  assert.is(second, 0, 'removed before its turn in the same tick');
  let again = 0;
  const stop = everyTick(15, () => again++);
  await sleep(50);
  stop();
  assert.ok(again >= 2, `a new subscriber after the last left ticks (${again})`);
});

test.run();
