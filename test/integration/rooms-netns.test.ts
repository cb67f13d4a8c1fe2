/**
 * Real mDNS across hosts: camvid agents in network namespaces of a throwaway LAN (addresses only
 * inside the namespaces, all removed afterwards). The host publishes its room; students in two
 * other namespaces find it by name and join the tree; `camvid rooms` lists it; a host killed with
 * `kill -9` disappears from the list.
 */
import * as assert from 'uvu/assert';
import { canUseNetns } from '../../scripts/netns/netns-lab.js';
import { netnsSuite } from '../helpers/netns-suite.js';
import { requireCapability } from '../helpers/require.js';

const { test, ctx, startLab, inHost } = netnsSuite('rooms over real mDNS in network namespaces');

test('students in two other namespaces discover the host’s room by name and join it', async () => {
  if (!requireCapability('network namespaces (root + iproute2)', canUseNetns())) return;
  const lab = await startLab(3);
  const { agent: host } = await ctx.cluster.startHost(['--room', 'Computer Networks'], inHost(0));
  const students = [1, 2].map((i) =>
    ctx.cluster.start(`student${i}`, ['join', '--room', 'Computer Networks', '--name', `student${i}`, '--password', 'secret', '--events'], inHost(i)),
  );
  for (const s of students) await s.waitForLine(/^joined "Computer Networks" as/, 30_000);
  await host.waitFor(() => host.roster.length === 3 && host.roster.every((m) => m.state === 'connected'), 10_000, 'both students in the roster');
  // The host advertised its own namespace address, not loopback.
  assert.ok(host.output.includes(lab.hosts[0]!.addr), `join address ${lab.hosts[0]!.addr} shown`);

  const rooms = ctx.cluster.start('rooms', ['rooms', '--wait', '3'], inHost(1));
  await rooms.exited;
  assert.match(rooms.output, new RegExp(`Computer Networks \\([0-9a-f]{6}\\)\\s+host Prof\\s+${lab.hosts[0]!.addr.replace(/\./g, '\\.')}:\\d+`));

  const wrong = ctx.cluster.start('wrong', ['join', '--room', 'Computer Networks', '--name', 'eve', '--password', 'guess'], inHost(2));
  assert.is(await wrong.exited, 1);
  assert.match(wrong.output, /BAD_PASSWORD/);
});

test('a host killed with kill -9 vanishes from a live room list within 5 s', async () => {
  if (!requireCapability('network namespaces (root + iproute2)', canUseNetns())) return;
  await startLab(2);
  const watcher = ctx.cluster.start('watcher', ['rooms', '--watch'], inHost(1));
  const { agent: host } = await ctx.cluster.startHost(['--room', 'Vanishing Room'], inHost(0));
  await watcher.waitFor(() => watcher.rooms.some((r) => r.name === 'Vanishing Room'), 10_000, 'the room listed');
  await host.kill('SIGKILL');
  const killedAt = Date.now();
  await watcher.waitFor(() => !watcher.rooms.some((r) => r.name === 'Vanishing Room'), 8000, 'the room gone');
  const gone = Date.now() - killedAt;
  console.log(`    kill -9'd host gone from the list after ${gone} ms`);
  assert.ok(gone < 5000, `gone after ${gone} ms`);
});

test.run();
