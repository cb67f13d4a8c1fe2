/**
 * Chat across real agent processes: a concurrent burst ends in one identical order everywhere, a
 * relay killed mid-burst loses nothing, and history survives a restart.
 */
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { ChatRecord } from '../../protocol/chat.js';
import { AgentProcess, CAMVID_BIN, ROOT } from '../helpers/agents.js';
import { clusterSuite } from '../helpers/cluster-suite.js';

const run = promisify(execFile);
const { test, ctx } = clusterSuite('chat that loses nothing');

const ids = (recs: ChatRecord[]) => recs.map((r) => `${r.seq}:${r.id}`);
const PER_MEMBER = 50;

async function classroom(students: number, fanout: number) {
  const { agent: host, port } = await ctx.cluster.startHost(['--fanout', String(fanout), '--stdin']);
  const kids = Array.from({ length: students }, (_, i) => ctx.cluster.startStudent(`s${i}`, `127.0.0.1:${port}`, ['--stdin']));
  await Promise.all(kids.map((k) => k.waitForLine(/^joined /, 60_000)));
  await host.waitFor(() => host.roster.length === students + 1 && host.roster.every((m) => m.state === 'connected'), 20_000, 'everyone connected');
  return { host, kids, port };
}

function burst(agents: AgentProcess[]): void {
  for (let k = 0; k < PER_MEMBER; k++) for (const a of agents) a.command(`say ${a.name} message ${k}`);
}

test('1 host + 10 students each sending 50 messages at once end with the same 550 messages in the same order', async () => {
  const { host, kids } = await classroom(10, 3);
  const all = [host, ...kids];
  burst(all);
  const total = PER_MEMBER * all.length;
  for (const a of all) await a.waitFor(() => a.chat.length >= total, 60_000, `${a.name} has ${total} messages`);
  const reference = ids(host.chat);
  assert.is(new Set(reference).size, total, 'no duplicates');
  assert.equal(host.chat.map((r) => r.seq), Array.from({ length: total }, (_, i) => i + 1));
  for (const a of kids) assert.equal(ids(a.chat), reference, `${a.name} has the host's order`);
  for (const a of all) {
    const mine = host.chat.filter((r) => r.name === (a === host ? 'Prof' : a.name)).map((r) => r.text);
    assert.is(mine.length, PER_MEMBER, `${a.name}'s messages all there`);
  }
});

test('a relay killed during a burst: after its children reattach every member has the full identical history; a restarted student keeps its history', async () => {
  const { host, kids } = await classroom(6, 2);
  const relay = kids.find((k) => host.roster.some((m) => m.parentId === host.roster.find((r) => r.name === k.name)?.id))!;
  const survivors = [host, ...kids.filter((k) => k !== relay)];
  burst(survivors);
  setTimeout(() => void relay.kill('SIGKILL'), 150);
  const total = PER_MEMBER * survivors.length;
  await host.waitFor(() => host.chat.length >= total, 60_000, 'the host sequenced every survivor message');
  const final = () => ids(host.chat);
  for (const a of survivors) await a.waitFor(() => a.chat.length === host.chat.length, 30_000, `${a.name} caught up`);
  for (const a of survivors) assert.equal(ids(a.chat), final(), `${a.name} identical`);

  // Restart one student: what it saw is still in its data folder.
  const student = survivors[1]!;
  const dataDir = student.child.spawnargs[student.child.spawnargs.indexOf('--data') + 1]!;
  await student.kill('SIGKILL');
  const { stdout } = await run(process.execPath, [CAMVID_BIN, 'chat-log', '--data', dataDir], { cwd: ROOT });
  assert.is(stdout.trim().split('\n').length, student.chat.length, 'every record still on disk after kill -9');
});

test.run();
