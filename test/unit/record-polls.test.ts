/**
 * The poll book without processes: the host's rules for an answer (once per member, the same one
 * acknowledged again, refused when closed, unknown or not an answer the poll has, dropped past the
 * member's budget), a resumed lecture with its polls and answers back and a timer that ran out
 * while the host was down; a student's answer kept until acknowledged and sent again on a reconnect.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MemberMessage, HostMessage } from '../../protocol/session.js';
import type { PollView } from '../../protocol/polls.js';
import type { FeatureMemberMessage, MemberSessionInfo, RoomHost, RoomHostEvents } from '../../node-agent/overlay/room-host.js';
import type { FeatureHostMessage, RoomMember, RoomMemberEvents } from '../../node-agent/overlay/room-member.js';
import { HostPolls } from '../../node-agent/record/host-polls.js';
import { MemberPolls } from '../../node-agent/record/member-polls.js';
import { RecordStore } from '../../node-agent/record/record-store.js';
import { Store } from '../../node-agent/store/store.js';
import { TypedEmitter } from '../../node-agent/typed-emitter.js';

const test = suite('polls: the host’s rules and a student’s pending answer');
let dir: string;
let store: Store;
let records: RecordStore;
test.before.each(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'camvid-polls-'));
  store = await Store.open(dir);
  records = new RecordStore(store);
});
test.after.each(async () => {
  await records.flushed();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The parts of RoomHost the poll book uses; `budget` members are refused as over their budget. */
class FakeHost extends TypedEmitter<RoomHostEvents> {
  readonly sent: [string, HostMessage][] = [];
  readonly members: MemberSessionInfo[] = ['a', 'b', 'c'].map((n) => ({ id: n.repeat(16), name: n.toUpperCase(), address: '10.0.0.1' }));
  readonly overBudget = new Set<string>();
  sessions = () => this.members;
  sendTo = (id: string, msg: HostMessage) => (this.sent.push([id, msg]), true);
  broadcast = (msg: HostMessage) => this.members.forEach((m) => this.sent.push([m.id, msg]));
  admit = (_kind: string, id: string) => (this.overBudget.has(id) ? 500 : 0);
  memberName = (id: string) => this.members.find((m) => m.id === id)?.name;
  answer(id: string, poll: string, choices: number[]): HostMessage | undefined {
    const before = this.sent.length;
    this.emit('feature', id, { type: 'poll-answer', poll, choices } as FeatureMemberMessage);
    return this.sent.slice(before).find(([to]) => to === id)?.[1];
  }
}

const code = (m: HostMessage | undefined) => (m?.type === 'poll-refused' ? m.code : m?.type);
const A = 'a'.repeat(16);
const B = 'b'.repeat(16);
const C = 'c'.repeat(16);

test('one answer per member; the same again is acknowledged; refusals by rule; past the budget dropped', async () => {
  const host = new FakeHost();
  const views: PollView[] = [];
  const polls = await HostPolls.start(host as unknown as RoomHost, records, 'f'.repeat(16), (v) => views.push(v));
  const p = polls.create({ question: 'Which layer?', options: ['Link', 'Network', 'Transport'], multi: false, correct: [1] });
  assert.equal(host.sent.map(([to, m]) => [to, m.type]), [A, B, C].map((id) => [id, 'poll-update']), 'everyone hears the new poll');

  assert.is(code(host.answer(A, p.id, [1])), 'poll-ack');
  assert.is(code(host.answer(A, p.id, [1])), 'poll-ack', 'a resend is acknowledged again');
  assert.is(code(host.answer(A, p.id, [2])), 'POLL_ANSWERED', 'a second vote');
  assert.is(code(host.answer(B, p.id, [0, 2])), 'BAD_MESSAGE', 'two answers to a one-answer poll');
  assert.is(code(host.answer(B, p.id, [5])), 'BAD_MESSAGE', 'an answer the poll does not have');
  assert.is(code(host.answer(B, 'e'.repeat(16), [0])), 'POLL_CLOSED', 'no such poll');
  host.overBudget.add(C);
  assert.is(host.answer(C, p.id, [0]), undefined, 'past its budget: dropped unanswered');
  host.overBudget.clear();
  assert.is(code(host.answer(C, p.id, [0])), 'poll-ack');
  assert.equal(polls.list()[0]!.results, { counts: [1, 1, 0], answered: 2, correct: [1] });
  assert.equal(views.at(-1)!.results!.counts, [1, 1, 0], 'the instructor’s page heard the tally');

  polls.closePoll(p.id);
  assert.is(code(host.answer(B, p.id, [0])), 'POLL_CLOSED');
  assert.is(code(host.answer(A, p.id, [1])), 'poll-ack', 'its own answer, after the close: still acknowledged');
  const closed = host.sent.filter(([, m]) => m.type === 'poll-update').slice(-3);
  assert.ok(closed.every(([, m]) => m.type === 'poll-update' && m.poll.status === 'closed' && !m.poll.results), 'closed, no results yet');
  assert.equal(closed.map(([to, m]) => m.type === 'poll-update' && [to, m.poll.mine]), [[A, [1]], [B, null], [C, [0]]], 'each member hears its own answer');

  polls.publish(p.id);
  const published = host.sent.filter(([, m]) => m.type === 'poll-update').slice(-3);
  assert.ok(published.every(([, m]) => m.type === 'poll-update' && m.poll.results?.answered === 2 && m.poll.results.correct?.[0] === 1));
  assert.throws(() => polls.create({ question: 'q', options: ['x', 'y'], multi: false, correct: [0, 1] }), /one answer/);
  polls.close();
});

test('a resumed lecture has its polls and answers back; a timer that ran out meanwhile closes the poll', async () => {
  const host = new FakeHost();
  const lecture = 'f'.repeat(16);
  const first = await HostPolls.start(host as unknown as RoomHost, records, lecture, () => {});
  const p = first.create({ question: 'Quick?', options: ['yes', 'no'], multi: false, timerS: 5 });
  const q = first.create({ question: 'Open?', options: ['yes', 'no'], multi: true });
  host.answer(A, p.id, [0]);
  host.answer(B, q.id, [0, 1]);
  first.close(); // the host stops before the timer
  await records.flushed();
  // Five seconds later, as far as the stored poll knows.
  const stored = (await records.polls(lecture))[0]!;
  await records.putPoll(lecture, { ...stored, def: { ...stored.def, closesAt: Date.now() - 1 } });

  const again = await HostPolls.start(host as unknown as RoomHost, records, lecture, () => {});
  await new Promise((r) => setTimeout(r, 20));
  const [pv, qv] = again.list();
  assert.is(pv!.status, 'closed', 'the timer ran out while the host was down');
  assert.is(qv!.status, 'open');
  assert.equal(pv!.results!.counts, [1, 0]);
  assert.equal(qv!.results!.counts, [1, 1]);
  assert.is(code(host.answer(A, p.id, [0])), 'poll-ack', 'its answer is known after the restart');
  assert.is(code(host.answer(B, q.id, [0])), 'POLL_ANSWERED');
  again.close();
});

/** The parts of RoomMember the student side uses. */
class FakeMember extends TypedEmitter<RoomMemberEvents> {
  online = false;
  readonly sent: MemberMessage[] = [];
  send = (msg: MemberMessage) => (this.online ? (this.sent.push(msg), true) : false);
  tell = (msg: FeatureHostMessage) => this.emit('feature', msg);
}

test('a student’s answer waits for the host’s ack: sent again after a reconnect, done once acknowledged', () => {
  const member = new FakeMember();
  const changes: PollView[] = [];
  const refused: string[] = [];
  const polls = new MemberPolls(member as unknown as RoomMember, { changed: (p) => changes.push(p), refused: (_p, c) => refused.push(c) });
  const id = '1'.repeat(16);
  member.tell({ type: 'poll-update', poll: { id, question: 'Q', options: ['x', 'y'], multi: false, status: 'open', mine: null } });
  assert.throws(() => polls.answer(id, [0, 1]), /one answer/);
  member.online = false; // the session is down (a relay's death does not matter: answers never use the tree)
  polls.answer(id, [1]);
  assert.equal(member.sent, [], 'nothing sent while offline');
  assert.equal(polls.list()[0]!.pending, [1]);
  assert.throws(() => polls.answer(id, [0]), /on its way/);

  member.online = true;
  member.emit('welcome', {} as never);
  assert.equal(member.sent, [{ type: 'poll-sync' }, { type: 'poll-answer', poll: id, choices: [1] }], 'the reconnect brings it');
  member.tell({ type: 'poll-ack', poll: id, choices: [1] });
  assert.equal(polls.list()[0]!.mine, [1]);
  assert.is(polls.list()[0]!.pending, undefined);
  assert.throws(() => polls.answer(id, [0]), /already answered/);

  const other = '2'.repeat(16);
  member.tell({ type: 'poll-update', poll: { id: other, question: 'Q2', options: ['x', 'y'], multi: false, status: 'open', mine: null } });
  polls.answer(other, [0]);
  member.tell({ type: 'poll-refused', poll: other, code: 'POLL_CLOSED', message: 'closed' });
  assert.equal(refused, ['POLL_CLOSED']);
  assert.is(polls.list()[1]!.pending, undefined, 'a refused answer is not sent again');
  polls.close();
});

test.run();
