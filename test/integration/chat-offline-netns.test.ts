/**
 * A student cut off from the network (its namespace's cable pulled) for 10 s types 3 messages;
 * after the cable is back every member has them exactly once.
 */
import * as assert from 'uvu/assert';
import type { Cluster } from '../helpers/agents.js';
import { canUseNetns } from '../../scripts/netns/netns-lab.js';
import { netnsSuite } from '../helpers/netns-suite.js';
import { requireCapability } from '../helpers/require.js';

const { test, ctx, startLab, inHost } = netnsSuite('chat typed offline');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('three messages typed during a 10 s outage reach every member exactly once', async () => {
  if (!requireCapability('network namespaces (root + iproute2)', canUseNetns())) return;
  const lab = await startLab(3);
  const { agent: host, port } = await ctx.cluster.startHost(['--stdin', '--no-ui'], inHost(0));
  const address = `${lab.hosts[0]!.addr}:${port}`;
  const [cut, other] = [1, 2].map((i) =>
    ctx.cluster.start(`s${i}`, ['join', '--address', address, '--name', `s${i}`, '--password', 'secret', '--events', '--stdin', '--no-mdns'], inHost(i)),
  ) as [ReturnType<Cluster['start']>, ReturnType<Cluster['start']>];
  await Promise.all([cut, other].map((s) => s.waitForLine(/^joined /, 30_000)));

  await lab.setLink(1, false);
  await sleep(4000); // long enough for both sides to notice the silence
  for (const n of [1, 2, 3]) cut.command(`say offline message ${n}`);
  await cut.waitFor(() => cut.lines.some((l) => /"type":"outbox","data":\[("[0-9a-f]{16}",?){3}\]/.test(l)), 5000, 'three pending');
  await sleep(6000);
  await lab.setLink(1, true);

  for (const a of [host, cut, other]) {
    await a.waitFor(() => a.chat.filter((r) => r.text.startsWith('offline message')).length >= 3, 30_000, `${a.name} has the 3 messages`);
  }
  await sleep(1500); // time for a duplicate to show up, were there one
  for (const a of [host, cut, other]) {
    const texts = a.chat.filter((r) => r.text.startsWith('offline message')).map((r) => r.text);
    assert.equal(texts, ['offline message 1', 'offline message 2', 'offline message 3'], `${a.name}: exactly once, in order`);
  }
});

test.run();
