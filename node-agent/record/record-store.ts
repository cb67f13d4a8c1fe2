/**
 * The class record in the agent's LevelDB (sublevel `record`), per lecture (= room id, see
 * protocol/attendance.ts): the lecture itself (`L!<lecture>`), its attendance intervals in the
 * order they opened (`I!<lecture>!<n>`), its polls (`P!<lecture>!<n>`) and their answers
 * (`A!<lecture>!<poll>!<peer>`). Writes go through one queue, so they land in the order made and
 * `flushed()` waits for all of them (the feature's close does, before the store closes).
 */
import type { AttendanceInterval, LectureSummary } from '../../protocol/attendance.js';
import type { PollAnswer, PollDef, PollStatus } from '../../protocol/polls.js';
import type { Store, Sublevel } from '../store/store.js';

const N_DIGITS = 9;
const pad = (n: number) => String(n).padStart(N_DIGITS, '0');

/** A lecture as stored. */
export interface LectureMeta {
  id: string;
  room: string;
  started: number;
  /** refreshed every few seconds while hosted: where a crash's open intervals are closed */
  lastSeen: number;
}

/** A poll as stored: its definition and where it stands. */
export interface StoredPoll {
  n: number;
  def: PollDef;
  status: PollStatus;
  published: boolean;
  opened: number;
  closed: number | null;
}

export class RecordStore {
  readonly #db: Sublevel;
  #queue: Promise<void> = Promise.resolve();

  constructor(store: Store) {
    this.#db = store.sublevel('record');
  }

  /** Runs writes one after another; a failing write is reported to its caller and does not stop the queue. */
  #write(fn: () => Promise<void>): Promise<void> {
    const next = this.#queue.then(fn);
    this.#queue = next.catch(() => {});
    return next;
  }

  /** Resolves when every write queued so far has landed. */
  flushed(): Promise<void> {
    return this.#queue;
  }

  async lecture(id: string): Promise<LectureMeta | undefined> {
    const v = await this.#db.get(`L!${id}`);
    return v === undefined ? undefined : (JSON.parse(v) as LectureMeta);
  }

  putLecture(meta: LectureMeta): Promise<void> {
    return this.#write(() => this.#db.put(`L!${meta.id}`, JSON.stringify(meta)));
  }

  async lectures(): Promise<LectureMeta[]> {
    const out: LectureMeta[] = [];
    for await (const v of this.#db.values({ gt: 'L!', lt: 'L!~' })) out.push(JSON.parse(v) as LectureMeta);
    return out.sort((a, b) => b.started - a.started);
  }

  /** Finds a lecture by its id or a unique prefix of it (at least 4 characters). */
  async findLecture(prefix: string): Promise<LectureMeta | undefined> {
    if (prefix.length < 4) return undefined;
    const hits = (await this.lectures()).filter((l) => l.id.startsWith(prefix));
    return hits.length === 1 ? hits[0] : undefined;
  }

  /** Intervals of a lecture with their numbers, in the order they opened. */
  async intervals(lecture: string): Promise<{ n: number; iv: AttendanceInterval }[]> {
    const out: { n: number; iv: AttendanceInterval }[] = [];
    for await (const [k, v] of this.#db.iterator({ gt: `I!${lecture}!`, lt: `I!${lecture}!~` })) {
      out.push({ n: Number(k.slice(k.lastIndexOf('!') + 1)), iv: JSON.parse(v) as AttendanceInterval });
    }
    return out;
  }

  putInterval(lecture: string, n: number, iv: AttendanceInterval): Promise<void> {
    return this.#write(() => this.#db.put(`I!${lecture}!${pad(n)}`, JSON.stringify(iv)));
  }

  async polls(lecture: string): Promise<StoredPoll[]> {
    const out: StoredPoll[] = [];
    for await (const v of this.#db.values({ gt: `P!${lecture}!`, lt: `P!${lecture}!~` })) out.push(JSON.parse(v) as StoredPoll);
    return out;
  }

  putPoll(lecture: string, poll: StoredPoll): Promise<void> {
    return this.#write(() => this.#db.put(`P!${lecture}!${pad(poll.n)}`, JSON.stringify(poll)));
  }

  async answers(lecture: string, poll: string): Promise<PollAnswer[]> {
    const out: PollAnswer[] = [];
    for await (const v of this.#db.values({ gt: `A!${lecture}!${poll}!`, lt: `A!${lecture}!${poll}!~` })) out.push(JSON.parse(v) as PollAnswer);
    return out;
  }

  putAnswer(lecture: string, poll: string, answer: PollAnswer): Promise<void> {
    return this.#write(() => this.#db.put(`A!${lecture}!${poll}!${answer.peer}`, JSON.stringify(answer)));
  }

  /** A lecture's summary for the list: distinct students from its intervals. */
  async summary(meta: LectureMeta, live: boolean): Promise<LectureSummary> {
    const peers = new Set((await this.intervals(meta.id)).map((i) => i.iv.peer));
    return { id: meta.id, room: meta.room, started: meta.started, lastSeen: meta.lastSeen, live, students: peers.size };
  }
}
