/**
 * Where a member's warm standby parent goes (pure, no I/O; the host's RoomHost asks it). A member
 * beyond the root's children keeps a second, idle edge to a relay that its parent's death cannot
 * take with it: never in its parent's subtree (that holds the member, its siblings, its own
 * descendants: all of them lose their video with the parent). Among the rest, in this order:
 *
 * 1. a relay none of its siblings has as standby (one relay's death must not pile two orphans on
 *    one standby while another is free);
 * 2. one with spare capacity (after a switch it is at most one over its fan-out per dead parent);
 * 3. not the root (the instructor's uplink is the scarcest), unless nothing else is left;
 * 4. the fewest members already on it as standby, then the shallowest (the least added latency).
 */
import type { TreePlanner } from './tree-planner.js';

export interface StandbyChoice {
  /** the member's current standby parent, by member id (absent: none) */
  standbyOf(id: string): string | undefined;
  /** a relay that may take standbys now (connected, not suspect) */
  eligible(id: string): boolean;
}

/** True when `standby` may serve `id` in the tree as it is now (rule above, plus rooted). */
export function standbyFits(plan: TreePlanner, id: string, standby: string): boolean {
  const parent = plan.parentOf(id);
  if (parent === null || parent === plan.opts.rootId || !plan.isRooted(standby)) return false;
  return !plan.subtree(parent).has(standby);
}

/** Whether `id` should have a standby at all: it is in the tree below one of the root's children. */
export function wantsStandby(plan: TreePlanner, id: string): boolean {
  const parent = plan.parentOf(id);
  return parent !== null && parent !== plan.opts.rootId && plan.isRooted(id);
}

/** The best standby parent for `id`, or null when no relay fits. */
export function chooseStandby(plan: TreePlanner, id: string, choice: StandbyChoice): string | null {
  if (!wantsStandby(plan, id)) return null;
  const parent = plan.parentOf(id)!;
  const excluded = plan.subtree(parent);
  const siblings = plan.childrenOf(parent).filter((c) => c !== id);
  const takenBySiblings = new Set(siblings.map((c) => choice.standbyOf(c)).filter((s): s is string => !!s));
  const load = new Map<string, number>();
  for (const n of plan.nodes()) {
    const s = choice.standbyOf(n);
    if (s && n !== id) load.set(s, (load.get(s) ?? 0) + 1);
  }
  const root = plan.opts.rootId;
  let best: { id: string; key: number[] } | null = null;
  for (const c of plan.nodes()) {
    if (excluded.has(c) || !plan.isRooted(c) || (c !== root && !choice.eligible(c))) continue;
    const spare = plan.capacity(c) - plan.childrenOf(c).length;
    const key = [takenBySiblings.has(c) ? 1 : 0, spare > 0 ? 0 : 1, c === root ? 1 : 0, load.get(c) ?? 0, plan.depth(c)];
    if (!best || compare(key, best.key) < 0) best = { id: c, key };
  }
  return best?.id ?? null;
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}
