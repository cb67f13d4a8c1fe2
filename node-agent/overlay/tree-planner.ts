/**
 * The shape of the relay tree, as the host decides it (pure, no I/O). The host is the root. A new
 * member goes under the shallowest member with spare capacity (breadth-first), so the host's own
 * uplink carries at most `fanout` streams however many students come. When a member leaves, its
 * children become detached roots of their own subtrees until `place()` gives them a new parent;
 * a node is never placed inside its own subtree.
 */
export interface TreePlannerOptions {
  rootId: string;
  /** children the root may have */
  rootFanout: number;
  /** children any other member may have */
  fanout: number;
}

export class TreePlanner {
  readonly #parent = new Map<string, string | null>();
  readonly #children = new Map<string, Set<string>>();

  constructor(readonly opts: TreePlannerOptions) {
    this.#parent.set(opts.rootId, null);
    this.#children.set(opts.rootId, new Set());
  }

  has(id: string): boolean {
    return this.#parent.has(id);
  }

  parentOf(id: string): string | null {
    return this.#parent.get(id) ?? null;
  }

  childrenOf(id: string): string[] {
    return [...(this.#children.get(id) ?? [])];
  }

  capacity(id: string): number {
    return id === this.opts.rootId ? this.opts.rootFanout : this.opts.fanout;
  }

  /** True when the chain of parents from `id` reaches the root. */
  isRooted(id: string): boolean {
    let at: string | null | undefined = id;
    for (let hops = 0; at != null && hops <= this.#parent.size; hops++) {
      if (at === this.opts.rootId) return true;
      at = this.#parent.get(at);
    }
    return false;
  }

  depth(id: string): number {
    let d = 0;
    for (let at = this.#parent.get(id); at != null; at = this.#parent.get(at)) d++;
    return d;
  }

  subtree(id: string): Set<string> {
    const out = new Set<string>();
    const stack = [id];
    while (stack.length) {
      const at = stack.pop()!;
      if (out.has(at)) continue;
      out.add(at);
      stack.push(...(this.#children.get(at) ?? []));
    }
    return out;
  }

  /**
   * Gives `id` a parent: the shallowest rooted member with spare capacity that `eligible` accepts
   * and that is not in `id`'s own subtree. Returns the parent id, or null when no place is free
   * (the node is then left detached).
   */
  place(id: string, eligible: (candidate: string) => boolean = () => true): string | null {
    this.detach(id);
    if (!this.#children.has(id)) this.#children.set(id, new Set());
    const own = this.subtree(id);
    const queue = [this.opts.rootId];
    for (let i = 0; i < queue.length; i++) {
      const at = queue[i]!;
      const kids = this.#children.get(at)!;
      if (!own.has(at) && kids.size < this.capacity(at) && (at === this.opts.rootId || eligible(at))) {
        kids.add(id);
        this.#parent.set(id, at);
        return at;
      }
      for (const k of kids) if (!own.has(k)) queue.push(k);
    }
    this.#parent.set(id, null);
    return null;
  }

  /** Every node, the root first. */
  nodes(): string[] {
    return [...this.#parent.keys()];
  }

  /**
   * Puts `id` under `parentId` whatever its spare capacity (a child switching to its standby parent:
   * one over the fan-out for a while beats a child without video). False, and nothing moved, when
   * `parentId` is unknown or inside `id`'s own subtree.
   */
  move(id: string, parentId: string): boolean {
    if (!this.#parent.has(id) || !this.#children.has(parentId) || this.subtree(id).has(parentId)) return false;
    this.detach(id);
    this.#children.get(parentId)!.add(id);
    this.#parent.set(id, parentId);
    return true;
  }

  /** Cuts `id` from its parent; it keeps its own children. */
  detach(id: string): void {
    const p = this.#parent.get(id);
    if (p != null) this.#children.get(p)?.delete(id);
    if (this.#parent.has(id)) this.#parent.set(id, null);
  }

  /** Removes `id`; returns its children, now detached, for the caller to place again. */
  remove(id: string): string[] {
    if (id === this.opts.rootId) throw new TypeError('the root cannot be removed');
    this.detach(id);
    const orphans = this.childrenOf(id);
    for (const c of orphans) this.#parent.set(c, null);
    this.#parent.delete(id);
    this.#children.delete(id);
    return orphans;
  }
}
