/**
 * Headless polls for `camvid host|join --stdin` (docs/record.md): the instructor types
 * `poll ask <question> | <answer> | <answer>…` (`poll multi …` for several answers each; a `*`
 * before an answer marks it right; `poll ask 30s <question> | …` closes it after 30 s), then
 * `poll close [N]` and `poll publish [N]` (poll N, from 1 in the order asked; the latest without N); a student types `poll answer 2` (answers
 * numbered from 1; `poll answer 1,3` on a multiple-choice poll) for the latest poll. `--events`
 * prints every poll change (`poll`) and every refused answer (`poll-refused`).
 */
import { CamvidError } from '../../protocol/errors.js';
import { pollUiRequests } from '../../protocol/polls.js';
import { object } from '../../protocol/validate.js';
import type { Agent } from '../agent.js';

const createShape = object(pollUiRequests['poll-create']);

export function wirePollHeadless(agent: Agent, v: Record<string, unknown>, print: (type: string, data: unknown) => void): void {
  if (!v.events) return;
  agent.features.polls.on('update', (poll) => print('poll', poll));
  agent.features.polls.on('refused', (poll, code, message) => print('poll-refused', { poll, code, message }));
}

/** One `poll …` command line (without `poll`). */
export function runPollCommand(agent: Agent, line: string): void {
  const polls = agent.features.polls;
  const m = /^(\S+)\s*(.*)$/.exec(line.trim());
  const [verb, rest = ''] = m ? [m[1], m[2]] : [''];
  /** the poll numbered `n` (from 1, in the order asked), the latest when absent */
  const pick = (n?: string) => {
    const all = polls.list();
    const p = n ? all[Number(n) - 1] : all[all.length - 1];
    if (!p) throw new CamvidError('POLL_CLOSED', n ? `There is no poll ${n} in this lecture.` : 'There is no poll in this lecture yet.');
    return p.id;
  };
  if (verb === 'ask' || verb === 'multi') {
    const timer = /^(\d+)s\s+(.*)$/.exec(rest);
    const [question = '', ...answers] = (timer ? timer[2]! : rest).split('|').map((s) => s.trim());
    const correct = answers.flatMap((a, i) => (a.startsWith('*') ? [i] : []));
    polls.create(
      createShape({
        question,
        options: answers.map((a) => a.replace(/^\*\s*/, '')),
        multi: verb === 'multi',
        ...(correct.length ? { correct } : {}),
        ...(timer ? { timerS: Number(timer[1]) } : {}),
      }),
    );
  } else if (verb === 'close') {
    (polls.hosting ?? noHost()).closePoll(pick(rest || undefined));
  } else if (verb === 'publish') {
    (polls.hosting ?? noHost()).publish(pick(rest || undefined));
  } else if (verb === 'answer') {
    const picked = rest.split(',').map((s) => Number(s.trim()) - 1);
    if (picked.some((n) => !Number.isInteger(n) || n < 0)) throw new CamvidError('BAD_MESSAGE', 'poll answer takes answer numbers from 1, e.g. poll answer 2');
    polls.answer(pick(), picked);
  } else {
    throw new CamvidError('BAD_MESSAGE', 'poll commands: ask|multi [Ns] <question> | <answer> | *<right answer>…, close [N], publish [N], answer <n>[,<n>]');
  }
}

const noHost = (): never => {
  throw new CamvidError('NOT_IN_ROOM', 'Only the instructor of a room closes or publishes a poll.');
};
