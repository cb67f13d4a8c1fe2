/**
 * What the instructor is told about the tree's hold on a picture (docs/media.md, "What the tree
 * can carry"): how far below the page's own cap the tree's estimate is, and whose link it is. The
 * member named comes from the students' own `rate-limit` messages, so it is believed only when it
 * is the host's child that reported it or someone below that child in the roster's tree; a student
 * naming a classmate elsewhere gets itself named instead.
 */
import type { RosterEntry } from '../../protocol/common.js';
import type { PictureLimit } from '../../protocol/live.js';
import type { TreeEstimate } from './tree-feedback.js';

export function pictureLimit(estimate: TreeEstimate, capBps: number, roster: readonly RosterEntry[]): PictureLimit | null {
  if (estimate.bps >= capBps || !estimate.peer) return null;
  const byId = new Map(roster.map((m) => [m.id, m]));
  const named = estimate.member !== null && isAtOrBelow(byId, estimate.member, estimate.peer) ? estimate.member : estimate.peer;
  return { bps: estimate.bps, name: byId.get(named)?.name ?? 'a student who left' };
}

/** Whether `id` is `top` or below it, following parentId (bounded: the roster could be mid-change). */
function isAtOrBelow(byId: ReadonlyMap<string, RosterEntry>, id: string, top: string): boolean {
  let m = byId.get(id);
  for (let hops = 0; m && hops <= byId.size; hops++) {
    if (m.id === top) return true;
    m = m.parentId ? byId.get(m.parentId) : undefined;
  }
  return false;
}
