/**
 * A laptop on the LAN opens thousands of signalling connections and sends hellos (no password
 * needed for that): the host keeps at most a few handshakes per address in flight, drops the rest
 * before any work, and a real student from another address joins at once meanwhile.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { deriveRoomKey } from '../../node-agent/auth/room-key.js';
import { HostIdentity } from '../../node-agent/overlay/host-identity.js';
import { ROOT } from '../helpers/agents.js';
import { connectSession } from '../../node-agent/signalling/signal-client.js';
import { MAX_PENDING_HANDSHAKES, MAX_PENDING_PER_ADDRESS, SignalServer } from '../../node-agent/signalling/signal-server.js';

const test = suite('the signalling port under a hello flood');
const ROOM = 'abcdefabcdef0123';
const run = promisify(execFile);

/** Runs the flood fixture in its own process (as an attacker's laptop would be); resolves with its answer count. */
async function flood(port: number, count: number, addresses: string[]): Promise<number> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/fixtures/hello-flood.ts'), String(port), ROOM, String(count), addresses.join(',')], {
    cwd: ROOT,
    timeout: 120_000,
  });
  const m = /answered (\d+) of (\d+)/.exec(stdout);
  assert.ok(m, stdout);
  return Number(m[1]);
}

test('2,000 hellos from one address and 2,000 over 20 addresses: few answered, caps held, a student joins meanwhile', async () => {
  const key = await deriveRoomKey('right', ROOM);
  const server = new SignalServer({ roomId: ROOM, roomKey: key, identity: new HostIdentity(), port: 0, host: '127.0.0.1' });
  const port = await server.listen();
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, server.pendingHandshakes)), 1);
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  try {
    const oneAddress = flood(port, 2000, ['127.0.0.10']);
    const spread = flood(port, 100, Array.from({ length: 20 }, (_, i) => `127.0.1.${i + 1}`));
    await new Promise((r) => setTimeout(r, 1500)); // the flood under way
    // A real student, from its own address, in the middle of it.
    const t0 = Date.now();
    const session = await connectSession({ address: '127.0.0.1', port, roomId: ROOM, roomKey: key, localAddress: '127.0.0.99' });
    const joinMs = Date.now() - t0;
    session.close();
    const [one, many] = await Promise.all([oneAddress, spread]);
    const answered = one + many;
    delay.disable();
    console.log(
      `flood: ${answered} of 4000 hellos challenged, peak ${peak} handshakes in flight, student joined in ${joinMs} ms, ` +
        `host event loop p99 ${(delay.percentile(99) / 1e6).toFixed(1)} ms`,
    );
    assert.ok(peak <= MAX_PENDING_HANDSHAKES, `peak ${peak}`);
    // Each address gets at most its cap in flight, and its throttle after a handful of challenges.
    assert.ok(one <= 2 * MAX_PENDING_PER_ADDRESS, `one address got ${one} challenges`);
    assert.ok(answered <= 21 * 2 * MAX_PENDING_PER_ADDRESS, `${answered} challenged`);
    assert.ok(joinMs < 5000, `the student joined in ${joinMs} ms`);
    assert.ok((server.refused.get('THROTTLED') ?? 0) > 3000, 'the flood was refused');
    await new Promise((r) => setTimeout(r, 200));
    assert.is(server.pendingHandshakes, 0, 'nothing left in flight');
  } finally {
    clearInterval(sampler);
    await server.close();
  }
});

test.run();
