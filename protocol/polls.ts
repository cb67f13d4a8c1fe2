/**
 * Polls and quizzes (docs/record.md). The instructor asks a question with 2–6 answers, single or
 * multiple choice, optionally with the right answer(s) and a timer. Everything goes over the
 * member's session with the host, never the tree: a relay dying does not touch it.
 *
 * - host → every member: `poll-update`, the poll as that member may see it (its own answer; the
 *   counts and the right answer only once the instructor published them), on every change, and
 *   the lecture's latest polls when a member asks (`poll-sync`, after each `welcome`: a reconnect
 *   brings the state back);
 * - member → host: `poll-answer`, sent until acknowledged (`poll-ack`) or refused (`poll-refused`):
 *   on every reconnect and every few seconds. One answer per student (the member id of the session
 *   it came over; the message names no student): the first answer the host takes is final. The
 *   same answer again is acknowledged again (a resend after a lost ack is harmless); a different
 *   one is refused `POLL_ANSWERED`, one after the close `POLL_CLOSED`, so the tally counts each
 *   student once and equals the answers given.
 */
import { wireErrorFields, array, bool, int, literal, nullable, object, optional, str, HEX_ID } from './validate.js';

export const MIN_POLL_OPTIONS = 2;
export const MAX_POLL_OPTIONS = 6;
export const MAX_QUESTION_LENGTH = 300;
export const MAX_OPTION_LENGTH = 120;
/** the longest timer, seconds */
export const MAX_POLL_TIMER_S = 3600;
/** polls of one lecture a member is told about on (re)joining: the latest ones */
export const MAX_POLLS_SENT = 20;

const PRINTABLE = /^[^\u0000-\u001f\u007f]+$/u;
export const pollId = HEX_ID(16);
const question = str({ min: 1, max: MAX_QUESTION_LENGTH, pattern: PRINTABLE });
const option = str({ min: 1, max: MAX_OPTION_LENGTH, pattern: PRINTABLE });
const choice = int(0, MAX_POLL_OPTIONS - 1);
const choices = array(choice, MAX_POLL_OPTIONS);
const ms = int(0, Number.MAX_SAFE_INTEGER);
const count = int(0, 1_000_000);

export const POLL_STATUSES = ['open', 'closed'] as const;
export type PollStatus = (typeof POLL_STATUSES)[number];

/** What the instructor asked. `correct`: the right option(s), when it is a quiz. */
export interface PollDef {
  id: string;
  question: string;
  options: string[];
  multi: boolean;
  correct?: number[];
  /** host clock: when it closes by itself */
  closesAt?: number;
}

/** One student's answer as the host keeps it. */
export interface PollAnswer {
  peer: string;
  name: string;
  choices: number[];
  /** host clock */
  at: number;
}

export const pollResults = object({
  /** students who chose each option */
  counts: array(count, MAX_POLL_OPTIONS),
  /** students who answered */
  answered: count,
  correct: optional(array(choice, MAX_POLL_OPTIONS)),
});
export type PollResults = ReturnType<typeof pollResults>;

/** A poll as one member sees it. */
export const memberPoll = object({
  id: pollId,
  question,
  options: array(option, MAX_POLL_OPTIONS),
  multi: bool,
  status: literal(...POLL_STATUSES),
  closesAt: optional(ms),
  /** this member's answer as the host has it */
  mine: nullable(choices),
  /** present once the instructor published the results */
  results: optional(pollResults),
});
export type MemberPoll = ReturnType<typeof memberPoll>;

/** A poll as a page shows it: the instructor's has the results always, `published` and the host's answers count. */
export interface PollView extends MemberPoll {
  published: boolean;
  /** this page's answer still waiting for the host's ack (students) */
  pending?: number[];
}

/** UI requests (spread into protocol/ui-features.ts). */
export const pollUiRequests = {
  /** host: ask a question; `timerS` closes it by itself */
  'poll-create': {
    question,
    options: array(option, MAX_POLL_OPTIONS),
    multi: bool,
    correct: optional(choices),
    timerS: optional(int(5, MAX_POLL_TIMER_S)),
  },
  /** host: stop taking answers */
  'poll-close': { poll: pollId },
  /** host: show the results (and the right answer) to the students; closes an open poll first */
  'poll-publish': { poll: pollId },
  /** student: answer (sent until the host acknowledges it) */
  'poll-answer': { poll: pollId, choices },
  /** this lecture's polls, oldest first */
  'poll-list': {},
};

export interface PollUiReplies {
  'poll-create': PollView;
  'poll-close': void;
  'poll-publish': void;
  'poll-answer': void;
  'poll-list': PollView[];
}

export type PollUiEvent =
  | { type: 'poll-update'; poll: PollView }
  /** student: the host refused this page's answer */
  | { type: 'poll-refused'; poll: string; code: string; message: string };

/** Session shapes member → host. */
export const pollMemberShapes = {
  'poll-answer': { poll: pollId, choices },
  /** the lecture's polls as this member may see them, please (after each `welcome`) */
  'poll-sync': {},
};

/** Session shapes host → member. */
export const pollHostShapes = {
  'poll-update': { poll: memberPoll },
  'poll-ack': { poll: pollId, choices },
  'poll-refused': { poll: pollId, ...wireErrorFields },
};

/**
 * Why `choices` is not a valid answer to `poll` (null when it is): at least one, each an option of
 * the poll, no repeats, exactly one for a single-choice poll.
 */
export function badChoices(poll: Pick<PollDef, 'options' | 'multi'>, picked: number[]): string | null {
  if (!picked.length) return 'choose at least one answer';
  if (new Set(picked).size !== picked.length) return 'an answer is chosen twice';
  if (picked.some((c) => c >= poll.options.length)) return 'no such answer';
  if (!poll.multi && picked.length !== 1) return 'this question takes one answer';
  return null;
}
