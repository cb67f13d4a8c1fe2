/**
 * The host's side of a student presenting (protocol/present.ts), for one room: one student at a
 * time is invited; its `present-start` makes the host plan a present edge from it; once that edge
 * is open, a PresenterSource on it becomes the relay's `screen` (the instructor's own share, or
 * ffmpeg's, is replaced: the relay closes it). The instructor takes it back at any time, and it
 * ends by itself when the student stops, leaves, or the edge fails, or another screen replaces it.
 *
 * What a student can do with it: only the invited student's `present-start` opens an edge, and only
 * one at a time (a second `present-start` closes the first edge before planning another, and both
 * are under the member's `present` budget: host-limits.ts); anyone else's is answered `present-end`.
 * The host takes tracks on a present edge only (peer-link.ts), and only `screen`/`screen-audio`,
 * within a byte budget (presenter-source.ts).
 */
import type { HostMessage } from '../../protocol/session.js';
import type { PresentEndReason, PresentStatus } from '../../protocol/present.js';
import { background } from '../background.js';
import { CamvidError } from '../../protocol/errors.js';
import { createLogger } from '../log.js';
import type { EdgeTable } from '../overlay/edge-table.js';
import type { PeerLink } from '../overlay/peer-link.js';
import type { FeatureMemberMessage } from '../overlay/room-host.js';
import type { MediaSource, SourceSlot } from './media-relay.js';
import { PresenterSource } from './presenter-source.js';

const log = createLogger('agent:present');
/** A present edge not up after this (ICE, DTLS, SCTP: ~0.2 s on a LAN) has failed. */
export const PRESENT_CONNECT_MS = 10_000;

/** What the host side needs of the room (RoomHost implements it). */
export interface PresentRoom {
  memberName(id: string): string | undefined;
  sendTo(memberId: string, message: HostMessage): boolean;
  setPresenting(id: string, presenting: 'invited' | 'live' | undefined): void;
  openPresentEdge(memberId: string): string | null;
  on(event: 'feature', listener: (id: string, msg: FeatureMemberMessage) => void): () => void;
  on(event: 'left', listener: (member: { id: string }) => void): () => void;
}

/** What it needs of the relay (MediaRelay implements it). */
export interface ScreenSlot {
  source(slot: SourceSlot): MediaSource | null;
  setSource(source: MediaSource | null, slot: SourceSlot): Promise<void>;
}

interface Presenter {
  id: string;
  phase: 'invited' | 'connecting' | 'presenting';
  edge: string | null;
  source: PresenterSource | null;
  timer: NodeJS.Timeout | null;
}

type EndReason = NonNullable<PresentStatus['ended']>;

export class HostPresenting {
  #current: Presenter | null = null;
  readonly #off: (() => void)[] = [];

  constructor(
    private readonly room: PresentRoom,
    private readonly edges: EdgeTable,
    private readonly relay: ScreenSlot,
    private readonly changed: (status: PresentStatus) => void,
  ) {
    this.#off.push(
      room.on('feature', (id, msg) => this.#onMessage(id, msg)),
      room.on('left', (m) => this.#current?.id === m.id && this.#end('left')),
      edges.on('open', (link) => link.opts.kind === 'present' && this.#opened(link)),
      edges.on('closed', (link) => {
        const c = this.#current;
        if (link.opts.kind !== 'present' || !c || c.edge !== link.edge) return;
        // The relay closes a source another screen replaced: that is how the edge closes then.
        const replaced = !!c.source && this.relay.source('screen') !== c.source;
        this.#end(replaced ? 'replaced' : 'failed');
      }),
    );
  }

  status(): PresentStatus {
    const c = this.#current;
    if (!c) return { state: 'none' };
    return { state: c.phase === 'presenting' ? 'presenting' : c.phase, member: c.id, name: this.room.memberName(c.id) };
  }

  /** The instructor invites `id`; a student invited or presenting before is taken back first. */
  invite(id: string): void {
    const name = this.room.memberName(id);
    if (!name) throw new CamvidError('NOT_IN_ROOM', 'That student is not in the room.');
    if (this.#current?.id === id) return void this.room.sendTo(id, { type: 'present-invite' });
    if (this.#current) this.#end('taken');
    this.#current = { id, phase: 'invited', edge: null, source: null, timer: null };
    this.room.setPresenting(id, 'invited');
    this.room.sendTo(id, { type: 'present-invite' });
    log.info(`${name} is invited to present`);
    this.changed(this.status());
  }

  /** The instructor takes the screen (or the invitation) back. */
  takeBack(): void {
    if (this.#current) this.#end('taken');
  }

  close(): void {
    for (const off of this.#off.splice(0)) off();
    if (this.#current) this.#end('taken');
  }

  #onMessage(id: string, msg: FeatureMemberMessage): void {
    const c = this.#current?.id === id ? this.#current : null;
    if (msg.type === 'present-start') {
      if (!c) return void this.room.sendTo(id, { type: 'present-end', reason: 'taken' });
      this.#connect(c);
    } else if (msg.type === 'present-stop' && c) {
      this.#end(c.phase === 'invited' ? 'declined' : 'stopped');
    }
  }

  /** The invited student's page shares: plan its present edge (a second start replaces the first). */
  #connect(c: Presenter): void {
    this.#release(c);
    c.phase = 'connecting';
    c.edge = this.room.openPresentEdge(c.id);
    c.timer = setTimeout(() => this.#current === c && c.phase !== 'presenting' && this.#end('failed'), PRESENT_CONNECT_MS);
    this.changed(this.status());
  }

  #opened(link: PeerLink): void {
    const c = this.#current;
    if (!c || c.edge !== link.edge || c.id !== link.peerId || c.source) return link.close();
    if (c.timer) clearTimeout(c.timer);
    c.timer = null;
    c.phase = 'presenting';
    c.source = new PresenterSource(link);
    background(this.relay.setSource(c.source, 'screen'), log, 'showing the student’s screen');
    this.room.setPresenting(c.id, 'live');
    log.info(`${this.room.memberName(c.id)} presents`);
    this.changed(this.status());
  }

  /** Ends the invitation or presentation; the student is told unless it ended it itself. */
  #end(reason: EndReason): void {
    const c = this.#current;
    if (!c) return;
    this.#current = null;
    // Told before its edge is dropped, so the student hears why rather than only that it closed.
    if (isTold(reason)) this.room.sendTo(c.id, { type: 'present-end', reason });
    this.#release(c);
    this.room.setPresenting(c.id, undefined);
    log.info(`${this.room.memberName(c.id) ?? c.id}'s presentation ended (${reason})`);
    this.changed({ state: 'none', member: c.id, name: this.room.memberName(c.id), ended: reason });
  }

  /** Lets go of the presenter's edge and, while it is the room's screen, the screen. */
  #release(c: Presenter): void {
    if (c.timer) clearTimeout(c.timer);
    const [source, edge] = [c.source, c.edge];
    [c.timer, c.source, c.edge] = [null, null, null];
    if (source && this.relay.source('screen') === source) background(this.relay.setSource(null, 'screen'), log, 'clearing the student’s screen');
    else source?.close();
    if (edge) this.edges.drop(edge);
  }
}

const isTold = (reason: EndReason): reason is PresentEndReason => reason === 'taken' || reason === 'replaced' || reason === 'failed';
