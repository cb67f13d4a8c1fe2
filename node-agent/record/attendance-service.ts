/**
 * Attendance for one agent (docs/record.md): the host records its lecture's sessions
 * (host-attendance.ts) and answers its page about this lecture and past ones, as tables or CSV; a
 * student keeps what the host told it of its own record. A feature of the agent
 * (node-agent/features.ts).
 */
import type { AttendanceInterval, LectureSummary, OwnAttendance } from '../../protocol/attendance.js';
import { CamvidError } from '../../protocol/errors.js';
import { shortId } from '../../protocol/common.js';
import { onAbort, type Feature, type FeatureHost, type RoomContext } from '../feature-host.js';
import { createLogger } from '../log.js';
import { TypedEmitter } from '../typed-emitter.js';
import { HostAttendance } from './host-attendance.js';
import { recordCsv, type LectureRecord } from './record-csv.js';
import { RecordStore, type LectureMeta } from './record-store.js';

const log = createLogger('agent:record');
/** the page hears of attendance changes at most this often */
const CHANGED_PERIOD_MS = 300;

export type AttendanceEvents = {
  /** student: the host told us our own record */
  mine: [record: OwnAttendance];
};

export class AttendanceService extends TypedEmitter<AttendanceEvents> implements Feature {
  readonly store: RecordStore;
  #host: HostAttendance | null = null;
  #mine: OwnAttendance | null = null;
  #changedTimer: NodeJS.Timeout | null = null;

  constructor(private readonly agent: FeatureHost) {
    super();
    this.store = new RecordStore(agent.store);
    agent.ui.handle('attendance-lectures', () => this.lectures());
    agent.ui.handle('attendance-lecture', async (req) => {
      const meta = await this.#lectureOf(req.lecture);
      return { lecture: await this.#summary(meta), intervals: await this.intervals(meta) };
    });
    agent.ui.handle('attendance-csv', async (req) => {
      const metas = req.all ? await this.store.lectures() : [await this.#lectureOf(req.lecture)];
      const csv = await this.csv(metas);
      const name = req.all ? 'all-lectures' : `${metas[0]!.room.replace(/[^\w-]+/g, '_')}-${shortId(metas[0]!.id)}`;
      return { filename: `attendance-${name}.csv`, csv };
    });
    agent.ui.handle('attendance-mine', async () => this.#mine);
  }

  /** The lecture this agent hosts now, if any. */
  get current(): HostAttendance | null {
    return this.#host;
  }

  get mine(): OwnAttendance | null {
    return this.#mine;
  }

  async lectures(): Promise<LectureSummary[]> {
    return Promise.all((await this.store.lectures()).map((m) => this.#summary(m)));
  }

  /**
   * A lecture's intervals: the live one's as they are; a past one's with any interval its host's
   * crash left open shown closed at the lecture's last stamp.
   */
  async intervals(meta: LectureMeta): Promise<AttendanceInterval[]> {
    if (this.#host?.meta.id === meta.id) return this.#host.intervals;
    return (await this.store.intervals(meta.id)).map(({ iv }) => (iv.left === null ? { ...iv, left: Math.max(iv.joined, meta.lastSeen) } : iv));
  }

  /** The CSV of these lectures: attendance, then their polls' answers (record-csv.ts). */
  async csv(metas: LectureMeta[]): Promise<string> {
    const records: LectureRecord[] = [];
    for (const meta of [...metas].sort((a, b) => a.started - b.started)) {
      const polls = await this.store.polls(meta.id);
      records.push({
        id: meta.id,
        intervals: await this.intervals(meta),
        polls: await Promise.all(polls.map(async (poll) => ({ poll, answers: await this.store.answers(meta.id, poll.def.id) }))),
      });
    }
    return recordCsv(records);
  }

  /** The lecture `id` (a unique prefix will do); the current one when absent. */
  async #lectureOf(id: string | undefined): Promise<LectureMeta> {
    if (id === undefined) {
      if (this.#host) return this.#host.meta;
      throw new CamvidError('NOT_IN_ROOM', 'Not hosting a lecture now; pick one of the past lectures.');
    }
    const meta = this.#host?.meta.id === id ? this.#host.meta : await this.store.findLecture(id);
    if (!meta) throw new CamvidError('FILE_NOT_FOUND', `No lecture ${id} in this agent's record.`);
    return meta;
  }

  #summary(meta: LectureMeta): Promise<LectureSummary> {
    return this.store.summary(meta, this.#host?.meta.id === meta.id);
  }

  async enterRoom(ctx: RoomContext, signal: AbortSignal): Promise<void> {
    if (ctx.host) {
      const att = await HostAttendance.start(ctx.host, this.store, ctx.roomId, ctx.host.roomName, () => this.#changed(ctx.roomId));
      if (signal.aborted) return att.close();
      this.#host = att;
      onAbort(signal, () => {
        att.close();
        if (this.#host === att) this.#host = null;
        this.#changed(ctx.roomId);
      });
    } else if (ctx.member) {
      const member = ctx.member;
      const ask = () => member.online && member.send({ type: 'attendance-ask' });
      const offs = [
        member.on('welcome', ask),
        member.on('feature', (msg) => {
          if (msg.type !== 'attendance-you') return;
          this.#mine = { lecture: msg.lecture, intervals: msg.intervals };
          this.emit('mine', this.#mine);
          this.agent.ui.push({ type: 'attendance-mine', record: this.#mine });
        }),
      ];
      ask();
      onAbort(signal, () => {
        for (const off of offs) off();
        this.#mine = null;
      });
    }
  }

  #changed(lecture: string): void {
    if (this.#changedTimer) return;
    this.#changedTimer = setTimeout(() => {
      this.#changedTimer = null;
      this.agent.ui.push({ type: 'attendance-changed', lecture });
    }, CHANGED_PERIOD_MS);
    this.#changedTimer.unref();
  }

  async close(): Promise<void> {
    if (this.#changedTimer) clearTimeout(this.#changedTimer);
    this.#host?.close();
    this.removeAllListeners();
    await this.store.flushed().catch((err: Error) => log.warn('the class record could not be saved:', err.message));
  }
}
