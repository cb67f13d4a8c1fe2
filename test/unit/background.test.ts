/**
 * Fire-and-forget promises: `background()` turns a rejection into a log line, so background work
 * that fails never becomes an unhandled rejection (Node's default for one is to end the process,
 * here the agent). HostChat answering a history request is one place that did.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CamvidError } from '../../protocol/errors.js';
import { background } from '../../node-agent/background.js';
import type { ChatLog } from '../../node-agent/chat/chat-log.js';
import type { ChatStore } from '../../node-agent/chat/chat-store.js';
import { HostChat } from '../../node-agent/chat/host-chat.js';
import type { FeatureMemberMessage, RoomHost } from '../../node-agent/overlay/room-host.js';
import type { Logger } from '../../node-agent/log.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Runs `f`, then lets pending rejections surface; returns what reached 'unhandledRejection'. */
async function unhandledDuring(f: () => Promise<void>): Promise<unknown[]> {
  const seen: unknown[] = [];
  const on = (reason: unknown) => seen.push(reason);
  process.on('unhandledRejection', on);
  try {
    await f();
    await sleep(20);
  } finally {
    process.off('unhandledRejection', on);
  }
  return seen;
}

function recordingLogger(): Logger & { lines: unknown[][] } {
  const lines: unknown[][] = [];
  const at = (level: string) => (...args: unknown[]) => void lines.push([level, ...args]);
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

test('the check itself: a rejected promise nobody handles is seen as an unhandled rejection', async () => {
  const seen = await unhandledDuring(async () => {
    void Promise.reject(new Error('nobody listens'));
  });
  assert.is(seen.length, 1);
});

test('background: a rejection is logged with what failed, never thrown; a fulfilled promise logs nothing', async () => {
  const log = recordingLogger();
  const seen = await unhandledDuring(async () => {
    background(Promise.reject(new Error('disk gone')), log, 'cache write');
    background(Promise.reject(new CamvidError('CLOSED', 'The link closed.')), log, 'looking the topic up again', 'debug');
    background(Promise.resolve(42), log, 'fine');
  });
  assert.equal(seen, [], 'no unhandled rejection');
  assert.is(log.lines.length, 2);
  const [warn, debug] = log.lines;
  assert.equal(warn!.slice(0, 2), ['warn', 'cache write failed:']);
  assert.is((warn![2] as Error).message, 'disk gone', 'an unexpected error is logged whole (with its stack)');
  assert.equal(debug, ['debug', 'looking the topic up again failed:', 'CLOSED: The link closed.']);
});

test('HostChat: a history request the store cannot answer (its database closed) is logged, not an unhandled rejection', async () => {
  let onFeature: ((memberId: string, msg: FeatureMemberMessage) => void) | null = null;
  // admit 0: the request is within its budget, so it reaches the store.
  const host = { on: (_event: 'feature', listener: typeof onFeature) => ((onFeature = listener), () => {}), sendTo: () => {}, admit: () => 0 } as unknown as RoomHost;
  const chatLog = { flushed: async () => {}, lastSeq: 0, roomId: 'room' } as unknown as ChatLog;
  let asked = 0;
  const store = { range: () => (asked++, Promise.reject(new Error('Database is not open'))) } as unknown as ChatStore;
  const chat = new HostChat(host, chatLog, store, 'host');
  const seen = await unhandledDuring(async () => onFeature!('member', { type: 'chat-history', after: 0 } as FeatureMemberMessage));
  assert.is(asked, 1, 'the request reached the store, whose failure is the one handled');
  assert.equal(seen, []);
  chat.close();
});

test.run();
