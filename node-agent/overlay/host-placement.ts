/**
 * Where each student sits in the relay tree, for the room's host (room-host.ts owns the sessions):
 * placing a member under a parent with room, placing it again when its edge fails or its parent
 * leaves, switching it to its warm standby instead when it has one (host-standbys.ts), what a
 * failed edge between two students teaches about client isolation (reachability.ts), and the
 * parents that went silent and get no children for a while. Owns the re-placement retry timer.
 */
import type { LinkState } from '../../protocol/common.js';
import type { HostMessage } from '../../protocol/session.js';
import { createLogger } from '../log.js';
import type { EdgeTable } from './edge-table.js';
import type { HostStandbys } from './host-standbys.js';
import type { Reachability } from './reachability.js';
import type { TreePlanner } from './tree-planner.js';

const log = createLogger('agent:host');
/** a member that could not be placed (tree full, or no connected relay yet) is retried this often */
const REPLACE_RETRY_MS = 500;
/**
 * A parent whose child reported their edge lost (heartbeats stopped, nothing closed: a pulled
 * cable, a frozen machine) gets no children for this long. Its own session with us only times out
 * after ~3.5 s, and until then it still looks connected; without this its orphans were placed
 * right back under it and waited for that timeout (found by the soak). Longer than the session
 * timeout, so a parent that is really gone is removed before it is trusted again.
 */
const SUSPECT_MS = 5000;
/**
 * A member whose tree edge reports neither connected nor failed this long after the host placed it
 * is closed (TIMEOUT; its agent joins again). An honest agent always reports one or the other
 * (its edge gives up well before this); a session that never opens its edge would otherwise hold
 * a place under its parent for good: four such sessions filled the host's own places and no
 * student after them was ever placed.
 */
export const ATTACH_TIMEOUT_MS = 30_000;

/** What placement reads and writes of a member (room-host.ts's member). */
export interface PlacedMember {
  id: string;
  name: string;
  session: { send(message: HostMessage): void; close(): void };
  state: LinkState;
  /** current edge to its parent, or null while waiting for a place */
  edge: string | null;
  parentId: string | null;
}

export interface PlacementOptions {
  hostId: string;
  plan: TreePlanner;
  edges: EdgeTable;
  standbys: () => HostStandbys;
  reach: Reachability;
  members: () => Iterable<PlacedMember>;
  member: (id: string) => PlacedMember | undefined;
  /** a session message to a member, or to the host's own edge table */
  deliver: (to: string, message: HostMessage) => void;
  newEdgeId: (parentId: string, childId: string) => string;
  /** the tree changed (the roster and the standbys follow) */
  changed: () => void;
  closing: () => boolean;
  attachTimeoutMs?: number;
}

export class HostPlacement {
  /** members closed because their tree edge never reported (ATTACH_TIMEOUT_MS) */
  closedUnattached = 0;
  /** member id → until when it gets no children (SUSPECT_MS) */
  readonly #suspects = new Map<string, number>();
  #retryTimer: NodeJS.Timeout | null = null;

  constructor(private readonly o: PlacementOptions) {}

  /** A member that may take children now: connected, rooted, not suspect. */
  eligible(id: string): boolean {
    const m = this.o.member(id);
    return !!m && m.state === 'connected' && !((this.#suspects.get(id) ?? 0) > Date.now()) && this.o.plan.isRooted(id);
  }

  /**
   * Puts a member under a parent with spare capacity and starts the edge. A classmate must be
   * able to reach it (reachability.ts); one that no classmate can serve goes under the host,
   * beyond the host's fan-out if need be.
   */
  place(member: PlacedMember, avoid?: string): void {
    const { plan, reach, hostId } = this.o;
    const eligible = (id: string) => id !== avoid && this.eligible(id) && reach.canServe(id, member.id) && reach.oneAtATime(id, member.id, this.o.members());
    if (member.edge) this.#dropEdge(member.edge, member.parentId);
    let parentId = plan.place(member.id, eligible);
    const connected = () => [...this.o.members()].filter((m) => m.state === 'connected').map((m) => m.id);
    if (!parentId && reach.noClassmateServes(member.id, connected) && plan.move(member.id, hostId)) parentId = hostId;
    member.parentId = parentId;
    member.state = member.state === 'connecting' ? 'connecting' : 'reconnecting';
    if (!parentId) {
      member.edge = null;
      this.#scheduleRetry();
      this.o.changed();
      return;
    }
    const edge = this.o.newEdgeId(parentId, member.id);
    member.edge = edge;
    member.session.send({ type: 'attach', edge, parentId });
    setTimeout(() => {
      if (this.o.closing() || member.edge !== edge || member.state === 'connected' || this.o.member(member.id) !== member) return;
      this.closedUnattached++;
      log.debug(`${member.name}: edge ${edge} never reported; closing the session`);
      member.session.send({ type: 'error', code: 'TIMEOUT', message: 'Your computer did not connect to the class in time; it is joining again.' });
      member.session.close();
    }, this.o.attachTimeoutMs ?? ATTACH_TIMEOUT_MS).unref();
    this.o.deliver(parentId, { type: 'adopt', edge, childId: member.id });
    this.o.changed();
  }

  /** A member left: its edge goes, and each of its children switches to its standby or is placed again. */
  removed(member: PlacedMember): void {
    this.#suspects.delete(member.id);
    if (member.edge) this.#dropEdge(member.edge, member.parentId);
    this.o.standbys().removed(member.id);
    const orphans = this.o.plan.has(member.id) ? this.o.plan.remove(member.id) : [];
    log.debug(`${member.name} left; re-placing ${orphans.length} children`);
    for (const id of orphans) {
      const orphan = this.o.member(id);
      // A child with a warm standby switches to it; the others are placed again.
      if (orphan && !this.promote(orphan, false)) this.place(orphan);
    }
  }

  /**
   * Makes `member`'s warm standby its tree edge (its parent died, or it went silent and the member
   * switched, `byMember`): the relay is told to forward, the member to take it (unless it did), the
   * old parent edge is dropped, and a new standby is planned. False when it has no standby up.
   */
  promote(member: PlacedMember, byMember: boolean): boolean {
    const standby = this.o.standbys().take(member.id);
    if (!standby) return false;
    const { edge, parentId } = standby;
    if (!this.o.plan.isRooted(parentId) || !this.o.plan.move(member.id, parentId)) {
      this.o.deliver(parentId, { type: 'drop', edge });
      if (byMember) member.session.send({ type: 'drop', edge });
      return false;
    }
    const oldParent = member.parentId;
    if (member.edge && oldParent) this.#dropEdge(member.edge, oldParent);
    // As for an edge reported lost: a parent that went silent gets no children for a while.
    if (byMember && oldParent && oldParent !== this.o.hostId) this.#suspects.set(oldParent, Date.now() + SUSPECT_MS);
    log.debug(`${member.name}: switched to its standby ${parentId} (${byMember ? 'its parent went silent' : 'its parent left'})`);
    member.edge = edge;
    member.parentId = parentId;
    member.state = 'connected';
    this.o.deliver(parentId, { type: 'promote', edge });
    if (!byMember) member.session.send({ type: 'promote', edge });
    this.o.changed();
    return true;
  }

  /** A member's report on one of its edges (a tree edge or its standby; direct edges are not ours). */
  onEdgeReport(member: PlacedMember, edge: string, state: 'connected' | 'failed' | 'lost'): void {
    const standbys = this.o.standbys();
    const standby = standbys.get(member.id);
    if (standby?.edge === edge) this.#learn(standby.parentId, member, state, standby.up);
    if (standbys.onReport(member.id, edge, state)) return;
    if (member.edge !== edge) return; // about an edge already replaced
    this.#learn(member.parentId, member, state, member.state === 'connected');
    if (state === 'connected') {
      // Under the host, the host is the other end and sees for itself: a member cannot claim a
      // place it never connected (it would hold it past the attach deadline). Its report counts
      // once the host's side is open, which then reports it itself.
      if (member.parentId === this.o.hostId && !this.o.edges.children().some((l) => l.edge === edge && l.isOpen)) return;
      member.state = 'connected';
      this.o.changed();
      if ([...this.o.members()].some((m) => !m.edge)) this.#scheduleRetry();
      return;
    }
    // The child lost its parent (or never reached it): try elsewhere, avoiding a parent that failed,
    // and giving a parent that went silent no children at all for a while.
    log.debug(`${member.name}: edge ${edge} ${state}`);
    if (state === 'lost' && member.parentId && member.parentId !== this.o.hostId) {
      this.#suspects.set(member.parentId, Date.now() + SUSPECT_MS);
    }
    member.state = 'reconnecting';
    this.place(member, state === 'failed' ? (member.parentId ?? undefined) : undefined);
  }

  close(): void {
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
  }

  /**
   * What an edge between two students teaches about reachability. A failure before it ever
   * connected may isolate their networks: members still connecting under a classmate that can no
   * longer serve them are placed again at once rather than after their own timeout.
   */
  #learn(parentId: string | null, member: PlacedMember, state: 'connected' | 'failed' | 'lost', everConnected: boolean): void {
    const { reach, hostId } = this.o;
    if (!parentId || parentId === hostId) return;
    if (state === 'connected') return reach.connected(parentId, member.id);
    if (state !== 'failed' || everConnected || !reach.failed(parentId, member.id)) return;
    log.debug(`students cannot reach each other (${member.name} and ${this.o.member(parentId)?.name} failed too): the host serves them`);
    for (const m of this.o.members()) {
      if (m !== member && m.state !== 'connected' && m.parentId && m.parentId !== hostId && !reach.canServe(m.parentId, m.id)) this.place(m);
    }
  }

  #dropEdge(edge: string, parentId: string | null): void {
    if (parentId) this.o.deliver(parentId, { type: 'drop', edge });
  }

  #scheduleRetry(): void {
    if (this.#retryTimer || this.o.closing()) return;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      for (const m of this.o.members()) if (!m.edge) this.place(m);
    }, REPLACE_RETRY_MS);
    this.#retryTimer.unref();
  }
}
