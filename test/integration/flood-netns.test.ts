/**
 * The acceptance run of the hello flood across network namespaces: a real host agent in its own
 * namespace, three students in another, and a flooder holding 21 addresses of the lab's LAN in a
 * third sends 2,000 hellos from one address and 2,000 spread over 20, all at once. Every student
 * stays, a newcomer with the password joins meanwhile, at most the caps' worth of hellos are
 * answered, and the host's memory and descriptors come back. The host's event-loop figures are
 * printed here and measured by `npm run bench -- flood` (docs/benchmarks.md), not asserted.
 * @camvid-timeout-s 420
 */
import * as assert from 'uvu/assert';
import { canUseNetns } from '../../scripts/netns/netns-lab.js';
import { floodOnce, namespaces } from '../../scripts/bench/flood.js';
import { MAX_PENDING_PER_ADDRESS } from '../../node-agent/signalling/signal-server.js';
import { netnsSuite } from '../helpers/netns-suite.js';
import { requireCapability } from '../helpers/require.js';

const { test, ctx, startLab } = netnsSuite('hello flood across namespaces');

test('2,000 hellos from one address and 2,000 over 20: every student stays, a newcomer joins, the host recovers', async () => {
  if (!requireCapability('network namespaces (root + iproute2)', canUseNetns())) return;
  const lab = await startLab(3);
  const r = await floodOnce(await namespaces(lab), ctx.cluster);
  assert.is(r.kept, 3, 'every student stayed');
  // Each address gets a few answers before its throttle (at most its handshakes in flight at a time).
  assert.ok(r.answered <= 21 * 4 * MAX_PENDING_PER_ADDRESS, `${r.answered} answered`);
  assert.ok(r.rssMiB.peak - r.rssMiB.before < 50, `host RSS ${r.rssMiB.before} → ${r.rssMiB.peak} MiB`);
  // The newcomer's session and edges are the only descriptors left over.
  assert.ok(r.fds.after! <= r.fds.before! + 6, `host fds ${r.fds.before} → ${r.fds.after}`);
});

test.run();
