/**
 * Brute force against a real host process. With CPace there is no offline attack left (neither a
 * recorded join nor a conversation with the host gives anything to test guesses against:
 * test/unit/offline-guessing.test.ts), so this is the whole attack: online, one guess per
 * connection. 1,000+ wrong-password handshakes from 127.0.0.2 (an attacker who pays nothing for
 * scrypt, test/helpers/password-attack.ts) while a student with the right password joins from
 * 127.0.0.1. No timing is asserted: the student must join while the attacker is being refused, the
 * attacker must get THROTTLED, and the host must have answered no more hellos (each one guess)
 * than its throttle schedule allows for however long the attack took (doubled, for slack).
 * `npm run bench -- bruteforce` measures the figures (docs/benchmarks.md).
 */
import * as assert from 'uvu/assert';
import { clusterSuite } from '../helpers/cluster-suite.js';
import { startPasswordAttack, throttleSchedule } from '../helpers/password-attack.js';

const { test, ctx } = clusterSuite('brute force');
const ATTEMPTS = 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('1,000 wrong passwords from one address are throttled; the right password from another address joins meanwhile', async () => {
  const { agent: host, port } = await ctx.cluster.startHost();
  let joined = false;
  const attack = startPasswordAttack({ address: '127.0.0.1', port, from: '127.0.0.2', attempts: ATTEMPTS, continueWhile: () => !joined });
  while (!attack.log.some((a) => a.code === 'THROTTLED')) await sleep(20);

  const joinFrom = attack.log.length;
  const student = ctx.cluster.startStudent('Ann', `127.0.0.1:${port}`);
  const [line] = await student.waitForLine(/^joined .* in \d+ ms/, 60_000);
  const joinTo = attack.log.length;
  joined = true;
  const log = await attack.done;

  const count = (code: string, from = 0, to = log.length) => log.slice(from, to).filter((a) => a.code === code).length;
  const elapsed = log.at(-1)!.t;
  console.log(`    ${log.length} attempts in ${(elapsed / 1000).toFixed(1)} s: ${count('BAD_PASSWORD')} checked, ${count('THROTTLED')} throttled; ${line}`);
  assert.ok(log.length >= ATTEMPTS);
  assert.equal(
    log.filter((a) => a.code !== 'BAD_PASSWORD' && a.code !== 'THROTTLED'),
    [],
    'every attempt was either checked and refused or throttled',
  );
  assert.ok(joinTo > joinFrom && count('THROTTLED', joinFrom, joinTo) > 0, 'the attacker was being throttled while the student joined');
  const allowed = throttleSchedule(elapsed).length;
  assert.ok(count('BAD_PASSWORD') <= 2 * allowed, `${count('BAD_PASSWORD')} guesses checked; the schedule allows ${allowed} in ${elapsed} ms`);
  assert.is(count('THROTTLED'), log.length - count('BAD_PASSWORD'));
  await host.waitFor(() => host.roster.some((m) => m.name === 'Ann' && m.state === 'connected'), 15_000, 'Ann in the roster');
});

test.run();
