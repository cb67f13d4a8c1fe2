/**
 * The agent's own identity: one Ed25519 key per data folder, kept in `<data>/identity.key` (0600,
 * PKCS#8 DER, base64). The peer id is derived from the public key, so nobody can choose another
 * agent's id without its private key. In every join the agent signs the handshake transcript
 * (node-agent/auth/handshake.ts), which is unique to that session: a recorded proof is worth
 * nothing in another session. The host verifies before it admits anyone (room-host.ts).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { CamvidError } from '../../protocol/errors.js';
import { PEER_ID_LENGTH } from '../../protocol/common.js';
import { HostIdentity, hostVerifier } from '../overlay/host-identity.js';
import { writePrivate } from '../store/durable-file.js';

export const IDENTITY_FILE = 'identity.key';
const PEER_ID_LABEL = Buffer.from('camvid/peer-id/v1');
const PROOF_LABEL = Buffer.from('camvid/join/agent-signature/v2');

/** The peer id of a raw 32-byte Ed25519 public key (base64): SHA-256(label ‖ key), first 8 bytes, hex. */
export function peerIdOf(publicKeyB64: string): string {
  const key = Buffer.from(publicKeyB64, 'base64');
  return createHash('sha256').update(PEER_ID_LABEL).update(key).digest('hex').slice(0, PEER_ID_LENGTH);
}

const proofInput = (transcript: Uint8Array): Buffer => Buffer.concat([PROOF_LABEL, transcript]);

export class AgentIdentity extends HostIdentity {
  /** derived from the public key: see peerIdOf */
  readonly peerId = peerIdOf(this.publicKey);

  /** The identity kept in `dataDir`, made (and written, 0600) on first use. A damaged file is BAD_DATA. */
  static async load(dataDir: string): Promise<AgentIdentity> {
    const file = path.join(dataDir, IDENTITY_FILE);
    const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return null;
      throw err;
    });
    if (text === null) {
      const made = new AgentIdentity();
      await writePrivate(file, `${made.export()}\n`);
      return made;
    }
    try {
      return new AgentIdentity(text.trim());
    } catch {
      throw new CamvidError('BAD_DATA', `${file} is not a key this agent can read; move it away to make a new identity (the agent then gets a new peer id).`);
    }
  }

  /** This agent's proof for one session: its signature over the session's handshake transcript. */
  proveSession(transcript: Uint8Array): string {
    return this.sign(proofInput(transcript));
  }
}

/**
 * The peer id a join proves: `key` must sign this session's `transcript`. Throws IDENTITY_REFUSED
 * when the key is not a valid Ed25519 key or the signature does not verify.
 */
export function verifySessionProof(keyB64: string, sigB64: string, transcript: Uint8Array): string {
  let ok = false;
  try {
    ok = Buffer.from(keyB64, 'base64').length === 32 && hostVerifier(keyB64)(proofInput(transcript), sigB64);
  } catch {
    ok = false;
  }
  if (!ok) throw new CamvidError('IDENTITY_REFUSED', 'The join is not signed by the key it names for this session.');
  return peerIdOf(keyB64);
}
