/**
 * Agent identity against a real host process: a student who knows the room password cannot take
 * another student's place (IDENTITY_REFUSED, the member stays); an agent keeps its peer id across
 * restarts of the same data folder; two students both named "Ann" are told apart, in the roster
 * and in the instructor's upload folders.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import * as assert from 'uvu/assert';
import { AgentIdentity, IDENTITY_FILE } from '../../node-agent/auth/agent-identity.js';
import { deriveRoomKey } from '../../node-agent/auth/room-key.js';
import { connectSession, type MemberSession } from '../../node-agent/signalling/signal-client.js';
import type { MemberMessage } from '../../protocol/session.js';
import type { AgentProcess } from '../helpers/agents.js';
import { clusterSuite } from '../helpers/cluster-suite.js';
import { until } from '../helpers/until.js';

const { test, ctx } = clusterSuite('agent identity');

const identityOf = (agent: AgentProcess) => new AgentIdentity(readFileSync(path.join(agent.dataDir, IDENTITY_FILE), 'utf8').trim());

/** Sends one join on a fresh session with the password; resolves with the error code the host answered, or 'closed'. */
async function tryJoin(port: number, build: (session: MemberSession) => unknown): Promise<string> {
  const { roomId } = (await (await fetch(`http://127.0.0.1:${port}/camvid/ping`)).json()) as { roomId: string };
  const session = await connectSession({ address: '127.0.0.1', port, roomId, roomKey: await deriveRoomKey('secret', roomId) });
  return new Promise((resolve) => {
    let answer = 'closed';
    session.on('message', (m) => {
      if (m.type === 'error') answer = m.code;
      if (m.type === 'welcome') answer = 'welcome';
    });
    session.on('close', () => resolve(answer));
    session.send(build(session) as MemberMessage);
  });
}

test("a second agent claiming a member's id is refused IDENTITY_REFUSED, and the member stays", async () => {
  const { agent: host, port } = await ctx.cluster.startHost();
  const ann = ctx.cluster.startStudent('Ann', `127.0.0.1:${port}`);
  await ann.waitForLine(/^joined /, 40_000);
  const victim = identityOf(ann);
  const before = await host.waitFor(() => host.roster.find((m) => m.id === victim.peerId && m.state === 'connected'), 20_000, 'Ann connected');
  const mallory = new AgentIdentity();
  const cases: Record<string, (s: MemberSession) => unknown> = {
    // Ann's public key, signed with Mallory's own key.
    'her key, my signature': (s) => ({ type: 'join', name: 'Ann', key: victim.publicKey, sig: mallory.proveSession(s.transcript) }),
    // Ann's key and a real signature of hers, from another session (recorded and replayed).
    'her key, her proof from another session': () => ({ type: 'join', name: 'Ann', key: victim.publicKey, sig: victim.proveSession(randomBytes(64)) }),
  };
  for (const [what, build] of Object.entries(cases)) {
    assert.is(await tryJoin(port, build), 'IDENTITY_REFUSED', what);
  }
  // The old join naming a peer id is not a join at all: never admitted (closed at the join timeout).
  assert.is(await tryJoin(port, () => ({ type: 'join', name: 'Ann', peerId: victim.peerId })), 'closed', 'a bare peer id');
  const after = host.roster.find((m) => m.id === victim.peerId);
  assert.ok(after, 'Ann is still in the room');
  assert.is(after!.state, 'connected');
  assert.is(after!.name, before.name);
  assert.is(host.roster.filter((m) => m.role === 'student').length, 1, 'nobody else got in');
  assert.not.ok(ann.lines.some((l) => /not answering|again/.test(l)), "Ann's session was never touched");
  assert.is(ann.exitCode, null);
});

test('an agent keeps its peer id across restarts of the same data folder; a damaged key file stops it with BAD_DATA', async () => {
  const { agent: host, port } = await ctx.cluster.startHost();
  const first = ctx.cluster.startStudent('Ann', `127.0.0.1:${port}`);
  await first.waitForLine(/^joined /, 40_000);
  const id = first.peerId();
  await host.waitFor(() => host.roster.some((m) => m.id === id), 20_000, 'Ann in the roster');
  await first.kill('SIGKILL');
  await host.waitFor(() => !host.roster.some((m) => m.id === id), 20_000, 'Ann gone');
  const again = ctx.cluster.startStudent('Ann', `127.0.0.1:${port}`, ['--data', first.dataDir]);
  await again.waitForLine(/^joined "Computer Networks" as Ann /, 40_000);
  assert.is(again.peerId(), id);
  await host.waitFor(() => host.roster.find((m) => m.id === id && m.name === 'Ann'), 20_000, 'Ann back under the same id and name');
  await again.kill('SIGKILL');
  writeFileSync(path.join(first.dataDir, IDENTITY_FILE), 'garbage\n');
  const broken = ctx.cluster.startStudent('Ann', `127.0.0.1:${port}`, ['--data', first.dataDir]);
  assert.is(await broken.exited, 1);
  assert.ok(broken.lines.some((l) => /BAD_DATA/.test(l) && l.includes(IDENTITY_FILE)), broken.output);
});

test('two students both named "Ann" show as "Ann" and "Ann (2)"; their uploads land in separate folders', async () => {
  const { agent: host, port } = await ctx.cluster.startHost();
  const hostData = host.dataDir;
  const files = [0, 1].map((i) => {
    const file = path.join(ctx.cluster.dataDir(), 'essay.txt');
    writeFileSync(file, `essay number ${i}\n`);
    return file;
  });
  const first = ctx.cluster.startStudent('Ann', `127.0.0.1:${port}`, ['--put', files[0]!, '--stay']);
  await first.waitForLine(/^joined "Computer Networks" as Ann /, 40_000);
  const second = ctx.cluster.startStudent('Ann', `127.0.0.1:${port}`, ['--put', files[1]!, '--stay']);
  await second.waitForLine(/^joined "Computer Networks" as Ann \(2\) /, 40_000);
  await second.waitForLine(/^uploaded .*essay\.txt → Ann \(2\)\/essay\.txt/, 60_000);
  await first.waitForLine(/^uploaded .*essay\.txt → Ann\/essay\.txt/, 60_000);
  const names = await host.waitFor(() => {
    const n = host.roster.filter((m) => m.role === 'student').map((m) => m.name).sort();
    return n.length === 2 && n;
  }, 20_000, 'two students');
  assert.equal(names, ['Ann', 'Ann (2)']);
  // Each student's roster shows the other under the other name too.
  await until(() => second.roster.some((m) => m.name === 'Ann') && second.roster.some((m) => m.name === 'Ann (2)'), 20_000, "the second Ann's roster");
  assert.is(readFileSync(path.join(hostData, 'uploads', `Ann-${first.peerId()}`, 'essay.txt'), 'utf8'), 'essay number 0\n');
  assert.is(readFileSync(path.join(hostData, 'uploads', `Ann (2)-${second.peerId()}`, 'essay.txt'), 'utf8'), 'essay number 1\n');
});

test.run();
