/**
 * Attendance: the host keeps who was in the room when, per lecture (docs/record.md). A lecture is
 * one hosting of a room, keyed by the room id: `camvid host` makes a new room id and so a new
 * lecture, `camvid host --resume` opens the same room again and continues its lecture. Every
 * member session is one interval (joined, left); a student cut off and back has two.
 *
 * On the wire: a member asks for its own intervals in this lecture once per session
 * (`attendance-ask`, after each `welcome`) and the host answers `attendance-you`; nothing else
 * about attendance ever leaves the host.
 */
import { displayName, roomId } from './common.js';
import { array, bool, int, nullable, object, optional } from './validate.js';

/** intervals of one member a host tells it about (the latest ones) */
export const MAX_OWN_INTERVALS = 100;
/** CSV header of `camvid attendance --csv` and the page's Export CSV */
export const ATTENDANCE_CSV_HEADER = 'lecture,name,peer,joined,left,seconds';

const ms = int(0, Number.MAX_SAFE_INTEGER);

/** One session of one member: `left` null while it is still in the room. */
export interface AttendanceInterval {
  peer: string;
  name: string;
  /** the address its session came from, as the host saw it */
  address: string;
  /** host clock, ms since epoch */
  joined: number;
  left: number | null;
}

/** A lecture as the instructor's list shows it. */
export interface LectureSummary {
  /** the room id */
  id: string;
  room: string;
  started: number;
  /** when the host was last seen running this lecture (the end, once it is over) */
  lastSeen: number;
  /** this agent is hosting it now */
  live: boolean;
  /** distinct students seen */
  students: number;
}

/** A student's own record, as the host told it. */
export interface OwnAttendance {
  lecture: string;
  intervals: { joined: number; left: number | null }[];
}

/** UI requests (spread into protocol/ui-features.ts). */
export const attendanceUiRequests = {
  /** host: every lecture kept in this agent's store, newest first */
  'attendance-lectures': {},
  /** host: one lecture's intervals (the current one when `lecture` is absent) */
  'attendance-lecture': { lecture: optional(roomId) },
  /** host: the CSV text of one lecture, or of all of them with `all` */
  'attendance-csv': { lecture: optional(roomId), all: optional(bool) },
  /** student: my own intervals in this lecture */
  'attendance-mine': {},
};

export interface AttendanceUiReplies {
  'attendance-lectures': LectureSummary[];
  'attendance-lecture': { lecture: LectureSummary; intervals: AttendanceInterval[] };
  'attendance-csv': { filename: string; csv: string };
  'attendance-mine': OwnAttendance | null;
}

export type AttendanceUiEvent =
  /** host: the current lecture's intervals changed (a page showing it asks again) */
  | { type: 'attendance-changed'; lecture: string }
  /** student: the host told us our own record */
  | { type: 'attendance-mine'; record: OwnAttendance };

/** Session shapes member → host. */
export const attendanceMemberShapes = {
  'attendance-ask': {},
};

/** Session shapes host → member. */
export const attendanceHostShapes = {
  'attendance-you': {
    lecture: roomId,
    name: displayName,
    intervals: array(object({ joined: ms, left: nullable(ms) }), MAX_OWN_INTERVALS),
  },
};

/** A CSV field: quoted when it holds a comma, quote or line break; a leading = + - @ is defused for spreadsheets. */
export function csvField(v: string | number): string {
  let s = String(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** ISO time of a host clock, or '' for none. */
export const isoTime = (t: number | null): string => (t === null ? '' : new Date(t).toISOString());
