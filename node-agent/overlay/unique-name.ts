/**
 * Display names are unique in a room: the host gives a newcomer whose name is taken the first free
 * "Name (2)", "Name (3)", … Names compare after NFKC folding, trimming and lower-casing, so "Ann",
 * " ann" and "Ａｎｎ" (full-width) are one name to a person reading the roster, and so to the host.
 */
import { MAX_NAME_LENGTH } from '../../protocol/version.js';

export const foldName = (name: string): string => name.normalize('NFKC').trim().toLowerCase();

/** `wanted`, or the first "wanted (n)" that no name in `taken` (folded) matches; fits MAX_NAME_LENGTH. */
export function uniqueName(wanted: string, taken: Iterable<string>): string {
  const used = new Set<string>();
  for (const t of taken) used.add(foldName(t));
  if (!used.has(foldName(wanted))) return wanted;
  for (let n = 2; ; n++) {
    const suffix = ` (${n})`;
    // Names are limited in UTF-16 units; cut whole code points so a surrogate pair is never split.
    const points = [...wanted];
    while (points.join('').length + suffix.length > MAX_NAME_LENGTH) points.pop();
    const base = points.join('').trimEnd();
    const candidate = `${base}${suffix}`;
    if (!used.has(foldName(candidate))) return candidate;
  }
}
