/**
 * Handshake frames: plain JSON text frames on the signalling WebSocket, before the session is keyed.
 * Order: joiner `hello` → host `challenge` (signed by the room key) → joiner `proof` (signed) →
 * host's first sealed frame, or a plain `error` and close. See docs/protocol.md.
 */
import { roomId } from './common.js';
import { B64, int, literal, optional, union, wireErrorFields } from './validate.js';

/** X25519 public keys and nonces are 32 bytes: 44 base64 chars. Signatures are 64 bytes: 88. */
const KEY = B64(44);
const SIG = B64(88);

export const HANDSHAKE_ROLES = ['join', 'edge'] as const;

export const joinerHandshake = union({
  hello: { v: int(0, 1_000_000), roomId, eph: KEY, nonce: KEY, role: literal(...HANDSHAKE_ROLES) },
  proof: { sig: SIG },
});
export type JoinerHandshake = ReturnType<typeof joinerHandshake>;

export const hostHandshake = union({
  challenge: { v: int(0, 1_000_000), eph: KEY, nonce: KEY, sig: SIG },
  error: {
    ...wireErrorFields,
    retryAfterMs: optional(int(0, 3_600_000)),
  },
});
export type HostHandshake = ReturnType<typeof hostHandshake>;
