import * as assert from 'uvu/assert';
import { clusterSuite } from '../helpers/cluster-suite.js';

const { test, ctx } = clusterSuite('classroom controls');

test('the instructor mutes, unmutes, lowers a hand and removes a student; a removed student must join again', async () => {
  const { agent: host, port } = await ctx.cluster.startHost(['--stdin']);
  const ann = ctx.cluster.startStudent('ann', `127.0.0.1:${port}`, ['--stdin']);
  const bob = ctx.cluster.startStudent('bob', `127.0.0.1:${port}`, ['--stdin']);
  await Promise.all([ann, bob].map((s) => s.waitForLine(/^joined /, 30_000)));
  const entry = (name: string) => host.roster.find((m) => m.name === name);

  bob.command('hand up');
  await host.waitFor(() => entry('bob')?.hand, 10_000, 'bob’s hand in the roster');
  host.command('lower bob');
  await host.waitFor(() => entry('bob') && !entry('bob')!.hand, 10_000, 'bob’s hand lowered');

  host.command('mute ann');
  await ann.waitFor(() => ann.roster.find((m) => m.name === 'ann')?.muted, 10_000, 'ann sees she is muted');
  ann.command('say can you hear me');
  await ann.waitForLine(/"type":"chat-refused".*CHAT_MUTED/, 10_000);
  host.command('unmute ann');
  await ann.waitFor(() => ann.roster.find((m) => m.name === 'ann') && !ann.roster.find((m) => m.name === 'ann')!.muted, 10_000, 'unmuted');
  ann.command('say now?');
  await bob.waitFor(() => bob.chat.some((r) => r.text === 'now?'), 10_000, 'ann heard after unmute');
  assert.not.ok(host.chat.some((r) => r.text === 'can you hear me'), 'the muted message was never sequenced');

  host.command('remove bob');
  assert.is(await bob.exited, 1);
  assert.match(bob.output, /REMOVED/);
  await host.waitFor(() => !entry('bob'), 5000, 'bob gone from the roster');
  const back = ctx.cluster.startStudent('bob', `127.0.0.1:${port}`);
  await back.waitForLine(/^joined /, 20_000);
});

test.run();
