/**
 * Two node-datachannel PeerConnections in one process, bound to 127.0.0.1, joined by a `lab`
 * data channel that is unordered with no retransmissions: the same kind of channel the ARQ lab
 * uses between two members, so `camvid lab arq` exercises a real WebRTC path without a room.
 * Descriptions and candidates are handed across directly (no signalling server).
 */
import nodeDataChannel, { type DataChannel, type PeerConnection } from 'node-datachannel';
import { CamvidError } from '../../protocol/errors.js';
import { createLogger } from '../log.js';

const log = createLogger('agent:lab-link');
/** Loopback connects in ~200 ms; a link not up by then is stuck (seen in ~3 of 63 runs): retry. */
export const LOOPBACK_CONNECT_TIMEOUT_MS = 5000;
export const LOOPBACK_CONNECT_ATTEMPTS = 2;

/** One end of a lab channel, as the ARQ driver sees it. */
export interface LabEndpoint {
  /** Sends one message; false when the channel refused it (closed or buffer full): a loss. */
  send(bytes: Uint8Array): boolean;
  /** Sets the handler for binary messages; text messages are not lab frames and are dropped. */
  onMessage(handler: (bytes: Uint8Array) => void): void;
}

interface Side {
  pc: PeerConnection;
  dc: DataChannel | null;
  hasRemote: boolean;
  pending: { candidate: string; mid: string }[];
  handler: ((bytes: Uint8Array) => void) | null;
}

export class LoopbackLink {
  readonly a: LabEndpoint;
  readonly b: LabEndpoint;
  readonly #sides: [Side, Side];
  #closed = false;

  private constructor(sides: [Side, Side]) {
    this.#sides = sides;
    this.a = LoopbackLink.#endpoint(sides[0]);
    this.b = LoopbackLink.#endpoint(sides[1]);
  }

  /** Opens a link, retrying a stuck connection; throws CamvidError('TIMEOUT') if none opens. */
  static async open(timeoutMs = LOOPBACK_CONNECT_TIMEOUT_MS, attempts = LOOPBACK_CONNECT_ATTEMPTS): Promise<LoopbackLink> {
    for (let attempt = 1; ; attempt++) {
      const sides = LoopbackLink.#connect();
      const link = new LoopbackLink(sides);
      try {
        await link.#whenOpen(timeoutMs);
        return link;
      } catch (err) {
        link.close();
        if (attempt >= attempts) throw err;
        log.warn(`loopback lab channel did not open (attempt ${attempt}); retrying`);
      }
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Closes channels then connections, in reverse order of creation. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const side of [...this.#sides].reverse()) {
      side.handler = null;
      try {
        side.dc?.close();
        side.pc.close();
      } catch (err) {
        log.debug('close failed', err);
      }
    }
  }

  static #connect(): [Side, Side] {
    const make = (name: string): Side => ({
      pc: new nodeDataChannel.PeerConnection(name, { iceServers: [], bindAddress: '127.0.0.1' }),
      dc: null,
      hasRemote: false,
      pending: [],
      handler: null,
    });
    const a = make('lab-a');
    const b = make('lab-b');
    for (const [from, to] of [[a, b], [b, a]] as const) {
      from.pc.onLocalDescription((sdp, type) => {
        to.pc.setRemoteDescription(sdp, type);
        to.hasRemote = true;
        // A candidate can arrive before the description: it waited in `pending` until now.
        for (const c of to.pending.splice(0)) to.pc.addRemoteCandidate(c.candidate, c.mid);
      });
      from.pc.onLocalCandidate((candidate, mid) => {
        if (to.hasRemote) to.pc.addRemoteCandidate(candidate, mid);
        else to.pending.push({ candidate, mid });
      });
    }
    b.pc.onDataChannel((dc) => LoopbackLink.#adopt(b, dc));
    // Created after the handlers are in place: creating the channel starts the negotiation.
    LoopbackLink.#adopt(a, a.pc.createDataChannel('lab', { unordered: true, maxRetransmits: 0 }));
    return [a, b];
  }

  static #adopt(side: Side, dc: DataChannel): void {
    side.dc = dc;
    dc.onMessage((msg) => {
      if (typeof msg === 'string') return;
      side.handler?.(msg instanceof ArrayBuffer ? new Uint8Array(msg) : msg);
    });
  }

  static #endpoint(side: Side): LabEndpoint {
    return {
      send(bytes) {
        if (!side.dc?.isOpen()) return false;
        try {
          return side.dc.sendMessageBinary(bytes);
        } catch {
          return false;
        }
      },
      onMessage(handler) {
        side.handler = handler;
      },
    };
  }

  #whenOpen(timeoutMs: number): Promise<void> {
    const [a, b] = this.#sides;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        clearInterval(poll);
        reject(new CamvidError('TIMEOUT', `loopback lab channel did not open within ${timeoutMs} ms`));
      }, timeoutMs);
      // Both ends must be open before the first frame, or it would be lost before the lab starts.
      const poll = setInterval(() => {
        if (a.dc?.isOpen() && b.dc?.isOpen()) {
          clearTimeout(timer);
          clearInterval(poll);
          resolve();
        }
      }, 10);
    });
  }
}
