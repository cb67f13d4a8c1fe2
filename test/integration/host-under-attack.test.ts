/**
 * A real host process under a student who has the password and uses it to hurt the class
 * (docs/proving-ground.md, "Host under attack"): a crowd of sessions with the longest names, a
 * chat and history flood from many member ids, a flood of direct-edge requests at one victim, and
 * hundreds of uploads begun at once. The attacker opens raw member sessions (the real handshake
 * and sealed frames, nothing of an agent's good manners) from 127.0.0.2, as another machine
 * would; the honest students are real agent processes on 127.0.0.1. Host memory (VmRSS) and
 * file descriptors are read from /proc/<pid>.
 * @camvid-timeout-s 420
 */
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { RosterEntry } from '../../protocol/common.js';
import type { HostMessage } from '../../protocol/session.js';
import type { CtlMessage } from '../../protocol/ctl.js';
import { deriveRoomKey, type RoomKey } from '../../node-agent/auth/room-key.js';
import { HOST_LIMITS, MAX_DIRECT_EDGES_PER_MEMBER, ADDRESS_SHARE } from '../../node-agent/overlay/host-limits.js';
import { RosterBook } from '../../node-agent/overlay/roster-sync.js';
import { connectSession, type MemberSession } from '../../node-agent/signalling/signal-client.js';
import { MAX_OPEN_UPLOADS_PER_MEMBER } from '../../node-agent/files/uploads.js';
import type { AgentProcess } from '../helpers/agents.js';
import { clusterSuite } from '../helpers/cluster-suite.js';
import { joinRogueMember } from '../helpers/rogue-peers.js';
import { signedJoin } from '../helpers/signed-join.js';

const { test, ctx } = clusterSuite('host under attack');
// No nodeDataChannel.cleanup(): it crashed the process now and then (test/helpers/fake-page.ts says more).

const ATTACKER = '127.0.0.2';
const hex = (n = 8) => randomBytes(n).toString('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** 64 UTF-16 units, 3 bytes of UTF-8 each but the number: the longest names in bytes */
const longName = (i: number) => `${String(i).padStart(4, '0')}${'学'.repeat(60)}`;

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
const fdCount = (pid: number) => readdirSync(`/proc/${pid}/fd`).length;
const pidOf = (a: AgentProcess) => a.child.pid!;

/** A member session as an attacker holds it: the real handshake, then whatever it likes. */
class RawMember {
  readonly book = new RosterBook();
  roster: RosterEntry[] = [];
  closed: string | null = null;
  readonly errors: string[] = [];
  readonly counts = new Map<string, number>();
  readonly received: HostMessage[] = [];

  constructor(
    readonly session: MemberSession,
    readonly id: string,
  ) {
    session.on('message', (msg) => {
      this.counts.set(msg.type, (this.counts.get(msg.type) ?? 0) + 1);
      if (msg.type === 'roster' || msg.type === 'roster-delta') {
        const shown = this.book.apply(msg);
        if (shown) this.roster = shown;
      } else if (msg.type === 'error') {
        this.errors.push(msg.code);
      } else if (msg.type !== 'signal') {
        this.received.push(msg);
      }
    });
    session.on('close', (reason) => (this.closed = reason ? `${reason.code}: ${reason.message}` : 'closed'));
  }

  count(type: string): number {
    return this.counts.get(type) ?? 0;
  }

  send(msg: Parameters<MemberSession['send']>[0]): void {
    this.session.send(msg);
  }
}

interface Room {
  port: number;
  roomId: string;
  roomKey: RoomKey;
}

async function roomOf(port: number): Promise<Room> {
  const { roomId } = (await (await fetch(`http://127.0.0.1:${port}/camvid/ping`)).json()) as { roomId: string };
  return { port, roomId, roomKey: await deriveRoomKey('secret', roomId) };
}

async function rawJoin(room: Room, name: string, from = ATTACKER): Promise<RawMember> {
  const session = await connectSession({ address: '127.0.0.1', port: room.port, roomId: room.roomId, roomKey: room.roomKey, localAddress: from });
  const { join, id } = signedJoin(session, name);
  const raw = new RawMember(session, id);
  raw.send(join);
  return raw;
}

/**
 * One after another: the host counts every hello from an address against its password throttle
 * until that handshake succeeds, so more than FREE_FAILURES at once from one address are refused.
 */
async function rawJoinAll(room: Room, names: string[], from = ATTACKER): Promise<RawMember[]> {
  const out: RawMember[] = [];
  for (const name of names) out.push(await rawJoin(room, name, from));
  return out;
}

async function until(what: string, predicate: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

const raws: RawMember[] = [];
test.after.each(() => {
  for (const r of raws.splice(0)) r.session.close();
});

/** Raw sessions never open their tree edge: without this the host would close them after 30 s. */
const PATIENT = ['--attach-timeout', '3600'];

test('250 members with 64-character names: no session breaks, the roster is the host roster everywhere, member 251 gets ROOM_FULL', async () => {
  const { agent: host, port } = await ctx.cluster.startHost(PATIENT);
  const room = await roomOf(port);
  const honest = ctx.cluster.startStudent(`Honest ${'h'.repeat(57)}`, `127.0.0.1:${port}`);
  await honest.waitForLine(/^joined /, 20_000);
  const rss0 = rssMb(pidOf(host));
  const started = performance.now();
  // From 8 addresses, 6 at a time: the signalling port lets one address hold 64 connections and
  // have a few handshakes in progress (node-agent/signalling/signal-server.ts).
  const from = (i: number) => `127.0.0.${10 + (i % 8)}`;
  for (let i = 0; i < 249; i += 6) {
    const batch = await Promise.all(Array.from({ length: Math.min(6, 249 - i) }, (_, k) => rawJoin(room, longName(i + k), from(i + k))));
    raws.push(...batch);
  }
  await until('the host roster of 251', () => host.roster.length === 251);
  const full = await rawJoin(room, longName(999));
  raws.push(full);
  await until('member 251 refused', () => full.closed !== null);
  assert.equal(full.errors, ['ROOM_FULL'], 'member 251 hears ROOM_FULL');
  // The CLI says so and exits non-zero.
  const late = ctx.cluster.startStudent('late', `127.0.0.1:${port}`);
  assert.is(await late.exited, 1);
  assert.match(late.output, /^error: ROOM_FULL: The room is full/m);

  // Settled: the roster at the honest student and at every attacker session is the host's.
  const same = (r: RosterEntry[]) => JSON.stringify(r) === JSON.stringify(host.roster);
  await until('every roster equal to the host roster', () => same(honest.roster) && raws.slice(0, 249).every((r) => same(r.roster)), 30_000).catch((err) => {
    const diff = (r: RosterEntry[]) => `${r.length} entries, ${r.filter((e, i) => JSON.stringify(e) !== JSON.stringify(host.roster[i])).length} differ`;
    throw new Error(`${(err as Error).message}: host ${host.roster.length}; honest ${diff(honest.roster)}; raw ${raws.slice(0, 249).filter((r) => !same(r.roster)).map((r) => diff(r.roster)).slice(0, 5).join(' | ')}`);
  });
  const broken = raws.slice(0, 249).filter((r) => r.closed !== null);
  assert.is(broken.length, 0, `sessions broken: ${broken.map((r) => r.closed).join('; ')}`);
  assert.is(honest.exitCode, null, 'the honest student is still there');
  assert.not.match(honest.output, /Max payload|reconnecting|not answering/);
  const rss1 = rssMb(pidOf(host));
  console.log(
    `  250 members joined in ${Math.round(performance.now() - started)} ms; roster at every member = host's (${host.roster.length} entries, ` +
      `${Buffer.byteLength(JSON.stringify(host.roster))} bytes); host RSS ${rss0.toFixed(0)} → ${rss1.toFixed(0)} MB`,
  );
  assert.ok(rss1 - rss0 < 50, `host RSS grew ${(rss1 - rss0).toFixed(1)} MB`);
});

test('one student floods chat and history from 8 member ids: THROTTLED past the budget, the class sees at most the budget, an honest student gets through', async () => {
  const { agent: host, port } = await ctx.cluster.startHost(['--stdin', ...PATIENT]);
  const room = await roomOf(port);
  const honest = ctx.cluster.startStudent('honest', `127.0.0.1:${port}`, ['--stdin']);
  await honest.waitForLine(/^joined /, 20_000);
  // Some history to ask for: 300 messages of 3,000 characters from the instructor (never limited).
  for (let i = 0; i < 300; i++) host.command(`say ${i} ${'x'.repeat(3000)}`);
  await honest.waitFor(() => honest.chat.length >= 300, 30_000, 'the history');
  const flooders = await rawJoinAll(room, Array.from({ length: 8 }, (_, i) => `flood${i}`));
  raws.push(...flooders);
  await until('flooders welcomed', () => flooders.every((f) => f.count('roster') > 0));
  const hostPid = pidOf(host);
  const rss0 = rssMb(hostPid);
  const ids = new Set(flooders.map((f) => f.id));

  const t0 = performance.now();
  for (let k = 0; k < 100; k++) {
    for (const f of flooders) {
      f.send({ type: 'chat-send', id: hex(), text: `spam ${k}` });
      f.send({ type: 'chat-history', after: 0 });
    }
    if (k === 50) for (let j = 0; j < 5; j++) honest.command(`say honest ${j}`);
  }
  const floodMs = performance.now() - t0;
  await honest.waitFor(() => honest.chat.filter((r) => r.text.startsWith('honest ')).length === 5, 15_000, "the honest student's messages");
  const settledS = (performance.now() - t0) / 1000;
  await sleep(1000);
  let rssPeak = 0;
  for (let i = 0; i < 10; i++, await sleep(100)) rssPeak = Math.max(rssPeak, rssMb(hostPid));

  const sequenced = host.chat.filter((r) => ids.has(r.from)).length;
  const seenByHonest = honest.chat.filter((r) => ids.has(r.from)).length;
  const budget = HOST_LIMITS.chat.burst * ADDRESS_SHARE + HOST_LIMITS.chat.rate * ADDRESS_SHARE * (settledS + 1);
  const refused = flooders.reduce((n, f) => n + f.received.filter((m) => m.type === 'chat-refused' && m.code === 'THROTTLED').length, 0);
  const acked = flooders.reduce((n, f) => n + f.count('chat-ack'), 0);
  const batches = flooders.reduce((n, f) => n + f.count('chat-batch'), 0);
  const answers = flooders.reduce((n, f) => n + f.received.filter((m) => m.type === 'chat-batch' && !m.more).length, 0);
  console.log(
    `  chat flood: 800 messages from 8 ids in ${floodMs.toFixed(0)} ms → ${acked} sequenced, ${refused} THROTTLED; the honest student saw ${seenByHonest}; ` +
      `800 history asks → ${answers} answers (${batches} batches); host RSS ${rss0.toFixed(0)} → peak ${rssPeak.toFixed(0)} MB`,
  );
  assert.ok(refused > 700, `${refused} refused THROTTLED`);
  assert.ok(sequenced <= budget, `${sequenced} flood messages sequenced, budget ${budget.toFixed(0)}`);
  assert.ok(seenByHonest <= budget, `${seenByHonest} reached the honest student`);
  assert.ok(answers <= HOST_LIMITS.history.burst * ADDRESS_SHARE + HOST_LIMITS.history.rate * ADDRESS_SHARE * (settledS + 1), `${answers} history answers`);
  assert.ok(rssPeak - rss0 < 50, `host RSS grew ${(rssPeak - rss0).toFixed(1)} MB`);
  assert.ok(flooders.every((f) => f.closed === null), 'the flooders were throttled, not disconnected');
});

test('100 direct-edge requests at one victim from 8 ids: the victim gets at most the cap', async () => {
  const { agent: host, port } = await ctx.cluster.startHost(PATIENT);
  const room = await roomOf(port);
  const victim = ctx.cluster.startStudent('victim', `127.0.0.1:${port}`);
  await victim.waitForLine(/^joined /, 20_000);
  const victimId = (await victim.waitFor(() => victim.roster.find((m) => m.name === 'victim'), 5000, 'the victim in the roster')).id;
  const flooders = await rawJoinAll(room, Array.from({ length: 8 }, (_, i) => `conn${i}`));
  raws.push(...flooders);
  await until('flooders welcomed', () => flooders.every((f) => f.count('roster') > 0));
  const victimFds0 = fdCount(pidOf(victim));
  for (let k = 0; k < 100; k++) flooders[k % 8]!.send({ type: 'connect', peer: victimId });
  await sleep(1500);
  const victimFdsPeak = fdCount(pidOf(victim));
  const directs = flooders.reduce((n, f) => n + f.count('direct'), 0);
  const throttled = flooders.reduce((n, f) => n + f.errors.filter((c) => c === 'THROTTLED').length, 0);
  console.log(`  connect flood: 100 asks → ${directs} direct edges opened at the victim, ${throttled} THROTTLED; victim fds ${victimFds0} → ${victimFdsPeak}`);
  assert.ok(directs <= MAX_DIRECT_EDGES_PER_MEMBER, `${directs} direct edges`);
  assert.is(directs + throttled, 100, 'every ask answered');
  assert.is(host.exitCode, null);
  assert.is(victim.exitCode, null);
  // The edges that never connected close at the victim (5 s), which frees its places.
  await sleep(6000);
  flooders[0]!.send({ type: 'connect', peer: victimId });
  await until('a place free again', () => flooders[0]!.count('direct') + flooders.slice(1).reduce((n, f) => n + f.count('direct'), 0) > directs, 5000);
});

test('share requests and podcast reports from 8 ids: files answered within the budget, the rest THROTTLED; an honest student still browses', async () => {
  const share = ctx.cluster.dataDir();
  writeFileSync(path.join(share, 'notes.txt'), 'lecture notes');
  // Root places for the raw sessions (which never open their tree edge) and the honest student.
  const { port } = await ctx.cluster.startHost(['--share', share, '--root-fanout', '12', ...PATIENT]);
  const room = await roomOf(port);
  const flooders = await rawJoinAll(room, Array.from({ length: 8 }, (_, i) => `browse${i}`));
  raws.push(...flooders);
  await until('flooders welcomed', () => flooders.every((f) => f.count('roster') > 0));
  const t0 = performance.now();
  for (let k = 0; k < 100; k++) {
    for (const f of flooders) {
      f.send({ type: 'files-list', req: k, path: '' });
      f.send({ type: 'files-manifest', req: 1000 + k, path: 'notes.txt', from: 0 });
      f.send({ type: 'podcast-listener', state: k % 2 ? 'live' : 'paused', behindMs: 0 });
    }
  }
  const replies = () => flooders.flatMap((f) => f.received.filter((m): m is Extract<HostMessage, { type: 'files-reply' }> => m.type === 'files-reply'));
  await until('every share request answered', () => replies().length >= 1600, 30_000);
  const seconds = (performance.now() - t0) / 1000;
  const answered = replies().filter((m) => !m.error).length;
  const throttled = replies().filter((m) => m.error?.code === 'THROTTLED').length;
  const statuses = flooders.reduce((n, f) => n + f.count('podcast-status'), 0);
  const { files, podcast } = HOST_LIMITS;
  const filesBudget = (files.burst + files.rate * (seconds + 1)) * ADDRESS_SHARE;
  const podcastBudget = (podcast.burst + podcast.rate * (seconds + 1)) * ADDRESS_SHARE;
  console.log(`  share flood: 1,600 requests from 8 ids → ${answered} answered, ${throttled} THROTTLED in ${seconds.toFixed(1)} s; 800 podcast reports → ${statuses} answered`);
  assert.ok(answered <= filesBudget, `${answered} answered, budget ${filesBudget}`);
  assert.is(answered + throttled, 1600);
  assert.ok(statuses <= podcastBudget, `${statuses} podcast reports handled, budget ${podcastBudget}`);
  // An honest student (its own address) browses and downloads meanwhile.
  const out = ctx.cluster.dataDir();
  const honest = ctx.cluster.startStudent('honest', `127.0.0.1:${port}`, ['--get', 'notes.txt', '--out', out]);
  assert.is(await Promise.race([honest.exited, sleep(60_000).then(() => 'still running')]), 0, honest.output);
  assert.is(readFileSync(path.join(out, 'notes.txt'), 'utf8'), 'lecture notes');
});

test('sessions that never open their tree edge (one claiming it did) hold the host\'s places only until the attach deadline: then closed, and an honest student is placed', async () => {
  const { agent: host, port } = await ctx.cluster.startHost(['--root-fanout', '4', '--attach-timeout', '8']);
  const room = await roomOf(port);
  const squatters = await rawJoinAll(room, Array.from({ length: 6 }, (_, i) => `squat${i}`));
  raws.push(...squatters);
  await until('four squatters placed under the host', () => host.roster.filter((m) => m.parentId === host.roster[0]!.id).length === 4);
  // One lies that its edge is up: the host is that edge's other end and knows better.
  const liar = squatters.find((r) => r.received.some((m) => m.type === 'attach'))!;
  const attach = liar.received.find((m): m is Extract<HostMessage, { type: 'attach' }> => m.type === 'attach')!;
  liar.send({ type: 'edge', edge: attach.edge, state: 'connected' });
  await sleep(500);
  assert.is(host.roster.find((m) => m.id === liar.id)?.state, 'connecting', 'the claim was not believed');
  const t0 = performance.now();
  const honest = ctx.cluster.startStudent('honest', `127.0.0.1:${port}`);
  await honest.waitForLine(/^joined /, 8_000 * 2 + 30_000);
  const waited = performance.now() - t0;
  const closed = squatters.filter((r) => r.closed !== null);
  console.log(`  squatters: ${closed.length} of 6 closed (${[...new Set(squatters.flatMap((r) => r.errors))].join(', ')}); the honest student was placed after ${(waited / 1000).toFixed(1)} s`);
  assert.ok(closed.length >= 4, `${closed.length} squatters closed`);
  assert.ok(closed.every((r) => r.errors.includes('TIMEOUT')), 'each heard TIMEOUT');
  assert.ok(liar.closed !== null, 'the liar was closed too');
  await host.waitFor(() => host.roster.find((m) => m.name === 'honest' && m.state === 'connected'), 20_000, 'the honest student connected');
});

test('500 upload-begins on one direct edge: at most the cap held open, and no file descriptor left once the student leaves', async () => {
  const { agent: host, port } = await ctx.cluster.startHost();
  const hostPid = pidOf(host);
  const rogue = await joinRogueMember(port);
  try {
    const hostId = host.roster.find((m) => m.role === 'host')?.id ?? (await host.waitFor(() => host.roster.find((m) => m.role === 'host'), 5000, 'the roster')).id;
    await sleep(500);
    const fds0 = fdCount(hostPid);
    const rss0 = rssMb(hostPid);
    const link = await rogue.connectDirect(hostId);
    const answers: CtlMessage[] = [];
    link.on('ctl', (msg) => {
      if (msg.type === 'upload-accept' || msg.type === 'upload-result') answers.push(msg);
    });
    for (let i = 0; i < 500; i++) link.sendCtl({ type: 'upload-begin', id: hex(32), name: `f${i}.bin`, size: 1000 });
    await until('every begin answered', () => answers.length >= 500, 20_000);
    const accepted = answers.filter((m) => m.type === 'upload-accept').length;
    const throttled = answers.filter((m) => m.type === 'upload-result' && !m.ok && m.code === 'THROTTLED').length;
    const fdsOpen = fdCount(hostPid);
    console.log(`  upload flood: 500 begins → ${accepted} accepted, ${throttled} THROTTLED; host fds ${fds0} → ${fdsOpen} during`);
    assert.ok(accepted <= MAX_OPEN_UPLOADS_PER_MEMBER, `${accepted} accepted`);
    assert.is(accepted + throttled, 500);
    rogue.close();
    await until('host fds back to where they were', () => fdCount(hostPid) <= fds0, 20_000).catch(() => {});
    const fds1 = fdCount(hostPid);
    const rss1 = rssMb(hostPid);
    console.log(`  after the student left: host fds ${fds1} (before ${fds0}); RSS ${rss0.toFixed(0)} → ${rss1.toFixed(0)} MB`);
    assert.ok(fds1 <= fds0, `host fds ${fds0} → ${fds1}`);
    assert.ok(rss1 - rss0 < 50);
  } finally {
    rogue.close();
    await sleep(500);
  }
});

test('present-start from students never invited, 50 each from 4 ids on one address: answered present-end within the address budget, no present edge planned, nothing in the roster', async () => {
  const { agent: host, port } = await ctx.cluster.startHost(PATIENT);
  const room = await roomOf(port);
  const students = await rawJoinAll(room, ['p0', 'p1', 'p2', 'p3']);
  raws.push(...students);
  await until('welcomed', () => students.every((s) => s.count('roster') > 0));
  for (let i = 0; i < 50; i++) for (const s of students) s.send({ type: i % 2 ? 'present-stop' : 'present-start' });
  await until('answers', () => students.some((s) => s.count('present-end') > 0));
  await sleep(1000);
  // One address's budget, whatever the number of ids (host-limits.ts), and a token or two of refill.
  const answers = students.reduce((n, s) => n + s.count('present-end'), 0);
  assert.ok(answers <= ADDRESS_SHARE * HOST_LIMITS.present.burst + 2, `${answers} answers, at most the address's budget`);
  for (const s of students) {
    assert.ok(s.received.every((m) => m.type !== 'direct'), 'no edge planned for an uninvited student');
    assert.is(s.closed, null, 'the session stays: refused, not dropped');
  }
  assert.ok(host.roster.every((m) => !m.presenting), 'nobody shown presenting');
});

test.run();
