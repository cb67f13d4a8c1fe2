/**
 * Chat wire types. The host sequences every message (it already is the room's one authority), so
 * all members end with one order without a consensus protocol; a hybrid logical clock would only be
 * needed with several writers ordering on their own. The host signs each record with its own
 * Ed25519 key (announced in `welcome` over the sealed session), so a relay cannot forge or alter
 * what it forwards down the tree.
 */
import { displayName, peerId } from './common.js';
import { array, B64, bool, int, literal, object, optional, str, wireErrorFields, type Validator } from './validate.js';

/** 4 KiB of UTF-8 per message. */
export const MAX_CHAT_BYTES = 4096;
/**
 * per member: sustained messages per second and burst (the host also holds each source address to
 * twice this: node-agent/overlay/host-limits.ts); past it, `chat-refused` THROTTLED
 */
export const CHAT_RATE_PER_SEC = 5;
export const CHAT_BURST = 10;
/** history batches stay well under the 64 KiB frame limit */
export const CHAT_BATCH_BYTES = 40_000;

export const chatId = str({ min: 16, max: 16, pattern: /^[0-9a-f]+$/ });

/** Text of at most MAX_CHAT_BYTES bytes of UTF-8, not empty, no NUL. */
export const chatText: Validator<string> = (v, p = '') => {
  const s = str({ min: 1, max: MAX_CHAT_BYTES, pattern: /^[^\u0000]*$/u })(v, p);
  if (Buffer.byteLength(s, 'utf8') > MAX_CHAT_BYTES) return str({ max: 0 })(s, p);
  if (!s.trim()) return str({ min: 1, max: 0 })('', p);
  return s;
};

export const chatRecord = object({
  /** the host's sequence number: the one order everyone shows */
  seq: int(1, Number.MAX_SAFE_INTEGER),
  id: chatId,
  from: peerId,
  name: displayName,
  role: literal('host', 'student'),
  text: chatText,
  /** host clock, ms since epoch */
  ts: int(0, Number.MAX_SAFE_INTEGER),
});
/** One sequenced chat message as every member stores and shows it. */
export type ChatRecord = ReturnType<typeof chatRecord>;

export const signedChat = object({ rec: chatRecord, sig: B64(88) });
export type SignedChat = ReturnType<typeof signedChat>;

/** Session shapes member → host (spread into protocol/session.ts). */
export const chatMemberShapes = {
  'chat-send': { id: chatId, text: chatText },
  'chat-history': { after: int(0, Number.MAX_SAFE_INTEGER) },
};
/** Session shapes host → member. */
export const chatHostShapes = {
  'chat-ack': { id: chatId, seq: int(1, Number.MAX_SAFE_INTEGER) },
  'chat-refused': { id: chatId, ...wireErrorFields, retryAfterMs: optional(int(0, 3_600_000)) },
  /** `more`: further batches of the same answer follow (the member asks for the next page only after the last) */
  'chat-batch': { items: array(signedChat, 10_000), last: int(0, Number.MAX_SAFE_INTEGER), more: optional(bool) },
  /** the latest sequence number, sent to every member shortly after a change: a member whose
   * relay does not forward (dead, slow or hostile) notices it is behind and fetches history */
  'chat-head': { last: int(0, Number.MAX_SAFE_INTEGER) },
};
/** Tree (`ctl`) shape: one signed record flooding down from the host. */
export const chatCtlShapes = {
  chat: { item: signedChat },
};

/** The bytes the host signs: fields in a fixed order. */
export function chatSigningBytes(rec: ChatRecord): Buffer {
  return Buffer.from(JSON.stringify([rec.seq, rec.id, rec.from, rec.name, rec.role, rec.text, rec.ts]), 'utf8');
}
