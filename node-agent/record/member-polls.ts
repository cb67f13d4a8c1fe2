/**
 * A student's side of the polls (docs/record.md): the polls as the host told them, and this
 * student's answers still waiting for the host's `poll-ack`. An answer is sent at once, again on
 * every reconnect (`welcome`) and every few seconds until the host acknowledges or refuses it, so
 * neither a relay's death (answers never use the tree) nor a cut session loses it. After each
 * `welcome` the member asks for the lecture's polls (`poll-sync`).
 */
import { CamvidError } from '../../protocol/errors.js';
import { badChoices, type MemberPoll, type PollView } from '../../protocol/polls.js';
import type { FeatureHostMessage, RoomMember } from '../overlay/room-member.js';

/** how often an answer not yet acknowledged is sent again */
export const POLL_RESEND_MS = 3000;
/** polls kept in memory: the host tells about its latest 20 on each welcome */
const MAX_POLLS_KEPT = 100;

export interface MemberPollsEvents {
  changed(poll: PollView): void;
  refused(poll: string, code: string, message: string): void;
}

export class MemberPolls {
  readonly #polls = new Map<string, MemberPoll>();
  /** poll id → the answer sent and not yet acknowledged */
  readonly #pending = new Map<string, number[]>();
  readonly #off: (() => void)[];
  readonly #timer: NodeJS.Timeout;

  constructor(
    private readonly member: RoomMember,
    private readonly on: MemberPollsEvents,
  ) {
    this.#off = [
      member.on('welcome', () => {
        member.send({ type: 'poll-sync' });
        this.#resend();
      }),
      member.on('feature', (msg) => this.#onMessage(msg)),
    ];
    if (member.online) member.send({ type: 'poll-sync' });
    this.#timer = setInterval(() => this.#resend(), POLL_RESEND_MS);
    this.#timer.unref();
  }

  list(): PollView[] {
    return [...this.#polls.values()].map((p) => this.#view(p));
  }

  /** Answers `poll`; refused here what the host would refuse anyway. */
  answer(poll: string, choices: number[]): void {
    const p = this.#polls.get(poll);
    if (!p) throw new CamvidError('POLL_CLOSED', 'There is no such poll in this lecture.');
    if (p.mine) throw new CamvidError('POLL_ANSWERED');
    if (p.status !== 'open') throw new CamvidError('POLL_CLOSED');
    const bad = badChoices(p, choices);
    if (bad) throw new CamvidError('BAD_MESSAGE', bad);
    const pending = this.#pending.get(poll);
    if (pending) throw new CamvidError('POLL_ANSWERED', 'Your answer is on its way to the instructor.');
    this.#pending.set(poll, [...choices].sort((a, b) => a - b));
    this.#send(poll);
    this.on.changed(this.#view(p));
  }

  close(): void {
    clearInterval(this.#timer);
    for (const off of this.#off.splice(0)) off();
  }

  #send(poll: string): void {
    const choices = this.#pending.get(poll);
    if (choices && this.member.online) this.member.send({ type: 'poll-answer', poll, choices });
  }

  #resend(): void {
    for (const poll of this.#pending.keys()) this.#send(poll);
  }

  #onMessage(msg: FeatureHostMessage): void {
    if (msg.type === 'poll-update') {
      this.#polls.delete(msg.poll.id);
      this.#polls.set(msg.poll.id, msg.poll);
      for (const id of this.#polls.keys()) {
        if (this.#polls.size <= MAX_POLLS_KEPT) break;
        this.#polls.delete(id);
        this.#pending.delete(id);
      }
      if (msg.poll.mine) this.#pending.delete(msg.poll.id);
      this.on.changed(this.#view(msg.poll));
    } else if (msg.type === 'poll-ack' || msg.type === 'poll-refused') {
      if (!this.#pending.delete(msg.poll)) return;
      const p = this.#polls.get(msg.poll);
      if (msg.type === 'poll-ack' && p) p.mine = msg.choices;
      if (msg.type === 'poll-refused') this.on.refused(msg.poll, msg.code, msg.message);
      if (p) this.on.changed(this.#view(p));
    }
  }

  #view(p: MemberPoll): PollView {
    const pending = this.#pending.get(p.id);
    return { ...p, published: !!p.results, ...(pending ? { pending } : {}) };
  }
}
