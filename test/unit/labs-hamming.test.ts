import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  codewordPositions,
  decodeCodeword,
  encodeNibble,
  extractNibble,
  type HammingScheme,
  runHammingLab,
  syndromeOf,
} from '../../protocol/labs/hamming.js';
import { createRng } from '../../protocol/labs/rng.js';

const SCHEMES: HammingScheme[] = ['7,4', '8,4'];
const NIBBLES = Array.from({ length: 16 }, (_, n) => n);

test('every nibble encodes to a codeword with a zero syndrome that decodes back unchanged', () => {
  for (const scheme of SCHEMES) {
    for (const n of NIBBLES) {
      const word = encodeNibble(n, scheme);
      assert.is(syndromeOf(word), 0, `${scheme} nibble ${n}`);
      assert.is(extractNibble(word), n);
      const d = decodeCodeword(word, scheme);
      assert.is(d.status, 'ok');
      assert.is(d.nibble, n);
      if (scheme === '7,4') assert.is(word & 1, 0, 'position 0 stays unused in (7,4)');
    }
  }
});

test('every single-bit error in every nibble is corrected at the right position in both schemes', () => {
  for (const scheme of SCHEMES) {
    for (const n of NIBBLES) {
      for (const pos of codewordPositions(scheme)) {
        const d = decodeCodeword(encodeNibble(n, scheme) ^ (1 << pos), scheme);
        assert.is(d.status, 'corrected', `${scheme} nibble ${n} bit ${pos}`);
        assert.is(d.correctedBit, pos);
        assert.is(d.nibble, n);
        assert.is(d.word, encodeNibble(n, scheme));
      }
    }
  }
});

test('in SECDED every double error is detected and never silently corrected', () => {
  const positions = codewordPositions('8,4');
  let cases = 0;
  for (const n of NIBBLES) {
    for (let i = 0; i < positions.length; i++) {
      for (let j = i + 1; j < positions.length; j++) {
        const sent = encodeNibble(n, '8,4');
        const received = sent ^ (1 << positions[i]!) ^ (1 << positions[j]!);
        const d = decodeCodeword(received, '8,4');
        assert.is(d.status, 'detected', `nibble ${n} bits ${positions[i]},${positions[j]}`);
        assert.is(d.correctedBit, null);
        assert.is(d.word, received, 'a detected word is left exactly as received');
        cases++;
      }
    }
  }
  assert.is(cases, 16 * 28);
});

test('the extended code has minimum distance 4 and the (7,4) code distance 3', () => {
  const distance = (scheme: HammingScheme) => {
    let min = Infinity;
    for (const a of NIBBLES) {
      for (const b of NIBBLES) {
        if (a === b) continue;
        let x = encodeNibble(a, scheme) ^ encodeNibble(b, scheme);
        let bits = 0;
        for (; x; x &= x - 1) bits++;
        min = Math.min(min, bits);
      }
    }
    return min;
  };
  assert.is(distance('7,4'), 3);
  assert.is(distance('8,4'), 4);
});

test('a multi-byte UTF-8 text round-trips through seeded single errors in both schemes', () => {
  const text = 'Réseaux — Hamming ✓ 日本語 🚀 done';
  for (const scheme of SCHEMES) {
    const result = runHammingLab(text, { scheme, errors: { kind: 'random', seed: 42, probability: 0.6 } });
    assert.is(result.decodedText, text);
    assert.is(result.codewords.length, new TextEncoder().encode(text).length * 2);
    assert.ok(result.counts.corrected > 10, 'the seed actually injected errors');
    assert.is(result.counts.detected, 0);
    assert.is(result.counts.corrected + result.counts.ok, result.counts.codewords);
    assert.ok(result.codewords.every((c) => c.flipped.length <= 1 && c.intact));
  }
});

test('the same seed flips the same bits and a different seed flips others', () => {
  const run = (seed: number) =>
    runHammingLab('the same seed gives the same run', { scheme: '8,4', errors: { kind: 'random', seed, probability: 0.4, doubleProbability: 0.3 } })
      .codewords.map((c) => c.flipped.join('+'))
      .join(',');
  assert.is(run(7), run(7));
  assert.is.not(run(7), run(8));
});

test('chosen flips are applied exactly and the table records syndrome and correction', () => {
  const result = runHammingLab('A', { scheme: '7,4', errors: { kind: 'chosen', flips: { 1: [5] } } });
  const [high, low] = result.codewords;
  assert.is(high!.status, 'ok');
  assert.equal(high!.flipped, []);
  assert.is(high!.dataBits, '0100');
  assert.is(low!.dataBits, '0001');
  assert.equal(low!.flipped, [5]);
  assert.is(low!.syndrome, 5);
  assert.is(low!.correctedBit, 5);
  assert.is(low!.status, 'corrected');
  assert.is(low!.parityBits.length, 3);
  assert.is(result.decodedText, 'A');
  assert.equal(result.counts, { codewords: 2, flippedBits: 1, ok: 1, corrected: 1, detected: 0 });
});

test('SECDED reports chosen double errors as detected and counts them', () => {
  const result = runHammingLab('AB', { scheme: '8,4', errors: { kind: 'chosen', flips: { 0: [1, 6], 2: [0], 3: [2, 7] } } });
  assert.equal(
    result.codewords.map((c) => c.status),
    ['detected', 'ok', 'corrected', 'detected'],
  );
  assert.is(result.codewords[2]!.correctedBit, 0, 'a flipped overall parity bit is corrected at position 0');
  assert.is(result.counts.detected, 2);
  assert.is(result.counts.corrected, 1);
  assert.is(result.codewords[0]!.parityBits.length, 4);
});

test('SECDED with random double errors detects every one of them', () => {
  const rng = createRng(99);
  for (let round = 0; round < 20; round++) {
    const text = String.fromCharCode(...Array.from({ length: 40 }, () => 32 + rng.int(95)));
    const result = runHammingLab(text, {
      scheme: '8,4',
      errors: { kind: 'random', seed: rng.int(1e9), probability: 0.5, doubleProbability: 0.5 },
    });
    for (const c of result.codewords) {
      const expected = c.flipped.length === 2 ? 'detected' : c.flipped.length === 1 ? 'corrected' : 'ok';
      assert.is(c.status, expected);
      if (c.status !== 'detected') assert.ok(c.intact);
    }
  }
});

test('invalid error specifications are refused with a TypeError saying why', () => {
  assert.throws(() => runHammingLab('x', { scheme: '7,4', errors: { kind: 'chosen', flips: { 0: [1, 2] } } }), /at most 1/);
  assert.throws(() => runHammingLab('x', { scheme: '7,4', errors: { kind: 'chosen', flips: { 0: [0] } } }), /position 0/);
  assert.throws(() => runHammingLab('x', { scheme: '8,4', errors: { kind: 'chosen', flips: { 5: [1] } } }), /does not exist/);
  assert.throws(() => runHammingLab('x', { scheme: '8,4', errors: { kind: 'chosen', flips: { 0: [1, 2, 3] } } }), /at most 2/);
  assert.throws(() => runHammingLab('x', { scheme: '7,4', errors: { kind: 'random', seed: 1, probability: 0.1, doubleProbability: 0.1 } }), (e: unknown) => e instanceof TypeError);
  assert.throws(() => runHammingLab('x', { scheme: '8,4', errors: { kind: 'random', seed: 1, probability: 2 } }), /probability/);
});

test('an empty text gives an empty table', () => {
  const result = runHammingLab('', { scheme: '8,4', errors: { kind: 'random', seed: 1, probability: 1 } });
  assert.is(result.codewords.length, 0);
  assert.is(result.decodedText, '');
});

test.run();
