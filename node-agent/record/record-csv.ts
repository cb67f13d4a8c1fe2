/**
 * The class record as CSV, for the page's Export CSV and `camvid attendance --csv`: first the
 * attendance, one row per interval, headed `lecture,name,peer,joined,left,seconds` (an interval
 * still open has no `left`, and its seconds run to now); then, after an empty line, the polls of
 * the same lectures, one row per student's answer, headed by POLLS_CSV_HEADER.
 */
import { ATTENDANCE_CSV_HEADER, csvField, isoTime, type AttendanceInterval } from '../../protocol/attendance.js';
import type { PollAnswer } from '../../protocol/polls.js';
import type { StoredPoll } from './record-store.js';

export const POLLS_CSV_HEADER = 'lecture,poll,question,name,peer,answer,correct,answered';

export interface LectureRecord {
  id: string;
  intervals: AttendanceInterval[];
  polls: { poll: StoredPoll; answers: PollAnswer[] }[];
}

const row = (fields: (string | number)[]) => fields.map(csvField).join(',');

export function recordCsv(lectures: LectureRecord[], now = Date.now()): string {
  const lines = [ATTENDANCE_CSV_HEADER];
  for (const l of lectures) {
    for (const iv of l.intervals) {
      const seconds = Math.max(0, Math.round(((iv.left ?? now) - iv.joined) / 1000));
      lines.push(row([l.id, iv.name, iv.peer, isoTime(iv.joined), isoTime(iv.left), seconds]));
    }
  }
  if (lectures.some((l) => l.polls.length)) {
    lines.push('', POLLS_CSV_HEADER);
    for (const l of lectures) {
      for (const { poll, answers } of l.polls) {
        const right = poll.def.correct;
        for (const a of answers) {
          const text = a.choices.map((c) => poll.def.options[c] ?? String(c)).join(' | ');
          const correct = right ? (sameSet(right, a.choices) ? 'yes' : 'no') : '';
          lines.push(row([l.id, poll.n, poll.def.question, a.name, a.peer, text, correct, isoTime(a.at)]));
        }
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

export const sameSet = (a: number[], b: number[]): boolean => a.length === b.length && a.every((x) => b.includes(x));
