/**
 * Handshake frames: plain JSON text frames on the signalling WebSocket, before the session is keyed.
 * Order: joiner `hello` (its CPace share) → host `challenge` (its CPace share, its key confirmation
 * and its identity signature) → joiner `proof` (its key confirmation) → host's first sealed frame,
 * or a plain `error` and close. See docs/protocol.md.
 */
import { roomId } from './common.js';
import { B64, int, literal, optional, union, wireErrorFields } from './validate.js';

/**
 * ristretto255 elements, Ed25519 public keys and nonces are 32 bytes: 44 base64 chars. Ed25519
 * signatures and HMAC-SHA-512 confirmation tags are 64 bytes: 88. Lengths are checked exactly
 * where they are decoded (node-agent/auth/handshake.ts).
 */
const KEY = B64(44);
const SIG = B64(88);

export const HANDSHAKE_ROLES = ['join', 'edge'] as const;

export const joinerHandshake = union({
  hello: { v: int(0, 1_000_000), roomId, role: literal(...HANDSHAKE_ROLES), sid: KEY, share: KEY },
  proof: { confirm: SIG },
});
export type JoinerHandshake = ReturnType<typeof joinerHandshake>;

export const hostHandshake = union({
  challenge: { v: int(0, 1_000_000), share: KEY, hostKey: KEY, confirm: SIG, sig: SIG },
  error: {
    ...wireErrorFields,
    retryAfterMs: optional(int(0, 3_600_000)),
  },
});
export type HostHandshake = ReturnType<typeof hostHandshake>;
