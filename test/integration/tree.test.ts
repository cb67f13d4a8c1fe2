import * as assert from 'uvu/assert';
import type { RosterEntry } from '../../protocol/common.js';
import { type AgentProcess } from '../helpers/agents.js';
import { clusterSuite } from '../helpers/cluster-suite.js';

const { test, ctx } = clusterSuite('relay tree across agent processes');

const depthOf = (roster: RosterEntry[], id: string): number => {
  let d = 0;
  for (let at = roster.find((m) => m.id === id); at?.parentId; at = roster.find((m) => m.id === at!.parentId)) d++;
  return d;
};
const allConnected = (roster: RosterEntry[], n: number) => roster.length === n && roster.every((m) => m.state === 'connected');

test('1 host + 6 students with fan-out 2 build a tree of depth ≥ 2, everyone sees all 7, and a killed relay’s children are back within 2 s', async () => {
  const { agent: host, port } = await ctx.cluster.startHost(['--fanout', '2']);
  const students: AgentProcess[] = [];
  for (let i = 0; i < 6; i++) students.push(ctx.cluster.startStudent(`student${i}`, `127.0.0.1:${port}`));
  await Promise.all(students.map((s) => s.waitForLine(/^joined "Computer Networks" as/, 30_000)));

  await host.waitFor(() => allConnected(host.roster, 7), 10_000, 'a roster of 7 connected members');
  for (const s of students) await s.waitFor(() => allConnected(s.roster, 7), 10_000, `${s.name} seeing all 7`);
  const roster = host.roster;
  const names = roster.map((m) => m.name).sort();
  assert.equal(names, ['Prof', 'student0', 'student1', 'student2', 'student3', 'student4', 'student5']);
  for (const m of roster) {
    const kids = roster.filter((c) => c.parentId === m.id).length;
    assert.ok(kids <= 2, `${m.name} has ${kids} children with fan-out 2`);
  }
  assert.ok(Math.max(...roster.map((m) => depthOf(roster, m.id))) >= 2, 'depth ≥ 2');

  const relay = roster.find((m) => m.role === 'student' && roster.some((c) => c.parentId === m.id))!;
  const orphans = roster.filter((c) => c.parentId === relay.id).map((c) => c.id);
  const relayProc = students.find((s) => s.name === relay.name)!;
  const killedAt = Date.now();
  await relayProc.kill('SIGKILL');
  await host.waitFor(
    () => host.roster.length === 6 && orphans.every((id) => host.roster.find((m) => m.id === id)?.state === 'connected' && host.roster.find((m) => m.id === id)?.parentId !== relay.id),
    5000,
    'the orphans reattached',
  );
  const backIn = host.rosterAt - killedAt;
  console.log(`    children of a kill -9'd relay back in the tree after ${backIn} ms`);
  assert.ok(backIn < 2000, `back in ${backIn} ms`);
  for (const s of students.filter((s) => s !== relayProc)) {
    await s.waitFor(() => allConnected(s.roster, 6), 5000, `${s.name} seeing the new roster`);
  }
});

test('a wrong password fails the headless join with BAD_PASSWORD and a non-zero exit', async () => {
  const { port } = await ctx.cluster.startHost();
  const intruder = ctx.cluster.start('intruder', ['join', '--address', `127.0.0.1:${port}`, '--name', 'Eve', '--password', 'guess']);
  const code = await intruder.exited;
  assert.is(code, 1);
  assert.match(intruder.output, /BAD_PASSWORD/);
  assert.match(intruder.output, /Wrong room password/);
});

test('joining an address where no room listens fails with UNREACHABLE', async () => {
  const lonely = ctx.cluster.start('lonely', ['join', '--address', '127.0.0.1:1', '--name', 'Al', '--password', 'x']);
  assert.is(await lonely.exited, 1);
  assert.match(lonely.output, /UNREACHABLE/);
});

test.run();
