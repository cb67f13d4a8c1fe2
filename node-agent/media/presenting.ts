/**
 * A student presenting its screen (protocol/present.ts), a feature in node-agent/features.ts: the
 * pages' requests, and per room the host's side (HostPresenting) or the student's
 * (MemberPresenting). `present-status` goes to every page on each change and on entering a room.
 *
 * - instructor: `present-invite {member}`, `present-end` (take back);
 * - student: `present-publish` / `present-unpublish` (its page's screen, once invited), `present-end`
 *   (decline or stop).
 */
import { CamvidError } from '../../protocol/errors.js';
import type { PresentStatus } from '../../protocol/present.js';
import { onAbort, type Feature, type FeatureHost, type RoomContext } from '../feature-host.js';
import { HostPresenting } from './host-presenting.js';
import type { MediaRelay } from './media-relay.js';
import { MemberPresenting } from './member-presenting.js';

export class Presenting implements Feature {
  #host: HostPresenting | null = null;
  #member: MemberPresenting | null = null;
  readonly #push = (status: PresentStatus) => this.agent.ui.push({ type: 'present-status', status });

  constructor(
    private readonly agent: FeatureHost,
    private readonly relay: MediaRelay,
  ) {
    agent.ui.handle('present-invite', async (req) => this.#hostSide().invite(req.member));
    agent.ui.handle('present-end', async () => (this.#host ? this.#host.takeBack() : this.#memberSide().stop()));
    agent.ui.handle('present-publish', (req, session) => this.#memberSide().publish(req.sdp, session));
    agent.ui.handle('present-unpublish', async (req) => this.#member?.unpublish(req.link));
  }

  status(): PresentStatus {
    return (this.#host ?? this.#member)?.status() ?? { state: 'none' };
  }

  enterRoom(ctx: RoomContext, signal: AbortSignal): void {
    if (ctx.host) {
      const host = new HostPresenting(ctx.host, ctx.edges, this.relay, this.#push);
      this.#host = host;
      onAbort(signal, () => {
        host.close();
        if (this.#host === host) this.#host = null;
      });
    } else if (ctx.member) {
      const member = new MemberPresenting(ctx.member, ctx.edges, this.#push, (ev) => this.agent.ui.push(ev));
      this.#member = member;
      onAbort(signal, () => {
        member.close();
        if (this.#member === member) this.#member = null;
      });
    }
    this.#push(this.status());
  }

  close(): void {
    this.#host?.close();
    this.#member?.close();
    this.#host = this.#member = null;
  }

  #hostSide(): HostPresenting {
    if (!this.#host) throw new CamvidError('NOT_IN_ROOM', this.agent.room ? 'Only the instructor can invite a student to present.' : undefined);
    return this.#host;
  }

  #memberSide(): MemberPresenting {
    if (!this.#member) throw new CamvidError(this.agent.room ? 'NOT_INVITED' : 'NOT_IN_ROOM', this.agent.room ? 'The instructor shares with Share screen.' : undefined);
    return this.#member;
  }
}
