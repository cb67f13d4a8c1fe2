/**
 * Warm standby parents (docs/media.md, "A relay dies"), with real agent processes each in its own
 * network namespace: 1 host streaming testsrc + 8 students at fan-out 4, so one student relays for
 * 4 children at depth 2, each of which keeps an idle, connected standby edge to a relay outside
 * that relay's subtree, and no two of them the same one. The relay is killed (SIGKILL: its session
 * closes, the host switches its children) or frozen (SIGSTOP: nothing closes; the children hear
 * silence and switch by themselves). Every child must then be under the standby it had, with video
 * again, and the host must give each of them (that is not now a child of the host) a new standby.
 * The times are printed; the soak measures them (docs/benchmarks.md).
 */
import { spawnSync } from 'node:child_process';
import * as assert from 'uvu/assert';
import type { RosterEntry } from '../../protocol/common.js';
import { canUseNetns } from '../../scripts/netns/netns-lab.js';
import type { AgentProcess } from '../helpers/agents.js';
import { latestStats } from '../helpers/media-stats.js';
import { netnsSuite } from '../helpers/netns-suite.js';
import { requireCapability } from '../helpers/require.js';

const { test, ctx, startLab, inHost } = netnsSuite('warm standby parents');
const STUDENTS = 8;
const SOURCE = ['--source', 'testsrc', '--video-size', '320x240', '--fps', '15', '--video-kbps', '250'];
const COMMON = ['--no-mdns', '--media-stats-ms', '200'];
const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0;

async function classWithRelayOf4(): Promise<{ host: AgentProcess; students: AgentProcess[]; relay: RosterEntry; children: RosterEntry[] }> {
  const lab = await startLab(STUDENTS + 1);
  const { agent: host, port } = await ctx.cluster.startHost(['--fanout', '4', ...SOURCE, ...COMMON], inHost(0));
  const address = `${lab.hosts[0]!.addr}:${port}`;
  const students: AgentProcess[] = [];
  // In join order: the first 4 go under the host, the next 4 under the first of them. The fifth
  // comes alone: until an edge between two students has connected, the host gives each relay one
  // new child at a time (docs/media.md, "Students that cannot reach each other").
  for (let i = 0; i < STUDENTS; i++) {
    students.push(ctx.cluster.startStudent(`s${i}`, address, COMMON, inHost(i + 1)));
    if (i === 3) await Promise.all(students.map((s) => s.waitForLine(/^joined /, 60_000)));
    if (i === 4) await host.waitFor(() => host.roster.some((m) => m.name === 's4' && m.state === 'connected'), 30_000, 's4 connected under a classmate');
  }
  await Promise.all(students.map((s) => s.waitForLine(/^joined /, 60_000)));
  const relayOf4 = () => host.roster.find((m) => m.role === 'student' && host.roster.filter((c) => c.parentId === m.id).length === 4);
  await host.waitFor(relayOf4, 30_000, 'a relay with 4 children').catch((e: Error) => {
    const lost = students.flatMap((st) => st.lines.filter((l) => l.startsWith('event {"type":"parent-lost"')).map((l) => `${st.name} ${l}`));
    throw new Error(`${e.message.split('\n')[0]} the tree was ${treeOf(host.roster)}; parents lost: ${lost.join(' | ') || 'none'}`);
  });
  const relay = relayOf4()!;
  const childrenOf = () => host.roster.filter((m) => m.parentId === relay.id);
  await host.waitFor(() => childrenOf().every((c) => c.state === 'connected' && c.standbyId), 30_000, 'standbys up for the relay’s 4 children');
  await Promise.all(students.map((s) => s.waitFor(() => (latestStats(s)?.in.video.packets ?? 0) > 0, 30_000, `${s.name} has video`)));
  return { host, students, relay, children: childrenOf() };
}

/** The roster as "parent: child(state) …" lines, for a failure's message. */
function treeOf(roster: RosterEntry[]): string {
  return roster.filter((m) => roster.some((c) => c.parentId === m.id)).map((p) => `${p.name}: ${roster.filter((c) => c.parentId === p.id).map((c) => `${c.name}(${c.state})`).join(' ')}`).concat(roster.filter((m) => m.role !== 'host' && !m.parentId).map((m) => `unplaced: ${m.name}(${m.state})`)).join('; ');
}

function checkSpread(roster: RosterEntry[], relay: RosterEntry, children: RosterEntry[]): void {
  const subtree = new Set([relay.id]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const m of roster) {
      if (!m.parentId || !subtree.has(m.parentId) || subtree.has(m.id)) continue;
      subtree.add(m.id);
      grew = true;
    }
  }
  const standbys = children.map((c) => c.standbyId!);
  for (const s of standbys) assert.ok(!subtree.has(s), `a standby (${s}) outside the relay's subtree`);
  assert.is(new Set(standbys).size, 4, `four different standbys: ${standbys.join(' ')}`);
}

async function recovers(fault: 'SIGKILL' | 'SIGSTOP'): Promise<void> {
  const { host, students, relay, children } = await classWithRelayOf4();
  checkSpread(host.roster, relay, children);
  const victim = students.find((s) => s.name === relay.name)!;
  const kids = children.map((c) => ({ entry: c, agent: students.find((s) => s.name === c.name)! }));
  const at = Date.now();
  process.kill(victim.child.pid!, fault);
  try {
    for (const { entry, agent } of kids) {
      // Under the standby it had, connected, with video that arrived after the fault.
      await host.waitFor(() => host.roster.some((m) => m.id === entry.id && m.parentId === entry.standbyId && m.state === 'connected'), 20_000, `${entry.name} under its standby`);
      await agent.waitFor(() => (latestStats(agent)?.lastVideoAt ?? 0) > at + 300, 20_000, `${entry.name} has video again`);
    }
    const switchedIn = Date.now() - at;
    // Each of them gets a new standby, unless it is now the host's own child (it needs none).
    const hostId = host.roster.find((m) => m.role === 'host')!.id;
    const newStandby = (c: RosterEntry) => {
      const m = host.roster.find((x) => x.id === c.id);
      return !!m && (m.parentId === hostId || (!!m.standbyId && m.standbyId !== relay.id));
    };
    await host.waitFor(() => children.every(newStandby), 20_000, 'new standbys for the switched children');
    const lines = kids.map(({ agent }) => agent.lines.find((l) => l.startsWith('event {"type":"parent-lost"') && l.includes(relay.id)));
    console.log(`    ${fault}: 4 children switched and had video within ${switchedIn} ms, new standbys within ${Date.now() - at} ms`);
    if (fault === 'SIGSTOP') {
      // Nothing closed: each child heard silence and switched by itself, to the standby it had.
      for (const [i, line] of lines.entries()) {
        assert.ok(line, `${kids[i]!.entry.name} reported its parent lost`);
        assert.ok(line!.includes(`"standbyId":"${kids[i]!.entry.standbyId}"`), `switched to its standby: ${line}`);
      }
    }
  } finally {
    if (fault === 'SIGSTOP') process.kill(victim.child.pid!, 'SIGCONT');
  }
}

test('a killed relay (SIGKILL): its 4 children switch to their 4 different standbys, have video, and get new standbys', async () => {
  if (!requireCapability('network namespaces (root + iproute2)', canUseNetns())) return;
  if (!requireCapability('ffmpeg (Debian package ffmpeg)', hasFfmpeg)) return;
  await recovers('SIGKILL');
});

test('a frozen relay (SIGSTOP): its 4 children hear silence, switch to their standbys by themselves, have video, and get new standbys', async () => {
  if (!requireCapability('network namespaces (root + iproute2)', canUseNetns())) return;
  if (!requireCapability('ffmpeg (Debian package ffmpeg)', hasFfmpeg)) return;
  await recovers('SIGSTOP');
});

test.run();
