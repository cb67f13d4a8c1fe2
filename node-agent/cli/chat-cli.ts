/**
 * Headless chat and classroom controls for `camvid host|join`: `--say TEXT` (repeatable) once in
 * the room, `--events` lines for every record, outbox change and refusal, and with `--stdin` one
 * command per line: `say <text>`, `hand up|down`, `poll …` (cli/poll-cli.ts), and for the host
 * `mute|unmute|remove|block|lower <name>` (block: removed and refused for the rest of the lecture),
 * `record start|stop` (cli/recording-cli.ts) and `screen start|stop` (the `--screen` share, cli/media-cli.ts).
 */
import { createInterface } from 'node:readline';
import { CamvidError } from '../../protocol/errors.js';
import type { Agent } from '../agent.js';
import { runScreenCommand } from './media-cli.js';
import { runPollCommand } from './poll-cli.js';
import { runRecordCommand } from './recording-cli.js';

type Print = (type: string, data: unknown) => void;

const fail = (err: unknown) => {
  const e = err as CamvidError;
  console.error(`error: ${e.code ?? 'ERROR'}: ${e.message}`);
};

export function wireChatHeadless(agent: Agent, v: Record<string, unknown>, print: Print): void {
  const chat = agent.features.chat;
  if (v.events) {
    chat.on('message', (rec) => print('chat', rec));
    chat.on('outbox', (pending) => print('outbox', pending.map((p) => p.id)));
    chat.on('refused', (id, code, message) => print('chat-refused', { id, code, message }));
  }
  const say = (text: string) => void chat.send(text).catch(fail);
  for (const text of (v.say as string[] | undefined) ?? []) say(text);
  if (!v.stdin) return;
  createInterface({ input: process.stdin }).on('line', (line) => {
    try {
      runCommand(agent, v, line.trim(), say);
    } catch (err) {
      fail(err);
    }
  });
}

function runCommand(agent: Agent, v: Record<string, unknown>, line: string, say: (text: string) => void): void {
  const [verb = '', ...rest] = line.split(' ');
  const arg = rest.join(' ');
  const byName = () => {
    const m = agent.room?.host?.roster().find((r) => r.name === arg && r.role === 'student');
    if (!agent.room?.host) throw new CamvidError('NOT_IN_ROOM', 'Only the instructor can do that.');
    if (!m) throw new CamvidError('NOT_IN_ROOM', `No student named "${arg}".`);
    return m.id;
  };
  const commands: Record<string, () => void> = {
    say: () => say(arg),
    hand: () => agent.features.classroom.raiseHand(arg === 'up'),
    mute: () => agent.room!.host!.setMuted(byName(), true),
    unmute: () => agent.room!.host!.setMuted(byName(), false),
    remove: () => agent.room!.host!.remove(byName()),
    block: () => agent.room!.host!.remove(byName(), { block: true }),
    lower: () => agent.room!.host!.setHand(byName(), false),
    poll: () => runPollCommand(agent, arg),
    record: () => runRecordCommand(agent, arg, fail),
    screen: () => runScreenCommand(agent, v, arg, fail),
  };
  const command = commands[verb];
  if (command) command();
  else if (line) console.error(`unknown command: ${line} (try: say <text>, hand up|down, mute|unmute|remove|block|lower <name>, poll …, record start|stop, screen start|stop)`);
}
