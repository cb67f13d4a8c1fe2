/**
 * The host's book of warm standby edges (docs/media.md, "A relay dies"): one per member beyond the
 * root's children, to a relay chosen by standby-planner.ts, opened like a tree edge (`standby` to
 * the child, `adopt … standby` to the relay) and kept idle until the member's parent is lost. It
 * re-plans (debounced) after every change of the tree: a standby that no longer fits (the member
 * moved, the relay moved into its parent's subtree or left) is dropped and another one planned.
 *
 * What a student can make others do with it: every standby is planned by the host, at most one per
 * member; a member whose standby failed, or that switched to it, gets its next one only within the
 * `standby` budget (host-limits.ts), so reporting failures or switching in a loop cannot make other
 * students open PeerConnections faster than that.
 */
import type { HostMessage } from '../../protocol/session.js';
import { chooseStandby, standbyFits, wantsStandby } from './standby-planner.js';
import type { TreePlanner } from './tree-planner.js';

/** Re-planning waits this long after a change of the tree, so one relay's death is planned once. */
const PLAN_DEBOUNCE_MS = 50;

export interface StandbyRecord {
  edge: string;
  parentId: string;
  /** the member reported the edge connected */
  up: boolean;
}

/** What the book needs of the host. */
export interface StandbyHost {
  readonly plan: TreePlanner;
  /** a member in the tree with its edge to its parent connected */
  isConnected(id: string): boolean;
  /** a relay that may take `forMember` as a standby child now (connected, not suspect, reachable) */
  eligible(id: string, forMember: string): boolean;
  newEdgeId(parentId: string, childId: string): string;
  /** a session message to a member, or to the host's own edge table when `to` is the host */
  deliver(to: string, message: HostMessage): void;
  /** ms until member `id` may have another standby planned (0: now; takes a token) */
  admit(id: string): number;
  /** the roster shows standbys: something changed */
  changed(): void;
}

export class HostStandbys {
  readonly #of = new Map<string, StandbyRecord>();
  /** members whose next standby costs a token (their last one failed, or they switched to it) */
  readonly #charged = new Set<string>();
  #timer: NodeJS.Timeout | null = null;
  #closed = false;
  /** standbys planned (for figures and tests) */
  planned = 0;

  constructor(private readonly host: StandbyHost) {}

  get(id: string): StandbyRecord | undefined {
    return this.#of.get(id);
  }

  /** The member's standby parent once its edge is up (what the roster shows). */
  upParentOf(id: string): string | undefined {
    const r = this.#of.get(id);
    return r?.up ? r.parentId : undefined;
  }

  /** True when `edge` is the standby edge between `a` and `b` (either way round): signalling may pass. */
  isEdge(edge: string, a: string, b: string): boolean {
    const pair = (child: string, parent: string) => {
      const r = this.#of.get(child);
      return !!r && r.edge === edge && r.parentId === parent;
    };
    return pair(a, b) || pair(b, a);
  }

  /** A member's report about `edge`; false when it is not that member's standby edge. */
  onReport(id: string, edge: string, state: 'connected' | 'failed' | 'lost'): boolean {
    const r = this.#of.get(id);
    if (!r || r.edge !== edge) return false;
    if (state === 'connected') {
      r.up = true;
    } else {
      this.#drop(id, false);
      this.#charged.add(id);
    }
    this.host.changed();
    this.schedule();
    return true;
  }

  /**
   * The member's standby, taken out of the book to become its tree edge (it switched, or its
   * parent died); undefined when it has none that is up. Its next standby costs a token.
   */
  take(id: string): StandbyRecord | undefined {
    const r = this.#of.get(id);
    if (!r?.up) return undefined;
    this.#of.delete(id);
    this.#charged.add(id);
    this.schedule();
    return r;
  }

  /** Member `id` left: its own standby edge is dropped at the relay, and the members it served need others. */
  removed(id: string): void {
    if (this.#of.has(id)) this.#drop(id, true);
    for (const [child, r] of this.#of) if (r.parentId === id) this.#drop(child, true);
    this.#charged.delete(id);
    this.schedule();
  }

  /** Re-plan soon (after any change of the tree). */
  schedule(): void {
    if (this.#timer || this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#planAll();
    }, PLAN_DEBOUNCE_MS);
    this.#timer.unref();
  }

  close(): void {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
  }

  #planAll(): void {
    const { plan } = this.host;
    let changed = false;
    // First drop what no longer fits, so the choices below see the book as it will be.
    for (const [id, r] of [...this.#of]) {
      if (!this.host.isConnected(id) || !standbyFits(plan, id, r.parentId) || (r.parentId !== plan.opts.rootId && !this.host.isConnected(r.parentId))) {
        this.#drop(id, true);
        changed = true;
      }
    }
    let retryIn = 0;
    for (const id of plan.nodes()) {
      if (this.#of.has(id) || !this.host.isConnected(id) || !wantsStandby(plan, id)) continue;
      const parentId = chooseStandby(plan, id, { standbyOf: (m) => this.#of.get(m)?.parentId, eligible: (c) => this.host.eligible(c, id) });
      if (!parentId) continue;
      if (this.#charged.has(id)) {
        const wait = this.host.admit(id);
        if (wait > 0) {
          retryIn = retryIn ? Math.min(retryIn, wait) : wait;
          continue;
        }
        this.#charged.delete(id);
      }
      const edge = this.host.newEdgeId(parentId, id);
      this.#of.set(id, { edge, parentId, up: false });
      this.planned++;
      this.host.deliver(id, { type: 'standby', edge, parentId });
      this.host.deliver(parentId, { type: 'adopt', edge, childId: id, standby: true });
      changed = true;
    }
    if (changed) this.host.changed();
    if (retryIn && !this.#closed && !this.#timer) {
      this.#timer = setTimeout(() => {
        this.#timer = null;
        this.#planAll();
      }, retryIn);
      this.#timer.unref();
    }
  }

  /** Forgets `id`'s standby; tells the relay (and, when `tellChild`, the member) to close the edge. */
  #drop(id: string, tellChild: boolean): void {
    const r = this.#of.get(id);
    if (!r) return;
    this.#of.delete(id);
    this.host.deliver(r.parentId, { type: 'drop', edge: r.edge });
    if (tellChild) this.host.deliver(id, { type: 'drop', edge: r.edge });
  }
}
