/**
 * The Hamming lab: Hamming (7,4) and extended Hamming (8,4) SECDED over a whole UTF-8 text.
 * Every byte becomes two codewords (high nibble first); the channel flips chosen or seeded-random
 * bits; the decoder computes the syndrome, corrects single errors and, in SECDED, detects double
 * errors without touching them. Pure: no I/O, randomness only from the seed given.
 *
 * A codeword is an integer whose bit i is the bit at position i. Positions 1..7 are the classic
 * layout p1 p2 d1 p4 d2 d3 d4, so the syndrome of a single error IS its position; SECDED adds the
 * overall parity bit p0 at position 0. (7,4) never uses position 0.
 */
import { createRng } from './rng.js';

export const HAMMING_SCHEMES = ['7,4', '8,4'] as const;
/** '7,4' corrects one error per codeword; '8,4' (SECDED) also detects two. */
export type HammingScheme = (typeof HAMMING_SCHEMES)[number];

/** What the decoder concluded about one codeword. */
export const HAMMING_STATUSES = ['ok', 'corrected', 'detected'] as const;
export type HammingStatus = (typeof HAMMING_STATUSES)[number];

/** Positions of d1..d4: the non-powers of two, so each data bit is covered by ≥ 2 parity bits. */
const DATA_POSITIONS = [3, 5, 6, 7] as const;

/** Positions of the parity bits, in the order the UI shows them. */
export const parityPositions = (scheme: HammingScheme): readonly number[] =>
  scheme === '8,4' ? [0, 1, 2, 4] : [1, 2, 4];

/** Every position a bit can sit at (and be flipped at) in this scheme, in display order. */
export const codewordPositions = (scheme: HammingScheme): readonly number[] =>
  scheme === '8,4' ? [0, 1, 2, 3, 4, 5, 6, 7] : [1, 2, 3, 4, 5, 6, 7];

const bitAt = (word: number, pos: number): number => (word >>> pos) & 1;
const parity8 = (word: number): number => {
  let x = word & 0xff;
  x ^= x >>> 4;
  x ^= x >>> 2;
  x ^= x >>> 1;
  return x & 1;
};

/** XOR of the positions (1..7) holding a 1: zero for a valid codeword, the error position otherwise. */
export function syndromeOf(word: number): number {
  let s = 0;
  for (let pos = 1; pos <= 7; pos++) if (bitAt(word, pos)) s ^= pos;
  return s;
}

/** Encodes a 4-bit value (d1 = most significant bit) into a codeword. */
export function encodeNibble(nibble: number, scheme: HammingScheme): number {
  if (!Number.isInteger(nibble) || nibble < 0 || nibble > 15) {
    throw new TypeError(`a nibble is an integer in [0, 15], got ${nibble}`);
  }
  let word = 0;
  DATA_POSITIONS.forEach((pos, i) => {
    if ((nibble >>> (3 - i)) & 1) word |= 1 << pos;
  });
  // Setting parity bit 2^k to the k-th syndrome bit zeroes the syndrome.
  const s = syndromeOf(word);
  for (const pos of [1, 2, 4]) if (s & pos) word |= 1 << pos;
  if (scheme === '8,4' && parity8(word)) word |= 1;
  return word;
}

/** Reads d1..d4 back out of a codeword (no correction). */
export function extractNibble(word: number): number {
  return DATA_POSITIONS.reduce((n, pos) => (n << 1) | bitAt(word, pos), 0);
}

/** The decoder's view of one received codeword. */
export interface HammingDecoding {
  /** 3-bit syndrome over positions 1..7. */
  syndrome: number;
  /** SECDED only: parity of all 8 received bits (1 = an odd number of bits flipped). */
  overallParity: 0 | 1 | null;
  /** Position flipped back, or null when nothing was corrected. */
  correctedBit: number | null;
  status: HammingStatus;
  /** The word after correction (unchanged when ok or detected). */
  word: number;
  /** Data bits of `word`: untrustworthy when status is 'detected'. */
  nibble: number;
}

/**
 * Decodes one codeword. SECDED: syndrome 0 and even parity → ok; odd parity → single error at the
 * syndrome's position (0 means p0 itself); nonzero syndrome with even parity → two errors,
 * reported as 'detected' and left alone, because "correcting" would flip a third, good bit.
 */
export function decodeCodeword(received: number, scheme: HammingScheme): HammingDecoding {
  const syndrome = syndromeOf(received);
  const result = (status: HammingStatus, correctedBit: number | null, overall: 0 | 1 | null) => {
    const word = correctedBit === null ? received : received ^ (1 << correctedBit);
    return { syndrome, overallParity: overall, correctedBit, status, word, nibble: extractNibble(word) };
  };
  if (scheme === '7,4') return syndrome === 0 ? result('ok', null, null) : result('corrected', syndrome, null);
  const overall = parity8(received) as 0 | 1;
  if (overall === 1) return result('corrected', syndrome, overall);
  return syndrome === 0 ? result('ok', null, overall) : result('detected', null, overall);
}

/** Formats a codeword as bits in position order (p1 p2 d1 p4 d2 d3 d4, with p0 first in SECDED). */
export function formatCodeword(word: number, scheme: HammingScheme): string {
  return codewordPositions(scheme).map((pos) => bitAt(word, pos)).join('');
}

/** How the simulated channel damages codewords. */
export type HammingErrorSpec =
  | { kind: 'none' }
  /**
   * Each codeword independently gets one flipped bit with `probability` (position uniform over the
   * scheme's positions); in SECDED a damaged codeword gets a second flip with `doubleProbability`.
   */
  | { kind: 'random'; seed: number; probability: number; doubleProbability?: number }
  /** Exactly these positions per codeword index (≤ 1 per codeword for 7,4, ≤ 2 for SECDED). */
  | { kind: 'chosen'; flips: Readonly<Record<number, readonly number[]>> };

/** Which code to use and how the channel damages it (default: no errors). */
export interface HammingLabOptions {
  scheme: HammingScheme;
  errors?: HammingErrorSpec;
}

/** One row of the lab's table: everything the UI shows for one codeword. */
export interface HammingCodewordRecord {
  index: number;
  /** Which byte of the UTF-8 text, and which half of it, this codeword carries. */
  byteIndex: number;
  half: 'high' | 'low';
  /** The 4 data bits sent, as a number and as d1..d4. */
  data: number;
  dataBits: string;
  /** Parity bits in parityPositions() order (p1 p2 p4, or p0 p1 p2 p4). */
  parityBits: string;
  sent: number;
  sentBits: string;
  received: number;
  receivedBits: string;
  /** Positions the channel flipped, ascending. */
  flipped: number[];
  syndrome: number;
  overallParity: 0 | 1 | null;
  correctedBit: number | null;
  status: HammingStatus;
  /** Data bits after decoding. */
  decoded: number;
  /** Whether the decoded data equals the data sent (false only for detected double errors). */
  intact: boolean;
}

/** The whole run: the table rows, the decoded text and the counts of each status. */
export interface HammingLabResult {
  scheme: HammingScheme;
  inputBytes: Uint8Array;
  codewords: HammingCodewordRecord[];
  decodedBytes: Uint8Array;
  /** Decoded as UTF-8 with replacement characters where detected errors broke a sequence. */
  decodedText: string;
  counts: { codewords: number; flippedBits: number; ok: number; corrected: number; detected: number };
}

const maxFlips = (scheme: HammingScheme): number => (scheme === '8,4' ? 2 : 1);

/** Turns an error spec into per-codeword flip lists; throws TypeError with the reason if invalid. */
function planFlips(scheme: HammingScheme, count: number, spec: HammingErrorSpec): number[][] {
  const positions = codewordPositions(scheme);
  const plan: number[][] = Array.from({ length: count }, () => []);
  if (spec.kind === 'none') return plan;
  if (spec.kind === 'random') {
    const { probability, doubleProbability = 0 } = spec;
    for (const [name, p] of [['probability', probability], ['doubleProbability', doubleProbability]] as const) {
      if (!(p >= 0 && p <= 1)) throw new TypeError(`${name} must be in [0, 1], got ${p}`);
    }
    if (scheme === '7,4' && doubleProbability > 0) {
      throw new TypeError('Hamming (7,4) takes at most one error per codeword; use SECDED (8,4) for two');
    }
    const rng = createRng(spec.seed);
    for (const flips of plan) {
      if (!rng.chance(probability)) continue;
      flips.push(positions[rng.int(positions.length)]!);
      if (rng.chance(doubleProbability)) {
        // Pick among the other positions so the two flips never cancel out.
        const others = positions.filter((p) => p !== flips[0]);
        flips.push(others[rng.int(others.length)]!);
      }
      flips.sort((a, b) => a - b);
    }
    return plan;
  }
  for (const [key, list] of Object.entries(spec.flips)) {
    const index = Number(key);
    if (!Number.isInteger(index) || index < 0 || index >= count) {
      throw new TypeError(`codeword ${key} does not exist (the text has ${count} codewords)`);
    }
    const unique = [...new Set(list)].sort((a, b) => a - b);
    if (unique.length !== list.length) throw new TypeError(`codeword ${index}: a position is listed twice`);
    if (unique.length > maxFlips(scheme)) {
      throw new TypeError(`codeword ${index}: at most ${maxFlips(scheme)} flipped bit(s) in Hamming (${scheme})`);
    }
    for (const pos of unique) {
      if (!positions.includes(pos)) {
        throw new TypeError(`codeword ${index}: position ${pos} is not in ${positions[0]}..${positions.at(-1)}`);
      }
    }
    plan[index] = unique;
  }
  return plan;
}

/** Runs the whole lab: encode the text, damage it, decode it, and tabulate every codeword. */
export function runHammingLab(text: string, options: HammingLabOptions): HammingLabResult {
  const { scheme } = options;
  if (!HAMMING_SCHEMES.includes(scheme)) throw new TypeError(`unknown Hamming scheme ${String(scheme)}`);
  const inputBytes = new TextEncoder().encode(text);
  const plan = planFlips(scheme, inputBytes.length * 2, options.errors ?? { kind: 'none' });
  const decodedBytes = new Uint8Array(inputBytes.length);
  const counts = { codewords: plan.length, flippedBits: 0, ok: 0, corrected: 0, detected: 0 };
  const codewords = plan.map((flipped, index): HammingCodewordRecord => {
    const byteIndex = index >> 1;
    const half = index % 2 === 0 ? 'high' : 'low';
    const data = half === 'high' ? inputBytes[byteIndex]! >>> 4 : inputBytes[byteIndex]! & 0x0f;
    const sent = encodeNibble(data, scheme);
    const received = flipped.reduce((w, pos) => w ^ (1 << pos), sent);
    const d = decodeCodeword(received, scheme);
    decodedBytes[byteIndex] = decodedBytes[byteIndex]! | (half === 'high' ? d.nibble << 4 : d.nibble);
    counts.flippedBits += flipped.length;
    counts[d.status]++;
    return {
      index,
      byteIndex,
      half,
      data,
      dataBits: data.toString(2).padStart(4, '0'),
      parityBits: parityPositions(scheme).map((pos) => bitAt(sent, pos)).join(''),
      sent,
      sentBits: formatCodeword(sent, scheme),
      received,
      receivedBits: formatCodeword(received, scheme),
      flipped,
      syndrome: d.syndrome,
      overallParity: d.overallParity,
      correctedBit: d.correctedBit,
      status: d.status,
      decoded: d.nibble,
      intact: d.nibble === data,
    };
  });
  const decodedText = new TextDecoder('utf-8', { fatal: false }).decode(decodedBytes);
  return { scheme, inputBytes, codewords, decodedBytes, decodedText, counts };
}
