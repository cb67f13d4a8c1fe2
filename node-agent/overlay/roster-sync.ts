/**
 * The roster on the wire as one snapshot per session, then deltas (docs/protocol.md, "Roster").
 * The host keeps what it last sent (`RosterDiff`) and turns each coalesced change into the entries
 * added or changed and the ids removed; a member applies them to its copy (`RosterBook`), which
 * therefore stays equal to the host's, order included: removals first, then upserts, a new id at
 * the end (where the host's member table puts a newcomer or a member that joined again).
 * Every message is cut into parts of at most ROSTER_PART_BYTES, so no roster message comes near
 * the 64 KiB frame limit however long the names or large the class.
 */
import type { RosterEntry } from '../../protocol/common.js';
import { ROSTER_PART_BYTES, type HostMessage } from '../../protocol/session.js';

export type RosterMessage = Extract<HostMessage, { type: 'roster' | 'roster-delta' }>;

export interface RosterChange {
  upsert: RosterEntry[];
  remove: string[];
}

/** The host's side: what every member was last told, and what changed since. */
export class RosterDiff {
  /** id → [JSON of the entry last sent, the member object it came from] */
  readonly #sent = new Map<string, [string, unknown]>();

  /**
   * The change from the last call to `current` (each entry with the object it belongs to: a
   * member that left and joined again under the same id is a new object, so it is removed and
   * appended, as the host's table moved it to the end).
   */
  next(current: readonly (readonly [RosterEntry, unknown])[]): RosterChange {
    const upsert: RosterEntry[] = [];
    const remove: string[] = [];
    const seen = new Set<string>();
    for (const [entry, owner] of current) {
      seen.add(entry.id);
      const json = JSON.stringify(entry);
      const before = this.#sent.get(entry.id);
      if (before && before[1] !== owner) {
        remove.push(entry.id);
        this.#sent.delete(entry.id);
      } else if (before?.[0] === json) {
        continue;
      }
      this.#sent.set(entry.id, [json, owner]);
      upsert.push(entry);
    }
    for (const id of this.#sent.keys()) {
      if (seen.has(id)) continue;
      remove.push(id);
      this.#sent.delete(id);
    }
    return { upsert, remove };
  }
}

const isEmpty = (c: RosterChange) => !c.upsert.length && !c.remove.length;

/** Entries cut into runs of at most ROSTER_PART_BYTES of JSON (at least one entry per run). */
function pages(entries: readonly RosterEntry[], firstBudget = ROSTER_PART_BYTES): RosterEntry[][] {
  const out: RosterEntry[][] = [];
  let page: RosterEntry[] = [];
  let budget = firstBudget;
  let bytes = 0;
  for (const e of entries) {
    const size = Buffer.byteLength(JSON.stringify(e), 'utf8') + 1;
    if (page.length && bytes + size > budget) {
      out.push(page);
      page = [];
      bytes = 0;
      budget = ROSTER_PART_BYTES;
    }
    page.push(e);
    bytes += size;
  }
  if (page.length || !out.length) out.push(page);
  return out;
}

/** What the host keeps of a student that the roster shows. */
export interface StudentFlags {
  id: string;
  name: string;
  parentId: string | null;
  state: RosterEntry['state'];
  hand?: number;
  muted?: boolean;
  presenting?: 'invited' | 'live';
}

/** A student's roster entry: its flags, its warm standby parent (once up), whether the host serves it. */
export function studentEntry(m: StudentFlags, standbyId: string | null | undefined, isolated: boolean): RosterEntry {
  return {
    id: m.id,
    name: m.name,
    role: 'student',
    parentId: m.parentId,
    state: m.state,
    ...(m.hand ? { hand: m.hand } : {}),
    ...(m.muted ? { muted: true } : {}),
    ...(standbyId ? { standbyId } : {}),
    ...(isolated ? { isolated: true } : {}),
    ...(m.presenting ? { presenting: m.presenting } : {}),
  };
}

/** The whole roster as the messages a new session gets: `roster`, then `roster-delta` parts. */
export function snapshotMessages(rev: number, members: readonly RosterEntry[]): RosterMessage[] {
  const parts = pages(members);
  return parts.map((page, i): RosterMessage => {
    const more = i < parts.length - 1 ? { more: true } : {};
    return i === 0 ? { type: 'roster', rev, members: page, ...more } : { type: 'roster-delta', rev, upsert: page, remove: [], ...more };
  });
}

/** A change as `roster-delta` parts (none when nothing changed); the removals go in the first. */
export function deltaMessages(rev: number, change: RosterChange): RosterMessage[] {
  if (isEmpty(change)) return [];
  const removeBytes = change.remove.length * 20;
  const parts = change.upsert.length ? pages(change.upsert, Math.max(1, ROSTER_PART_BYTES - removeBytes)) : [[]];
  return parts.map((page, i): RosterMessage => ({
    type: 'roster-delta',
    rev,
    upsert: page,
    remove: i === 0 ? change.remove : [],
    ...(i < parts.length - 1 ? { more: true } : {}),
  }));
}

/** A member's copy of the roster, built from the host's roster messages on one session. */
export class RosterBook {
  readonly #entries = new Map<string, RosterEntry>();
  rev = -1;

  /** Applies one message; returns the roster to show once a message without `more` completed it. */
  apply(msg: RosterMessage): RosterEntry[] | null {
    if (msg.type === 'roster') {
      this.#entries.clear();
      for (const e of msg.members) this.#entries.set(e.id, e);
    } else {
      for (const id of msg.remove) this.#entries.delete(id);
      for (const e of msg.upsert) this.#entries.set(e.id, e);
    }
    this.rev = msg.rev;
    return msg.more ? null : this.entries();
  }

  entries(): RosterEntry[] {
    return [...this.#entries.values()];
  }
}

/** A member as the publisher sees it: whether it has had the whole roster, and its session. */
export interface RosterReader {
  synced: boolean;
  session: { send(message: HostMessage): void };
}

/** What the publisher reads when it sends: the roster, the object behind each entry, the readers. */
export interface RosterSource {
  entries(): RosterEntry[];
  /** the object behind each entry of `entries()`, in the same order (RosterDiff.next) */
  owners(): unknown[];
  readers(): Iterable<RosterReader>;
}

/**
 * The host's roster on the sessions: changes coalesced (when a relay dies, every re-placed child
 * changes the roster in the same tick), then members that have the roster get what changed and a
 * newcomer gets the whole roster once. `published` hears each roster sent.
 */
export class RosterPublisher {
  readonly #diff = new RosterDiff();
  #rev = 0;
  #timer: NodeJS.Timeout | null = null;
  #closed = false;

  constructor(
    private readonly source: RosterSource,
    private readonly published: (members: RosterEntry[]) => void,
    private readonly delayMs = 25,
  ) {}

  schedule(): void {
    if (this.#timer || this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#send();
    }, this.delayMs);
  }

  close(): void {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
  }

  #send(): void {
    const members = this.source.entries();
    const owners = this.source.owners();
    const change = this.#diff.next(members.map((e, i) => [e, owners[i]] as const));
    const readers = [...this.source.readers()];
    if (!change.upsert.length && !change.remove.length && readers.every((r) => r.synced)) return;
    const rev = ++this.#rev;
    const delta = deltaMessages(rev, change);
    let snapshot: RosterMessage[] | null = null;
    for (const r of readers) {
      if (r.synced) {
        for (const msg of delta) r.session.send(msg);
      } else {
        snapshot ??= snapshotMessages(rev, members);
        for (const msg of snapshot) r.session.send(msg);
        r.synced = true;
      }
    }
    this.published(members);
  }
}
