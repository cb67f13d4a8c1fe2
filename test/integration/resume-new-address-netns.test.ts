/**
 * The instructor's laptop comes back on another address (a new DHCP lease): the host's agent is
 * `kill -9`ed, its namespace's address changed, and `camvid host --resume` started on the same data
 * folder. The student's agent, which joined by name over real mDNS, keeps retrying the same room
 * id, finds it listed at the new address and re-enters there without the password.
 */
import * as assert from 'uvu/assert';
import { canUseNetns } from '../../scripts/netns/netns-lab.js';
import { netnsSuite } from '../helpers/netns-suite.js';
import { requireCapability } from '../helpers/require.js';

const { test, ctx, startLab, inHost } = netnsSuite('a resumed room on a changed address');

test('kill -9, a new address, host --resume: the student finds the room by id at the new address and is back', async () => {
  if (!requireCapability('network namespaces (root + iproute2)', canUseNetns())) return;
  const lab = await startLab(2);
  const data = ctx.cluster.dataDir();
  const hostArgs = ['--port', '0', '--no-ui', '--events', '--data', data];
  const first = ctx.cluster.start('host', ['host', '--room', 'Computer Networks', '--password', 'secret', '--name', 'Prof', ...hostArgs], inHost(0));
  const [, roomId] = await first.waitForLine(/^hosting "Computer Networks" \((\w+)\) on port (\d+)/, 30_000);
  const student = ctx.cluster.start('Ann', ['join', '--room', 'Computer Networks', '--name', 'Ann', '--password', 'secret', '--events'], inHost(1));
  await student.waitForLine(/^joined "Computer Networks" as Ann/, 30_000);

  await first.kill('SIGKILL');
  await student.waitForLine(/^the instructor is not answering/, 15_000);
  const h = lab.hosts[0]!;
  const moved = h.addr.replace(/\.\d+$/, '.77');
  // Removing the only address drops the interface's routes: the multicast one (mDNS) is laid again.
  for (const args of [['addr', 'del', `${h.addr}/24`, 'dev', h.ifname], ['addr', 'add', `${moved}/24`, 'dev', h.ifname], ['route', 'add', '224.0.0.0/4', 'dev', h.ifname]]) {
    const r = await lab.exec(0, 'ip', args);
    assert.is(r.code, 0, `ip ${args.join(' ')}: ${r.stderr}`);
  }

  const again = ctx.cluster.start('host-again', ['host', '--resume', ...hostArgs], inHost(0));
  const [, roomId2] = await again.waitForLine(/^hosting "Computer Networks" \((\w+)\) on port (\d+)/, 30_000);
  assert.is(roomId2, roomId);
  const hosting = Date.now();
  await student.waitForLine(/^joined "Computer Networks" as Ann again/, 30_000).catch((err) => {
    console.log(student.output.split('\n').filter((l) => !l.includes('media-stats')).slice(-30).join('\n'));
    throw err;
  });
  console.log(`    the student was back ${Date.now() - hosting} ms after the host, resumed at ${moved}, was hosting`);
  await again.waitFor(() => again.roster.some((m) => m.name === 'Ann' && m.state === 'connected'), 15_000, 'Ann connected to the resumed host');
  assert.ok(again.output.includes(moved), `the resumed host shows its new address ${moved}`);
});

test.run();
