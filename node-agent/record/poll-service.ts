/**
 * Polls and quizzes for one agent (docs/record.md): the host's poll book for its lecture
 * (host-polls.ts) or a student's view and pending answers (member-polls.ts), behind the page's
 * requests. The instructor's pages hear the tally as it changes, at most every 100 ms per poll.
 * A feature of the agent (node-agent/features.ts); it writes through the class record's store.
 */
import { CamvidError } from '../../protocol/errors.js';
import type { PollView } from '../../protocol/polls.js';
import { onAbort, type Feature, type FeatureHost, type RoomContext } from '../feature-host.js';
import { TypedEmitter } from '../typed-emitter.js';
import { HostPolls, type PollRequest } from './host-polls.js';
import { MemberPolls } from './member-polls.js';
import type { RecordStore } from './record-store.js';

/** the instructor's pages hear a poll's tally at most this often */
const TALLY_PERIOD_MS = 100;

export type PollEvents = {
  /** a poll changed (the instructor's: its tally; a student's: as the host told it) */
  update: [poll: PollView];
  /** student: the host refused our answer */
  refused: [poll: string, code: string, message: string];
};

export class PollService extends TypedEmitter<PollEvents> implements Feature {
  #host: HostPolls | null = null;
  #member: MemberPolls | null = null;
  readonly #dirty = new Map<string, PollView>();
  #timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly agent: FeatureHost,
    private readonly store: RecordStore,
  ) {
    super();
    agent.ui.handle('poll-create', async (req) => this.#hosting().create(req));
    agent.ui.handle('poll-close', async (req) => this.#hosting().closePoll(req.poll));
    agent.ui.handle('poll-publish', async (req) => this.#hosting().publish(req.poll));
    agent.ui.handle('poll-answer', async (req) => this.answer(req.poll, req.choices));
    agent.ui.handle('poll-list', async () => this.list());
  }

  /** The host's poll book, when this agent hosts. */
  get hosting(): HostPolls | null {
    return this.#host;
  }

  create(req: PollRequest): PollView {
    return this.#hosting().create(req);
  }

  answer(poll: string, choices: number[]): void {
    if (!this.#member) throw new CamvidError('NOT_IN_ROOM', 'Only a student in a room answers polls.');
    this.#member.answer(poll, choices);
  }

  list(): PollView[] {
    return this.#host?.list() ?? this.#member?.list() ?? [];
  }

  #hosting(): HostPolls {
    if (!this.#host) throw new CamvidError('NOT_IN_ROOM', 'Only the instructor of a room asks questions.');
    return this.#host;
  }

  async enterRoom(ctx: RoomContext, signal: AbortSignal): Promise<void> {
    if (ctx.host) {
      const polls = await HostPolls.start(ctx.host, this.store, ctx.roomId, (p) => this.#tally(p));
      if (signal.aborted) return polls.close();
      this.#host = polls;
      onAbort(signal, () => {
        polls.close();
        if (this.#host === polls) this.#host = null;
      });
    } else if (ctx.member) {
      const polls = new MemberPolls(ctx.member, {
        changed: (p) => this.#changed(p),
        refused: (poll, code, message) => {
          this.emit('refused', poll, code, message);
          this.agent.ui.push({ type: 'poll-refused', poll, code, message });
        },
      });
      this.#member = polls;
      onAbort(signal, () => {
        polls.close();
        if (this.#member === polls) this.#member = null;
      });
    }
  }

  #changed(poll: PollView): void {
    this.emit('update', poll);
    this.agent.ui.push({ type: 'poll-update', poll });
  }

  /** The instructor's tally, coalesced per poll. */
  #tally(poll: PollView): void {
    this.#dirty.set(poll.id, poll);
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      const views = [...this.#dirty.values()];
      this.#dirty.clear();
      for (const v of views) this.#changed(v);
    }, TALLY_PERIOD_MS);
    this.#timer.unref();
  }

  close(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#host?.close();
    this.#member?.close();
    this.removeAllListeners();
  }
}
