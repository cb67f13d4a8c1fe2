/**
 * What one student may ask of the host, per second (docs/protocol.md, "Limits"): token buckets per
 * member id and per source address. A member id comes from the agent's own key, and a student
 * can make as many keys as it likes, so one student can join under many ids; they all come from its machine's address, and share that address's
 * budget (twice one member's, for a second agent on the same machine). Sessions from the host's
 * own loopback (127.0.0.1, ::1) have no address budget: only the host's machine can use it, and
 * tests and labs run whole classes there. The instructor is never limited.
 */
import { CHAT_BURST, CHAT_RATE_PER_SEC } from '../../protocol/chat.js';

export interface Budget {
  /** tokens added per second */
  rate: number;
  /** the most tokens a bucket holds (what may come at once) */
  burst: number;
}

export type LimitKind = 'chat' | 'history' | 'connect' | 'hand' | 'poll' | 'standby' | 'files' | 'signal' | 'podcast' | 'present';

export const HOST_LIMITS: Record<LimitKind, Budget> = {
  /** chat-send: more than a person types; a flood is refused THROTTLED and the outbox retries */
  chat: { rate: CHAT_RATE_PER_SEC, burst: CHAT_BURST },
  /** chat-history: each answer is one batch (≤ 40 KB), so catching up pages at ≤ 10 × 40 KB/s */
  history: { rate: 10, burst: 20 },
  /** connect (a direct edge): labs and uploads need one or two */
  connect: { rate: 1, burst: 4 },
  /** hand up/down: each is a roster change for everyone */
  hand: { rate: 2, burst: 4 },
  /** poll-answer: a student changing its mind; the member's agent resends a refused answer later */
  poll: { rate: 2, burst: 5 },
  /**
   * a standby parent planned for a member (after its standby edge failed, or it switched to it):
   * each is a PeerConnection at another student's machine, so a member that keeps failing or
   * switching its standby gets a new one at most this often
   */
  standby: { rate: 0.5, burst: 3 },
  /**
   * files-list and files-manifest: each reads a folder or a file's chunk hashes on the host. A
   * download asks one manifest page per 600 chunks (~150 MB) and browsing a few lists a second;
   * past it the answer is THROTTLED (the Files view says so and the person tries again)
   */
  files: { rate: 10, burst: 30 },
  /**
   * signal: relayed to the other end of an edge, whose agent hands it to libdatachannel. An edge
   * takes an offer or answer and a dozen candidates, and a whole class may arrive through one NAT;
   * past this (well above that) the excess is dropped
   */
  signal: { rate: 100, burst: 300 },
  /** podcast-listener: sent on a change of the player, at most every 2 s; the excess is dropped */
  podcast: { rate: 1, burst: 5 },
  /** present-start / present-stop: the invited student shares or stops a few times at most */
  present: { rate: 1, burst: 4 },
};

/** How many member ids' budget one address gets. */
export const ADDRESS_SHARE = 2;
/** Direct edges a member may be an end of at once (either end asked); more are refused THROTTLED. */
export const MAX_DIRECT_EDGES_PER_MEMBER = 4;

const UNLIMITED_ADDRESSES = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

interface Bucket {
  tokens: number;
  at: number;
}

/** Token buckets by key; forgets full buckets (and, past `maxKeys`, the oldest) so it stays small. */
export class RateBuckets {
  readonly #buckets = new Map<string, Bucket>();

  constructor(
    readonly budget: Budget,
    private readonly maxKeys = 4096,
  ) {}

  /** ms until `key` has a token; 0 when it has one now. */
  wait(key: string, now = Date.now()): number {
    const tokens = this.#refill(key, now);
    return tokens >= 1 ? 0 : Math.ceil(((1 - tokens) / this.budget.rate) * 1000);
  }

  /** Takes a token (call after `wait` returned 0). */
  take(key: string, now = Date.now()): void {
    const tokens = this.#refill(key, now);
    this.#buckets.delete(key); // re-inserted last: the map's order is least recently used first
    this.#buckets.set(key, { tokens: tokens - 1, at: now });
    if (this.#buckets.size > this.maxKeys) this.#prune(now);
  }

  get size(): number {
    return this.#buckets.size;
  }

  #refill(key: string, now: number): number {
    const b = this.#buckets.get(key);
    if (!b) return this.budget.burst;
    return Math.min(this.budget.burst, b.tokens + ((now - b.at) / 1000) * this.budget.rate);
  }

  #prune(now: number): void {
    for (const [key, b] of this.#buckets) {
      if (b.tokens + ((now - b.at) / 1000) * this.budget.rate >= this.budget.burst) this.#buckets.delete(key);
    }
    for (const key of this.#buckets.keys()) {
      if (this.#buckets.size <= this.maxKeys) break;
      this.#buckets.delete(key);
    }
  }
}

/** One budget per kind, for member ids and for their addresses. */
export class HostLimits {
  readonly #members = new Map<LimitKind, RateBuckets>();
  readonly #addresses = new Map<LimitKind, RateBuckets>();
  /** requests refused, by kind: the attack tests and figures read these */
  readonly refused = new Map<LimitKind, number>();

  constructor(limits: Record<LimitKind, Budget> = HOST_LIMITS) {
    for (const [kind, budget] of Object.entries(limits) as [LimitKind, Budget][]) {
      this.#members.set(kind, new RateBuckets(budget));
      this.#addresses.set(kind, new RateBuckets({ rate: budget.rate * ADDRESS_SHARE, burst: budget.burst * ADDRESS_SHARE }));
    }
  }

  /**
   * One request of `kind` from member `id` at `address`: 0 when allowed (a token taken from both
   * budgets), else the ms until it would be (nothing taken).
   */
  take(kind: LimitKind, id: string, address: string): number {
    const now = Date.now();
    const member = this.#members.get(kind)!;
    const byAddress = UNLIMITED_ADDRESSES.has(address) ? null : this.#addresses.get(kind)!;
    const wait = Math.max(member.wait(id, now), byAddress?.wait(address, now) ?? 0);
    if (wait > 0) {
      this.refused.set(kind, (this.refused.get(kind) ?? 0) + 1);
      return wait;
    }
    member.take(id, now);
    byAddress?.take(address, now);
    return 0;
  }
}
