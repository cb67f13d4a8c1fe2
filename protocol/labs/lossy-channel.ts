/**
 * The lab's seeded impairment: independent loss for data frames and for ACKs, and optional
 * corruption (one flipped bit, which the CRC-32 catches). The same class sits on top of the real
 * data channel and inside the simulator, so both show the same drops for the same seed and the
 * same sequence of frames.
 */
import type { ArqEvent } from './arq-config.js';
import { FRAME_KINDS, FRAME_SEQ_OFFSET } from './arq-frame.js';
import { createRng, deriveSeed, type Rng } from './rng.js';

/** Impairment probabilities, each in [0, 1), and the seed they are drawn from. */
export interface LossyChannelOptions {
  seed: number;
  /** Probability that a data frame is dropped. */
  dataLoss: number;
  /** Probability that an ACK is dropped. Default 0. */
  ackLoss?: number;
  /** Probability that a frame that was not dropped arrives with one bit flipped. Default 0. */
  corruption?: number;
}

/** What the channel was offered and what it did to it. */
export interface LossyChannelCounts {
  dataOffered: number;
  acksOffered: number;
  dataDropped: number;
  acksDropped: number;
  corrupted: number;
}

export class LossyChannel {
  readonly counts: LossyChannelCounts = { dataOffered: 0, acksOffered: 0, dataDropped: 0, acksDropped: 0, corrupted: 0 };
  readonly #dataLoss: number;
  readonly #ackLoss: number;
  readonly #corruption: number;
  // Separate streams: raising the ACK loss must not change which data frames are lost.
  readonly #dataRng: Rng;
  readonly #ackRng: Rng;
  readonly #corruptRng: Rng;

  constructor(options: LossyChannelOptions) {
    const { dataLoss, ackLoss = 0, corruption = 0 } = options;
    for (const [name, p] of [['dataLoss', dataLoss], ['ackLoss', ackLoss], ['corruption', corruption]] as const) {
      // Loss 1 would never deliver anything: the transfer could not finish.
      if (!(p >= 0 && p < 1)) throw new TypeError(`${name} must be in [0, 1), got ${p}`);
    }
    this.#dataLoss = dataLoss;
    this.#ackLoss = ackLoss;
    this.#corruption = corruption;
    this.#dataRng = createRng(deriveSeed(options.seed, 0));
    this.#ackRng = createRng(deriveSeed(options.seed, 1));
    this.#corruptRng = createRng(deriveSeed(options.seed, 2));
  }

  /**
   * Decides the fate of one frame put on the channel at `now`: null when dropped, otherwise the
   * bytes to deliver (a corrupted copy, or the frame itself). Logs drop/corrupt into `events`.
   */
  pass(bytes: Uint8Array, now: number, events: ArqEvent[]): Uint8Array | null {
    const what: 'data' | 'ack' = bytes[0] === FRAME_KINDS.ack ? 'ack' : 'data';
    const seq = bytes.length >= FRAME_SEQ_OFFSET + 2 ? (bytes[FRAME_SEQ_OFFSET]! << 8) | bytes[FRAME_SEQ_OFFSET + 1]! : undefined;
    const base = { t: now, side: 'channel' as const, what, ...(seq === undefined ? {} : { seq }) };
    if (what === 'data') this.counts.dataOffered++;
    else this.counts.acksOffered++;
    const lost = what === 'data' ? this.#dataRng.chance(this.#dataLoss) : this.#ackRng.chance(this.#ackLoss);
    if (lost) {
      if (what === 'data') this.counts.dataDropped++;
      else this.counts.acksDropped++;
      events.push({ ...base, kind: 'drop' });
      return null;
    }
    const flip = this.#corruptRng.chance(this.#corruption);
    const bit = this.#corruptRng.int(bytes.length * 8);
    if (!flip) return bytes;
    const copy = new Uint8Array(bytes);
    copy[bit >> 3]! ^= 1 << (bit & 7);
    this.counts.corrupted++;
    events.push({ ...base, kind: 'corrupt', note: `bit ${bit} flipped` });
    return copy;
  }
}
