/**
 * Repair on every hop (docs/media.md, "Repair on every hop"): an agent that misses a packet of
 * a video stream from its parent asks the parent for it (a NACK), and the parent answers from its
 * cache of what it sent. So a loss on one edge is mended on that edge, whoever is below: an agent
 * with no page watching (a relay, a student who has not opened the Video tab) gets its picture
 * whole, and a relay's children get the packet it lost as if it had not been, a little late,
 * instead of each asking for it through the relay.
 *
 * A gap is asked for after REORDER_MS (a packet merely reordered arrives within it), again every
 * RETRY_MS while it is missing, at most MAX_TRIES times, and given up after GIVE_UP_MS (by then
 * a receiver's jitter buffer has moved on). A jump of more than MAX_GAP is a new stream (another
 * source, a layer that started again), not loss. Everything is bounded whatever the parent sends.
 */
import type { VideoKind } from '../../protocol/media.js';

export const REORDER_MS = 20;
export const RETRY_MS = 150;
export const MAX_TRIES = 3;
export const GIVE_UP_MS = 600;
/** Larger jumps are a new stream, not loss. */
const MAX_GAP = 64;
/** Packets waited for per stream at most; the oldest are given up beyond it. */
const MAX_MISSING = 256;
/** Streams followed at most (video kinds × simulcast layers, with room for a change of parent). */
const MAX_STREAMS = 8;

interface Missing {
  since: number;
  tries: number;
  askedAt: number;
}

interface Stream {
  kind: VideoKind;
  max: number;
  missing: Map<number, Missing>;
}

export interface RepairCounters {
  /** sequence numbers asked for (each try counts) */
  asked: number;
  /** missing packets that came after being asked for */
  repaired: number;
  /** missing packets given up */
  lost: number;
}

export class HopRepair {
  readonly counters: RepairCounters = { asked: 0, repaired: 0, lost: 0 };
  readonly #streams = new Map<number, Stream>();

  /** `nack` sends one NACK for `seqs` of the parent's stream `ssrc` of `kind`. */
  constructor(private readonly nack: (kind: VideoKind, ssrc: number, seqs: number[]) => void) {}

  /**
   * One RTP packet of `kind` from the parent (validated). True when it is one this agent asked
   * for: the loss the reports up tell is the edge's before repair (the layer choice and the rate
   * read congestion from it).
   */
  packet(kind: VideoKind, ssrc: number, seq: number, now: number): boolean {
    let s = this.#streams.get(ssrc);
    if (!s) {
      if (this.#streams.size >= MAX_STREAMS) this.#forget(this.#streams.keys().next().value!);
      this.#streams.set(ssrc, { kind, max: seq, missing: new Map() });
      return false;
    }
    const ahead = (seq - s.max) & 0xffff;
    if (ahead === 0) return false;
    if (ahead < 0x8000) {
      if (ahead > MAX_GAP) {
        this.#forget(ssrc); // a new stream under the same SSRC: start again from here
        this.#streams.set(ssrc, { kind, max: seq, missing: new Map() });
        return false;
      }
      for (let k = 1; k < ahead; k++) s.missing.set((s.max + k) & 0xffff, { since: now, tries: 0, askedAt: 0 });
      s.max = seq;
      while (s.missing.size > MAX_MISSING) this.#giveUp(s, s.missing.keys().next().value!);
      return false;
    }
    const m = s.missing.get(seq);
    if (!m) return false; // a late duplicate
    s.missing.delete(seq);
    if (m.tries === 0) return false; // reordered, not asked for
    this.counters.repaired++;
    return true;
  }

  /** Asks for what is due and gives up what is too old; the owner calls it every few ms while `pending`. */
  tick(now: number): void {
    for (const [ssrc, s] of this.#streams) {
      const due: number[] = [];
      for (const [seq, m] of s.missing) {
        if (now - m.since >= GIVE_UP_MS || (m.tries >= MAX_TRIES && now - m.askedAt >= RETRY_MS)) {
          this.#giveUp(s, seq);
        } else if (m.tries < MAX_TRIES && now - m.since >= REORDER_MS && (m.tries === 0 || now - m.askedAt >= RETRY_MS)) {
          m.tries++;
          m.askedAt = now;
          due.push(seq);
        }
      }
      if (due.length) {
        this.counters.asked += due.length;
        this.nack(s.kind, ssrc, due);
      }
    }
  }

  /** A new parent (or none): its streams are new. */
  reset(): void {
    for (const ssrc of [...this.#streams.keys()]) this.#forget(ssrc);
  }

  /** Whether any packet is being waited for: the owner ticks only then. */
  get pending(): boolean {
    for (const s of this.#streams.values()) if (s.missing.size) return true;
    return false;
  }

  /** Whether a packet is being waited for (a page's NACK for it need not go up again). */
  awaiting(ssrc: number, seq: number): boolean {
    return this.#streams.get(ssrc)?.missing.has(seq) ?? false;
  }

  #forget(ssrc: number): void {
    const s = this.#streams.get(ssrc);
    if (!s) return;
    for (const seq of [...s.missing.keys()]) this.#giveUp(s, seq);
    this.#streams.delete(ssrc);
  }

  #giveUp(s: Stream, seq: number): void {
    s.missing.delete(seq);
    this.counters.lost++;
  }
}
