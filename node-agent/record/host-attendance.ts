/**
 * The host's attendance for the lecture it is hosting: every member session is an interval,
 * opened when the host admits it (RoomHost `joined`) and closed when it ends (`left`: it left, was
 * removed, timed out, or a newer session of the same member replaced it). Kept in LevelDB as it
 * happens (record-store.ts). The lecture's `lastSeen` is refreshed every few seconds, so when the
 * host's agent dies (`kill -9`, a power cut) the intervals it left open are closed at that time
 * when the lecture is next opened (`--resume`) or listed.
 */
import type { AttendanceInterval } from '../../protocol/attendance.js';
import { MAX_OWN_INTERVALS } from '../../protocol/attendance.js';
import { background } from '../background.js';
import { createLogger } from '../log.js';
import type { MemberSessionInfo, RoomHost } from '../overlay/room-host.js';
import type { LectureMeta, RecordStore } from './record-store.js';

const log = createLogger('agent:record');
/** how often the host stamps the lecture as still running */
export const LAST_SEEN_PERIOD_MS = 5000;

export class HostAttendance {
  /** every interval of the lecture by its number, in order */
  readonly #intervals = new Map<number, AttendanceInterval>();
  /** member id → the number of its open interval */
  readonly #open = new Map<string, number>();
  readonly #off: (() => void)[] = [];
  #next = 0;
  #timer: NodeJS.Timeout | null = null;
  #closed = false;

  private constructor(
    private readonly host: RoomHost,
    private readonly store: RecordStore,
    readonly meta: LectureMeta,
    private readonly changed: () => void,
  ) {}

  /**
   * Opens the lecture `id` (new, or continued after a resume: intervals a crash left open are
   * closed at its last stamp) and starts recording the host's sessions, those already in too.
   */
  static async start(host: RoomHost, store: RecordStore, id: string, room: string, changed: () => void): Promise<HostAttendance> {
    const now = Date.now();
    const meta = (await store.lecture(id)) ?? { id, room, started: now, lastSeen: now };
    const att = new HostAttendance(host, store, meta, changed);
    for (const { n, iv } of await store.intervals(id)) {
      if (iv.left === null) {
        iv.left = Math.max(iv.joined, meta.lastSeen);
        background(store.putInterval(id, n, iv), log, 'closing an interval a crash left open');
      }
      att.#intervals.set(n, iv);
      att.#next = Math.max(att.#next, n + 1);
    }
    att.#stamp();
    att.#off.push(
      host.on('joined', (m) => att.#joined(m)),
      host.on('left', (m) => att.#left(m)),
      host.on('feature', (id, msg) => msg.type === 'attendance-ask' && att.#asked(id)),
    );
    for (const m of host.sessions()) att.#joined(m);
    att.#timer = setInterval(() => att.#stamp(), LAST_SEEN_PERIOD_MS);
    att.#timer.unref();
    return att;
  }

  get intervals(): AttendanceInterval[] {
    return [...this.#intervals.values()];
  }

  /** The room is over for this agent: open intervals end now. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const off of this.#off.splice(0)) off();
    if (this.#timer) clearInterval(this.#timer);
    for (const id of [...this.#open.keys()]) this.#left({ id });
    this.#stamp();
  }

  #stamp(): void {
    this.meta.lastSeen = Date.now();
    background(this.store.putLecture({ ...this.meta }), log, 'stamping the lecture');
  }

  #joined(m: MemberSessionInfo): void {
    if (this.#open.has(m.id)) this.#left(m); // a second session without a `left` for the first
    const n = this.#next++;
    const iv: AttendanceInterval = { peer: m.id, name: m.name, address: m.address, joined: Date.now(), left: null };
    this.#intervals.set(n, iv);
    this.#open.set(m.id, n);
    background(this.store.putInterval(this.meta.id, n, iv), log, 'recording a join');
    this.changed();
  }

  /** A member asked for its own record (`attendance-ask`); past its budget the ask is dropped. */
  #asked(id: string): void {
    const n = this.#open.get(id);
    if (n === undefined || this.host.admit('history', id) > 0) return;
    const own = this.intervals.filter((i) => i.peer === id).slice(-MAX_OWN_INTERVALS);
    this.host.sendTo(id, {
      type: 'attendance-you',
      lecture: this.meta.id,
      name: this.#intervals.get(n)!.name,
      intervals: own.map((i) => ({ joined: i.joined, left: i.left })),
    });
  }

  #left(m: Pick<MemberSessionInfo, 'id'>): void {
    const n = this.#open.get(m.id);
    if (n === undefined) return;
    this.#open.delete(m.id);
    const iv = this.#intervals.get(n)!;
    iv.left = Date.now();
    background(this.store.putInterval(this.meta.id, n, iv), log, 'recording a leave');
    this.changed();
  }
}
