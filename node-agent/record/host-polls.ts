/**
 * The host's polls for the lecture it is hosting (docs/record.md): the instructor asks, each
 * student answers once, the tally is kept live for the instructor's page and shown to the students
 * once published. Every answer arrives over the member's own session, so it is counted for the
 * member id of that session and never for anyone the message names (it names no one). Polls and
 * answers are written to LevelDB as they happen (record-store.ts); a resumed lecture has them back,
 * and a timer that ran out while the host was down closes the poll when it comes back.
 */
import { randomBytes } from 'node:crypto';
import { CamvidError, type ErrorCode } from '../../protocol/errors.js';
import {
  badChoices,
  MAX_POLLS_SENT,
  type MemberPoll,
  type PollAnswer,
  type PollDef,
  type PollResults,
  type PollView,
} from '../../protocol/polls.js';
import { background } from '../background.js';
import { createLogger } from '../log.js';
import type { FeatureMemberMessage, RoomHost } from '../overlay/room-host.js';
import { sameSet } from './record-csv.js';
import type { RecordStore, StoredPoll } from './record-store.js';

const log = createLogger('agent:record');

/** What the instructor asks (`poll-create`). */
export interface PollRequest {
  question: string;
  options: string[];
  multi: boolean;
  correct?: number[];
  timerS?: number;
}

interface LivePoll {
  stored: StoredPoll;
  /** member id → its answer */
  answers: Map<string, PollAnswer>;
  timer: NodeJS.Timeout | null;
}

export class HostPolls {
  /** the lecture's polls in the order they were asked */
  readonly #polls = new Map<string, LivePoll>();
  readonly #off: (() => void)[] = [];
  #next = 0;
  #closed = false;

  private constructor(
    private readonly host: RoomHost,
    private readonly store: RecordStore,
    readonly lecture: string,
    private readonly changed: (poll: PollView) => void,
  ) {}

  /** Loads the lecture's polls (a resumed lecture has some) and starts answering the members. */
  static async start(host: RoomHost, store: RecordStore, lecture: string, changed: (poll: PollView) => void): Promise<HostPolls> {
    const polls = new HostPolls(host, store, lecture, changed);
    for (const stored of await store.polls(lecture)) {
      const answers = new Map((await store.answers(lecture, stored.def.id)).map((a) => [a.peer, a] as const));
      polls.#polls.set(stored.def.id, { stored, answers, timer: null });
      polls.#next = Math.max(polls.#next, stored.n + 1);
    }
    for (const p of polls.#polls.values()) polls.#arm(p);
    polls.#off.push(host.on('feature', (id, msg) => polls.#onMessage(id, msg)));
    return polls;
  }

  /** Every poll of the lecture as the instructor sees it, oldest first. */
  list(): PollView[] {
    return [...this.#polls.values()].map((p) => this.#view(p));
  }

  create(req: PollRequest): PollView {
    const bad = req.options.length < 2 ? 'a poll needs at least two answers' : req.correct ? badChoices(req, req.correct) : null;
    if (bad) throw new CamvidError('BAD_MESSAGE', `The right answer: ${bad}.`);
    const def: PollDef = {
      id: randomBytes(8).toString('hex'),
      question: req.question,
      options: req.options,
      multi: req.multi,
      ...(req.correct ? { correct: [...req.correct].sort((a, b) => a - b) } : {}),
      ...(req.timerS ? { closesAt: Date.now() + req.timerS * 1000 } : {}),
    };
    const p: LivePoll = {
      stored: { n: this.#next++, def, status: 'open', published: false, opened: Date.now(), closed: null },
      answers: new Map(),
      timer: null,
    };
    this.#polls.set(def.id, p);
    this.#save(p);
    this.#arm(p);
    this.host.broadcast({ type: 'poll-update', poll: this.#memberView(p, null) });
    this.changed(this.#view(p));
    return this.#view(p);
  }

  /** Stops taking answers (also when the timer runs out). */
  closePoll(id: string): void {
    const p = this.#get(id);
    if (p.stored.status === 'closed') return;
    if (p.timer) clearTimeout(p.timer);
    p.timer = null;
    p.stored.status = 'closed';
    p.stored.closed = Date.now();
    this.#save(p);
    this.#tellEveryone(p);
  }

  /** Shows the results (and the right answer) to the students; closes the poll first. */
  publish(id: string): void {
    const p = this.#get(id);
    if (p.stored.published) return;
    if (p.timer) clearTimeout(p.timer);
    p.timer = null;
    if (p.stored.status === 'open') {
      p.stored.status = 'closed';
      p.stored.closed = Date.now();
    }
    p.stored.published = true;
    this.#save(p);
    this.#tellEveryone(p);
  }

  /** The room is over for this agent: timers stop (polls stay as stored, open ones open for a resume). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const off of this.#off.splice(0)) off();
    for (const p of this.#polls.values()) if (p.timer) clearTimeout(p.timer);
  }

  #get(id: string): LivePoll {
    const p = this.#polls.get(id);
    if (!p) throw new CamvidError('FILE_NOT_FOUND', 'There is no such poll in this lecture.');
    return p;
  }

  #arm(p: LivePoll): void {
    const at = p.stored.def.closesAt;
    if (p.stored.status !== 'open' || at === undefined) return;
    p.timer = setTimeout(() => this.closePoll(p.stored.def.id), Math.max(0, at - Date.now()));
    p.timer.unref();
  }

  #save(p: LivePoll): void {
    background(this.store.putPoll(this.lecture, { ...p.stored }), log, 'saving a poll');
  }

  /** Each member hears the poll as it may see it (its own answer); the instructor's page, the tally. */
  #tellEveryone(p: LivePoll): void {
    for (const m of this.host.sessions()) this.host.sendTo(m.id, { type: 'poll-update', poll: this.#memberView(p, m.id) });
    this.changed(this.#view(p));
  }

  #onMessage(peer: string, msg: FeatureMemberMessage): void {
    if (msg.type === 'poll-answer') this.#answer(peer, msg.poll, msg.choices);
    else if (msg.type === 'poll-sync') this.#sync(peer);
  }

  /** A member's latest polls, one `poll-update` each; past its history budget the ask is dropped. */
  #sync(peer: string): void {
    if (this.host.admit('history', peer) > 0) return;
    for (const p of [...this.#polls.values()].slice(-MAX_POLLS_SENT)) this.host.sendTo(peer, { type: 'poll-update', poll: this.#memberView(p, peer) });
  }

  /**
   * One answer from member `peer`. Past its poll budget it is dropped unanswered (its agent resends
   * a few seconds later). The first answer taken is final; the same one again is acknowledged again.
   */
  #answer(peer: string, poll: string, choices: number[]): void {
    if (this.host.admit('poll', peer) > 0) return;
    const refuse = (code: ErrorCode, message: string = new CamvidError(code).message) =>
      this.host.sendTo(peer, { type: 'poll-refused', poll, code, message });
    const p = this.#polls.get(poll);
    if (!p) return void refuse('POLL_CLOSED', 'There is no such poll in this lecture.');
    const picked = [...choices].sort((a, b) => a - b);
    const before = p.answers.get(peer);
    if (before) {
      if (sameSet(before.choices, picked)) this.host.sendTo(peer, { type: 'poll-ack', poll, choices: before.choices });
      else refuse('POLL_ANSWERED');
      return;
    }
    if (p.stored.status !== 'open') return void refuse('POLL_CLOSED');
    const bad = badChoices(p.stored.def, picked);
    if (bad) return void refuse('BAD_MESSAGE', bad);
    const answer: PollAnswer = { peer, name: this.host.memberName(peer) ?? peer, choices: picked, at: Date.now() };
    p.answers.set(peer, answer);
    background(this.store.putAnswer(this.lecture, poll, answer), log, 'saving an answer');
    this.host.sendTo(peer, { type: 'poll-ack', poll, choices: picked });
    this.changed(this.#view(p));
  }

  #results(p: LivePoll): PollResults {
    const counts = p.stored.def.options.map(() => 0);
    for (const a of p.answers.values()) for (const c of a.choices) counts[c] = (counts[c] ?? 0) + 1;
    return { counts, answered: p.answers.size, ...(p.stored.def.correct ? { correct: p.stored.def.correct } : {}) };
  }

  #memberView(p: LivePoll, peer: string | null): MemberPoll {
    const { def, status, published } = p.stored;
    return {
      id: def.id,
      question: def.question,
      options: def.options,
      multi: def.multi,
      status,
      ...(def.closesAt !== undefined ? { closesAt: def.closesAt } : {}),
      mine: (peer !== null && p.answers.get(peer)?.choices) || null,
      ...(published ? { results: this.#results(p) } : {}),
    };
  }

  #view(p: LivePoll): PollView {
    return { ...this.#memberView(p, null), results: this.#results(p), published: p.stored.published };
  }
}
