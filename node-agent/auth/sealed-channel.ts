/**
 * Seals session frames with nacl.secretbox. Nonces are implicit counters, one sequence per
 * direction, so a replayed, reordered, dropped or reflected frame fails to open. The transport
 * (a WebSocket over TCP) is ordered, so any failure means the stream is broken: close it.
 */
import nacl from 'tweetnacl';
import { CamvidError } from '../../protocol/errors.js';
import type { SessionKeys } from './handshake.js';

export type Side = 'joiner' | 'host';

function nonce(direction: number, counter: number): Uint8Array {
  const n = new Uint8Array(nacl.secretbox.nonceLength);
  n[0] = direction;
  new DataView(n.buffer).setBigUint64(16, BigInt(counter));
  return n;
}

export class SealedChannel {
  #sendCounter = 0;
  #recvCounter = 0;
  readonly #sendDir: number;
  readonly #recvDir: number;

  constructor(
    private readonly keys: SessionKeys,
    side: Side,
  ) {
    this.#sendDir = side === 'joiner' ? 1 : 2;
    this.#recvDir = side === 'joiner' ? 2 : 1;
  }

  /** the session's handshake transcript (see SessionKeys) */
  get transcript(): Uint8Array {
    return this.keys.transcript;
  }

  seal(plain: Uint8Array): Uint8Array {
    return nacl.secretbox(plain, nonce(this.#sendDir, this.#sendCounter++), this.keys.key);
  }

  /** Opens the next frame; throws BAD_MESSAGE if it was not the next frame sealed by the peer. */
  open(sealed: Uint8Array): Uint8Array {
    const plain = nacl.secretbox.open(sealed, nonce(this.#recvDir, this.#recvCounter), this.keys.key);
    if (!plain) throw new CamvidError('BAD_MESSAGE', 'sealed frame failed authentication');
    this.#recvCounter++;
    return plain;
  }
}
