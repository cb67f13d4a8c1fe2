/**
 * The host's book of direct edges: a connection between two members (or a member and the host)
 * outside the relay tree, which the labs use (docs/labs.md). The host opens both ends (`direct` to
 * each, the first one offering), counts each member's open ones (MAX_DIRECT_EDGES_PER_MEMBER:
 * host-limits.ts), and when one end reports it closed, or leaves, tells the other end to drop it.
 */
import type { HostMessage } from '../../protocol/session.js';
import { MAX_DIRECT_EDGES_PER_MEMBER } from './host-limits.js';

/** What the book needs of the host. */
export interface DirectEdgesHost {
  /** a member in the room, or the host */
  isKnown(id: string): boolean;
  newEdgeId(from: string, to: string): string;
  /** a session message to a member, or to the host's own edge table when `to` is the host */
  deliver(to: string, message: HostMessage): void;
}

export class HostDirectEdges {
  /** edge id → its two ends, the first offering */
  readonly #ends = new Map<string, [string, string]>();

  constructor(private readonly host: DirectEdgesHost) {}

  has(edge: string): boolean {
    return this.#ends.has(edge);
  }

  /** True when `edge` is a direct edge between `a` and `b`: signalling may pass. */
  isEdge(edge: string, a: string, b: string): boolean {
    const ends = this.#ends.get(edge);
    return !!ends && ends.includes(a) && ends.includes(b);
  }

  /** Why `from` may not open one more direct edge to `peer` (an end other than the host at its cap), or null. */
  refusal(from: string, peer: string, hostId: string): string | null {
    for (const id of [from, peer]) {
      if (id !== hostId && this.count(id) >= MAX_DIRECT_EDGES_PER_MEMBER) {
        return `${id === from ? 'You have' : 'That member has'} ${MAX_DIRECT_EDGES_PER_MEMBER} direct connections open already; close one first.`;
      }
    }
    return null;
  }

  /** Direct edges `id` has open or opening. */
  count(id: string): number {
    let n = 0;
    for (const ends of this.#ends.values()) if (ends.includes(id)) n++;
    return n;
  }

  /**
   * Opens a direct edge from `from` (it offers) to `to`; null (and `from` told) when `to` is not
   * here. `present`: a student's screen up to the host (only the host plans one).
   */
  start(from: string, to: string, present = false): string | null {
    if (from === to || !this.host.isKnown(to)) {
      this.host.deliver(from, { type: 'error', code: 'NOT_IN_ROOM', message: 'That member is not in the room.' });
      return null;
    }
    const edge = this.host.newEdgeId(from, to);
    this.#ends.set(edge, [from, to]);
    const kind = present ? { present: true } : {};
    this.host.deliver(from, { type: 'direct', edge, peer: to, end: 'parent', ...kind });
    this.host.deliver(to, { type: 'direct', edge, peer: from, end: 'child', ...kind });
    return edge;
  }

  /** A direct edge closed at one end (`by`): forgotten, and the other end told to drop it. */
  forget(edge: string, by: string): void {
    const ends = this.#ends.get(edge);
    if (!ends || !ends.includes(by)) return;
    this.#ends.delete(edge);
    this.host.deliver(ends[0] === by ? ends[1] : ends[0], { type: 'drop', edge });
  }

  /** Member `id` left: each of its direct edges is dropped at the other end. */
  removed(id: string): void {
    for (const [edge, ends] of [...this.#ends]) if (ends.includes(id)) this.forget(edge, id);
  }
}
