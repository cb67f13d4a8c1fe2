/**
 * A `join` as a real agent sends it: signed, for `session`, by an identity key (a fresh one unless
 * given), and the peer id the host derives from that key. Tests that speak the session protocol by
 * hand use it; a test of a forged join builds its own.
 */
import { AgentIdentity } from '../../node-agent/auth/agent-identity.js';
import type { MemberSession } from '../../node-agent/signalling/signal-client.js';
import type { MemberMessage } from '../../protocol/session.js';

export function signedJoin(session: MemberSession, name: string, identity = new AgentIdentity()): { join: Extract<MemberMessage, { type: 'join' }>; id: string } {
  return { join: { type: 'join', name, key: identity.publicKey, sig: identity.proveSession(session.transcript) }, id: identity.peerId };
}
