/**
 * A relay that stops answering without closing anything (a pulled cable, a frozen machine: here
 * SIGSTOP) must not get its children back. Its children notice on the edge heartbeat (1.5 s) and
 * report the edge lost while the host still counts the relay as connected (its session times out
 * only after 3.5 s); the host must place them elsewhere at once, not under the silent relay again,
 * which would leave them waiting for the session timeout. Found by the soak (docs/proving-ground.md).
 */
import * as assert from 'uvu/assert';
import type { RosterEntry } from '../../protocol/common.js';
import { type AgentProcess } from '../helpers/agents.js';
import { clusterSuite } from '../helpers/cluster-suite.js';

const { test, ctx } = clusterSuite('a frozen relay');

test('children of a relay that went silent are placed under another parent, never under the silent relay again', async () => {
  const { agent: host, port } = await ctx.cluster.startHost(['--fanout', '2']);
  const students: AgentProcess[] = [];
  for (let i = 0; i < 6; i++) {
    students.push(ctx.cluster.startStudent(`s${i}`, `127.0.0.1:${port}`));
    await students[i]!.waitForLine(/^joined /, 30_000);
  }
  await host.waitFor(() => host.roster.length === 7 && host.roster.every((m) => m.state === 'connected'), 20_000, 'all connected');
  const before = host.roster;
  const relay = before.find((m) => m.role === 'student' && before.some((c) => c.parentId === m.id))!;
  const children = before.filter((m) => m.parentId === relay.id).map((m) => m.id);
  const frozen = students.find((s) => s.name === relay.name)!;

  const rosters: RosterEntry[][] = [];
  host.lineListeners.add((line) => line.startsWith('event {"type":"roster"') && rosters.push(host.roster));
  process.kill(frozen.child.pid!, 'SIGSTOP');
  try {
    await host.waitFor(
      () => children.every((id) => host.roster.some((m) => m.id === id && m.parentId !== relay.id && m.state === 'connected')),
      30_000,
      'the children connected under other parents',
    );
  } finally {
    process.kill(frozen.child.pid!, 'SIGCONT');
  }
  const backUnder = rosters.flatMap((r) => r.filter((m) => children.includes(m.id) && m.parentId === relay.id && m.state !== 'connected'));
  assert.equal(backUnder.map((m) => m.name), [], 'no child was placed under the silent relay again');
});

test.run();
