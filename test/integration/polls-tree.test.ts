/**
 * Polls with real agents across a relay tree (docs/record.md): the instructor (fan-out 2) asks, 8
 * students answer through `--stdin`, a relay with children is killed (`kill -9`) mid-poll, the
 * others answer after; the tally counts each student once and equals the answers given, the
 * students see it once published, and `camvid attendance --csv` has every answer. Beside them a
 * bored student with the password holds a raw member session (a RoomMember in this process): it
 * answers twice, for another student, with answers the poll does not have, in a flood, and after
 * the close; none of it moves the tally past its one answer.
 * @camvid-timeout-s 300
 */
import { spawn } from 'node:child_process';
import * as assert from 'uvu/assert';
import type { RosterEntry } from '../../protocol/common.js';
import type { PollView } from '../../protocol/polls.js';
import type { HostMessage } from '../../protocol/session.js';
import { HOST_LIMITS } from '../../node-agent/overlay/host-limits.js';
import { POLLS_CSV_HEADER } from '../../node-agent/record/record-csv.js';
import { CAMVID_BIN, ROOT, type AgentProcess } from '../helpers/agents.js';
import { clusterSuite } from '../helpers/cluster-suite.js';
import { joinRogueMember } from '../helpers/rogue-peers.js';
import { until } from '../helpers/until.js';

const { test, ctx } = clusterSuite('polls across a relay tree');
// No nodeDataChannel.cleanup(): it crashed the process now and then (test/helpers/fake-page.ts says more).

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const depthOf = (roster: RosterEntry[], id: string): number => {
  let d = 0;
  for (let at = roster.find((m) => m.id === id); at?.parentId; at = roster.find((m) => m.id === at!.parentId)) d++;
  return d;
};
const allConnected = (roster: RosterEntry[], n: number) => roster.length === n && roster.every((m) => m.state === 'connected');

/** The latest `poll` event an agent printed for `id` (any poll when absent). */
function lastPoll(a: AgentProcess, id?: string): PollView | undefined {
  for (let i = a.lines.length - 1; i >= 0; i--) {
    const l = a.lines[i]!;
    if (!l.startsWith('event {"type":"poll"')) continue;
    const p = (JSON.parse(l.slice(6)) as { data: PollView }).data;
    if (!id || p.id === id) return p;
  }
  return undefined;
}

function attendanceCsv(data: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CAMVID_BIN, 'attendance', '--data', data, '--csv'], { cwd: ROOT });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`camvid attendance exited ${code}`))));
  });
}

test('8 students across a tree answer, a relay dies mid-poll: each counted once, the tally equals the answers given; a cheating session changes nothing', async () => {
  const data = ctx.cluster.dataDir();
  const { agent: host, port } = await ctx.cluster.startHost(['--fanout', '2', '--stdin', '--data', data]);
  const names = Array.from({ length: 8 }, (_, i) => `s${i}`);
  const students = names.map((n) => ctx.cluster.startStudent(n, `127.0.0.1:${port}`, ['--stdin']));
  await Promise.all(students.map((s) => s.waitForLine(/^joined "/, 60_000)));
  await host.waitFor(() => allConnected(host.roster, 9), 30_000, 'a tree of 9 connected');
  const roster = host.roster;
  assert.ok(Math.max(...roster.map((m) => depthOf(roster, m.id))) >= 3, 'depth ≥ 3 with fan-out 2');

  // The rogue joins too: a raw session that keeps what the host tells it.
  const rogue = await joinRogueMember(port);
  const told: HostMessage[] = [];
  rogue.on('feature', (msg) => told.push(msg));
  const replies = (poll: string) => told.filter((m) => (m.type === 'poll-ack' || m.type === 'poll-refused') && m.poll === poll);

  host.command('poll ask Which layer routes packets between networks? | Link | *Network | Transport');
  const poll = await host.waitFor(() => lastPoll(host), 10_000, 'the poll asked');
  assert.is(poll.status, 'open');
  for (const s of students) await s.waitFor(() => lastPoll(s, poll.id), 15_000, `${s.name} hears the poll`);
  assert.ok(told.some((m) => m.type === 'poll-update' && m.poll.id === poll.id), 'the rogue hears it too');

  // A relay with children is s[r]; it and three others answer first.
  const relay = roster.find((m) => m.role === 'student' && roster.some((c) => c.parentId === m.id))!;
  const relayProc = students.find((s) => s.name === relay.name)!;
  const choiceOf = (i: number) => (i % 3 === 0 ? 0 : 1 + (i % 2)); // 1-based answer numbers below
  const first = [relayProc, ...students.filter((s) => s !== relayProc).slice(0, 3)];
  const rest = students.filter((s) => !first.includes(s));
  const answer = (s: AgentProcess) => s.command(`poll answer ${choiceOf(students.indexOf(s)) + 1}`);
  const acked = (s: AgentProcess) => s.waitFor(() => lastPoll(s, poll.id)?.mine, 15_000, `${s.name}'s answer acknowledged`);
  first.forEach(answer);
  await Promise.all(first.map(acked));

  // The rogue answers, then tries everything else while the poll is open.
  const rogueNth = () => replies(poll.id).length;
  rogue.send({ type: 'poll-answer', poll: poll.id, choices: [0] });
  await until(() => rogueNth() >= 1, 5_000, "the rogue's answer acknowledged");
  assert.is(replies(poll.id)[0]!.type, 'poll-ack');
  const victim = roster.find((m) => m.name === rest[0]!.name)!;
  const before = rogueNth();
  await sleep(600); // a token back in its poll budget
  rogue.send({ type: 'poll-answer', poll: poll.id, choices: [2], peer: victim.id } as never); // "for" another student
  rogue.send({ type: 'poll-answer', poll: poll.id, choices: [1] }); // a second vote
  await until(() => rogueNth() >= before + 2, 5_000, 'two replies');
  assert.equal(replies(poll.id).slice(before).map((m) => (m.type === 'poll-refused' ? m.code : m.type)), ['POLL_ANSWERED', 'POLL_ANSWERED']);
  // A flood: 300 answers at once (some with answers the poll does not have). Past its budget the host drops them unanswered.
  const beforeFlood = rogueNth();
  for (let i = 0; i < 300; i++) rogue.send({ type: 'poll-answer', poll: poll.id, choices: [i % 5] });
  await sleep(1500);
  const answeredFlood = rogueNth() - beforeFlood;
  console.log(`    a flood of 300 answers from one session got ${answeredFlood} replies`);
  assert.ok(answeredFlood <= HOST_LIMITS.poll.burst + 3 * HOST_LIMITS.poll.rate + 1, `${answeredFlood} replies to the flood`);

  // The relay dies mid-poll; the others answer while its children find new parents.
  const killedAt = Date.now();
  await relayProc.kill('SIGKILL');
  rest.forEach(answer);
  await Promise.all(rest.map(acked));
  console.log(`    the last answers acknowledged ${Date.now() - killedAt} ms after the relay's kill -9`);

  // The tally: each student once, equal to the answers given (the dead relay's included), the rogue once.
  const expected = [0, 0, 0];
  for (const s of students) expected[choiceOf(students.indexOf(s))]!++;
  expected[0]!++; // the rogue's one answer
  const tally = await host.waitFor(() => {
    const p = lastPoll(host, poll.id);
    return p?.results?.answered === 9 ? p : undefined;
  }, 10_000, 'the tally of 9 answers');
  assert.equal(tally.results!.counts, expected, 'the tally equals the answers given');

  // A student who answered cannot answer again, here or at the host.
  rest[0]!.command('poll answer 1');
  await rest[0]!.waitForLine(/POLL_ANSWERED/, 5_000);

  host.command('poll close');
  await host.waitFor(() => lastPoll(host, poll.id)?.status === 'closed', 5_000, 'closed');
  await sleep(600);
  const beforeClose = rogueNth();
  rogue.send({ type: 'poll-answer', poll: poll.id, choices: [0] }); // its own answer again: acknowledged, unchanged
  await until(() => rogueNth() > beforeClose, 5_000, 'a reply after the close');
  assert.is(replies(poll.id).at(-1)!.type, 'poll-ack');

  // A second poll: the rogue answers after it closed, and with an answer it does not have.
  host.command('poll multi Which are transport protocols? | TCP | UDP | IP');
  const poll2 = await host.waitFor(() => (lastPoll(host)?.id !== poll.id ? lastPoll(host) : undefined), 10_000, 'the second poll');
  await until(() => told.some((m) => m.type === 'poll-update' && m.poll.id === poll2.id), 10_000, 'the rogue hears poll 2');
  await sleep(600);
  rogue.send({ type: 'poll-answer', poll: poll2.id, choices: [0, 3] });
  await until(() => replies(poll2.id).length >= 1, 5_000, 'a reply to a bad answer');
  assert.is((replies(poll2.id)[0] as { code?: string }).code, 'BAD_MESSAGE');
  host.command('poll close');
  await host.waitFor(() => lastPoll(host, poll2.id)?.status === 'closed', 5_000, 'the second poll closed');
  await sleep(600);
  rogue.send({ type: 'poll-answer', poll: poll2.id, choices: [0, 1] });
  await until(() => replies(poll2.id).length >= 2, 5_000, 'a reply after poll 2 closed');
  assert.is((replies(poll2.id)[1] as { code?: string }).code, 'POLL_CLOSED');
  assert.is(lastPoll(host, poll2.id)!.results!.answered, 0);

  // Published: the students who are left see the tally they made and the right answer.
  const publishedAt = Date.now();
  host.command('poll publish 1');
  // The results latency by depth in the tree (they travel on the sessions, so depth should not matter).
  const alive = students.filter((x) => x !== relayProc);
  const arrived = await Promise.all(alive.map((s) => s.waitFor(() => lastPoll(s, poll.id)?.results, 10_000, `${s.name} sees the results`).then(() => Date.now() - publishedAt)));
  const now = host.roster;
  const byDepth = new Map<number, number[]>();
  alive.forEach((s, i) => {
    const d = depthOf(now, now.find((m) => m.name === s.name)?.id ?? '');
    byDepth.set(d, [...(byDepth.get(d) ?? []), arrived[i]!]);
  });
  console.log(`    published → results on the students' agents, ms by depth: ${[...byDepth].sort(([a], [b]) => a - b).map(([d, ms]) => `${d}: ${ms.join(', ')}`).join('; ')}`);
  for (const s of alive) {
    const seen = await s.waitFor(() => lastPoll(s, poll.id)?.results, 10_000, `${s.name} sees the results`);
    assert.equal(seen.counts, expected, `${s.name} sees the tally`);
    assert.equal(seen.correct, [1], `${s.name} sees the right answer`);
  }
  const updates = () => told.flatMap((m) => (m.type === 'poll-update' && m.poll.id === poll.id ? [m.poll] : []));
  await until(() => updates().some((u) => u.results), 10_000, 'the rogue hears the results');
  assert.ok(updates().slice(0, -1).every((u) => !u.results), 'no results before they were published');
  rogue.close();
  await sleep(500); // its PeerConnections closed before libdatachannel's cleanup

  await host.kill('SIGINT');
  assert.is(await host.exited, 0);
  const csv = await attendanceCsv(data);
  const polls = csv.split('\n\n')[1]!.trim().split('\n');
  assert.is(polls[0], POLLS_CSV_HEADER);
  const rows = polls.slice(1);
  assert.is(rows.length, 9, 'nine answers in the CSV');
  for (const s of students) assert.ok(rows.some((r) => r.includes(`,${s.name},`)), `${s.name}'s answer in the CSV`);
  const cols = rows.map((r) => r.split(','));
  assert.ok(cols.every((c) => c[1] === '0'), 'all of them to the first poll');
  assert.is(cols.filter((c) => c[6] === 'yes').length, expected[1], 'the right answers marked yes');
});

test.run();
