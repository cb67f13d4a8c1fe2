/**
 * A listener's recording of the podcast: every RTP packet as received, in order, for up to `capMs`
 * of audio; past the cap the oldest is dropped. Packets have absolute indexes (0, 1, 2, … since
 * the buffer was made), so a player's cursor stays meaningful while the front is trimmed.
 *
 * Time: each packet gets a recorded time `t` (ms): its arrival time, except that a silence longer
 * than MAX_GAP_MS (the instructor stopped and restarted, or the tree lost the stream for a while)
 * counts as MAX_GAP_MS. So a player pacing by `t` replays the stream's own rhythm (its jitter
 * included) but never an hour of nothing, and the cap counts audio, not wall time.
 *
 * Memory: packets are copied into 256 KiB slabs with typed-array indexes (offset, length, time,
 * flags), ~0.55 MB per minute at 64 kbit/s: a JS object or Buffer per packet would cost more than
 * the audio itself (~3,000 packets a minute). A slab is released once all of it is trimmed.
 */

/** A pause in arrivals longer than this is not recorded as time (see above). */
export const MAX_GAP_MS = 500;
const SLAB_BYTES = 256 * 1024;
/** Opus at 64 kbit/s packs ~170 bytes per 20 ms: ~1,500 packets fill a slab before this does. */
const SLAB_PACKETS = 2048;
/** The packet follows a gap longer than MAX_GAP_MS: a new run of the stream starts with it. */
export const FLAG_BREAK = 1;

interface Slab {
  /** absolute index of its first packet */
  base: number;
  count: number;
  used: number;
  data: Buffer;
  offs: Uint32Array;
  lens: Uint16Array;
  ts: Float64Array;
  flags: Uint8Array;
}

export class PodcastBuffer {
  readonly #slabs: Slab[] = [];
  #first = 0;
  #end = 0;
  #bytes = 0;
  #lastArrival = -Infinity;
  #lastT = 0;
  /** packets trimmed by the cap since the buffer was made */
  trimmed = 0;

  constructor(readonly capMs: number) {
    if (!(capMs > 0)) throw new TypeError('capMs must be positive');
  }

  /** absolute index of the oldest packet kept */
  get first(): number {
    return this.#first;
  }
  /** absolute index after the newest packet */
  get end(): number {
    return this.#end;
  }
  get length(): number {
    return this.#end - this.#first;
  }
  /** bytes of packets kept */
  get bytes(): number {
    return this.#bytes;
  }
  /** bytes held, slabs and indexes included */
  get allocatedBytes(): number {
    return this.#slabs.length * (SLAB_BYTES + SLAB_PACKETS * (4 + 2 + 8 + 1));
  }
  /** recorded time of the newest packet, or null when empty */
  get newestT(): number | null {
    return this.length ? this.t(this.#end - 1) : null;
  }
  /** arrival (caller's clock) of the newest packet */
  get lastArrival(): number {
    return this.#lastArrival;
  }
  /** recorded audio kept, ms */
  get spanMs(): number {
    return this.length ? this.t(this.#end - 1) - this.t(this.#first) : 0;
  }

  /** The recorded time the newest audio would have now, if the stream still flows (for "behind live"). */
  liveT(now: number): number | null {
    const newest = this.newestT;
    if (newest === null) return null;
    return newest + Math.min(Math.max(0, now - this.#lastArrival), MAX_GAP_MS);
  }

  /** Appends a packet that arrived at `now` (ms, any monotonic clock); returns its index. */
  push(packet: Uint8Array, now: number): number {
    if (packet.length > 0xffff) throw new TypeError('packet too large');
    const gap = now - this.#lastArrival;
    const brk = this.#end === 0 || gap > MAX_GAP_MS;
    const t = this.#end === 0 ? 0 : this.#lastT + Math.max(0, Math.min(gap, MAX_GAP_MS));
    this.#lastArrival = now;
    this.#lastT = t;
    let slab = this.#slabs.at(-1);
    if (!slab || slab.count === SLAB_PACKETS || slab.used + packet.length > SLAB_BYTES) {
      slab = {
        base: this.#end,
        count: 0,
        used: 0,
        data: Buffer.allocUnsafeSlow(SLAB_BYTES),
        offs: new Uint32Array(SLAB_PACKETS),
        lens: new Uint16Array(SLAB_PACKETS),
        ts: new Float64Array(SLAB_PACKETS),
        flags: new Uint8Array(SLAB_PACKETS),
      };
      this.#slabs.push(slab);
    }
    const i = slab.count++;
    slab.data.set(packet, slab.used);
    slab.offs[i] = slab.used;
    slab.lens[i] = packet.length;
    slab.ts[i] = t;
    slab.flags[i] = brk ? FLAG_BREAK : 0;
    slab.used += packet.length;
    this.#bytes += packet.length;
    const index = this.#end++;
    this.#trim(t - this.capMs);
    return index;
  }

  /** The packet at absolute index `i` (a view into the buffer: copy it before keeping it). */
  packet(i: number): Buffer {
    const [slab, j] = this.#locate(i);
    return slab.data.subarray(slab.offs[j]!, slab.offs[j]! + slab.lens[j]!);
  }

  /** Recorded time of packet `i`. */
  t(i: number): number {
    const [slab, j] = this.#locate(i);
    return slab.ts[j]!;
  }

  flags(i: number): number {
    const [slab, j] = this.#locate(i);
    return slab.flags[j]!;
  }

  /** The first kept index whose recorded time is ≥ `t` (`end` when there is none). */
  indexAt(t: number): number {
    let lo = this.#first;
    let hi = this.#end;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.t(mid) < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  clear(): void {
    this.#slabs.length = 0;
    this.#first = this.#end;
    this.#bytes = 0;
  }

  /** Drops packets recorded before `t`. */
  #trim(t: number): void {
    while (this.#first < this.#end && this.t(this.#first) < t) {
      const [slab, j] = this.#locate(this.#first);
      this.#bytes -= slab.lens[j]!;
      this.#first++;
      this.trimmed++;
      if (this.#first >= slab.base + slab.count && slab !== this.#slabs.at(-1)) this.#slabs.shift();
    }
  }

  #locate(i: number): [Slab, number] {
    if (!Number.isInteger(i) || i < this.#first || i >= this.#end) throw new RangeError(`packet ${i} is not in the buffer [${this.#first}, ${this.#end})`);
    // Slabs are consecutive; a binary search over ~120 slabs an hour.
    let lo = 0;
    let hi = this.#slabs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.#slabs[mid]!.base <= i) lo = mid;
      else hi = mid - 1;
    }
    const slab = this.#slabs[lo]!;
    return [slab, i - slab.base];
  }
}
