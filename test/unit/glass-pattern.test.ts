/**
 * The glass-to-glass benchmark's time stamp (scripts/bench/glass-pattern.ts): what the source page
 * paints must read back as the same time after what a video path does to a picture (scaling, blur,
 * noise, block quantization), and a picture that is not one clean stamp must read as nothing.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { seededRandom as rng } from '../../scripts/bench/proc-stats.js';
import { decodeStamp, STAMP_MODULO, stampBits, stampCells, unwrapStamp } from '../../scripts/bench/glass-pattern.js';


/** Grey levels of a frame as the source paints it: black background, white cells for 1 bits, a busy lower half. */
function paint(ms: number, w: number, h: number, random: () => number): Float64Array {
  const g = new Float64Array(w * h);
  for (let y = Math.floor(h / 2) + 4; y < h; y++) for (let x = 0; x < w; x++) g[y * w + x] = random() * 255;
  const bits = stampBits(ms);
  stampCells(w, h).forEach((c, i) => {
    if (!bits[i]) return;
    for (let y = Math.round(c.y); y < Math.round(c.y + c.h); y++) for (let x = Math.round(c.x); x < Math.round(c.x + c.w); x++) g[y * w + x] = 255;
  });
  return g;
}

/** Area-average downscale by an integer factor (what drawing a 720p frame onto a small canvas does, roughly). */
function shrink(g: Float64Array, w: number, h: number, k: number): Float64Array {
  const out = new Float64Array((w / k) * (h / k));
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[Math.floor(y / k) * (w / k) + Math.floor(x / k)]! += g[y * w + x]! / (k * k);
  return out;
}

/** Box blur of radius r (a soft decoder, a scaler's filter). */
function blur(g: Float64Array, w: number, h: number, r: number): Float64Array {
  const out = new Float64Array(g.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      let n = 0;
      for (let dy = -r; dy <= r; dy++) for (let dx = -r; dx <= r; dx++) {
        const yy = y + dy;
        const xx = x + dx;
        if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
        s += g[yy * w + xx]!;
        n++;
      }
      out[y * w + x] = s / n;
    }
  }
  return out;
}

/** Each 8×8 block quantized to its mean plus a coarse residual (a codec at a low bit rate). */
function blocky(g: Float64Array, w: number, h: number, step: number): Float64Array {
  const out = new Float64Array(g.length);
  for (let by = 0; by < h; by += 8) {
    for (let bx = 0; bx < w; bx += 8) {
      let s = 0;
      let n = 0;
      for (let y = by; y < Math.min(h, by + 8); y++) for (let x = bx; x < Math.min(w, bx + 8); x++) (s += g[y * w + x]!), n++;
      const mean = s / n;
      for (let y = by; y < Math.min(h, by + 8); y++) for (let x = bx; x < Math.min(w, bx + 8); x++) out[y * w + x] = mean + Math.round((g[y * w + x]! - mean) / step) * step;
    }
  }
  return out;
}

/** Grey levels to RGBA with independent noise (±amp) per channel, clamped like getImageData's bytes. */
function rgba(g: Float64Array, random: () => number, amp = 0): Uint8ClampedArray {
  const out = new Uint8ClampedArray(g.length * 4);
  for (let i = 0; i < g.length; i++) {
    for (let c = 0; c < 3; c++) out[i * 4 + c] = g[i]! + (random() * 2 - 1) * amp;
    out[i * 4 + 3] = 255;
  }
  return out;
}

test('a clean stamp reads back as its counter, at the edges of the range and in between', () => {
  const random = rng(1);
  const values = [0, 1, 255, 256, 65_535, STAMP_MODULO - 1, 0xa5a5a5, 0x5a5a5a];
  for (let i = 0; i < 40; i++) values.push(Math.floor(random() * STAMP_MODULO));
  for (const v of values) assert.is(decodeStamp(rgba(paint(v, 320, 180, random), random), 320, 180), v, `value ${v}`);
});

test('a time past the counter range is stamped mod 2^24', () => {
  const random = rng(2);
  const ms = 1_765_000_000_123.4;
  assert.is(decodeStamp(rgba(paint(ms, 320, 180, random), random), 320, 180), Math.round(ms) % STAMP_MODULO);
});

test('a 720p frame scaled to the reader canvas, blurred, blocked and noisy still reads exactly', () => {
  const random = rng(3);
  for (let i = 0; i < 20; i++) {
    const v = Math.floor(random() * STAMP_MODULO);
    let g = shrink(paint(v, 1280, 720, random), 1280, 720, 4);
    g = blur(g, 320, 180, 3);
    g = blocky(g, 320, 180, 48);
    assert.is(decodeStamp(rgba(g, random, 40), 320, 180), v, `value ${v}`);
  }
});

test('the stamp is read at 160×90 too (a smaller reader canvas)', () => {
  const random = rng(4);
  for (let i = 0; i < 10; i++) {
    const v = Math.floor(random() * STAMP_MODULO);
    const g = blur(shrink(paint(v, 640, 360, random), 640, 360, 4), 160, 90, 1);
    assert.is(decodeStamp(rgba(g, random, 30), 160, 90), v);
  }
});

test('a blend of two stamps, a black, white or grey frame, or noise reads as nothing, never as a wrong time', () => {
  const random = rng(5);
  for (let i = 0; i < 50; i++) {
    const a = Math.floor(random() * STAMP_MODULO);
    const b = (a + 1 + Math.floor(random() * 1000)) % STAMP_MODULO;
    const ga = paint(a, 320, 180, random);
    const gb = paint(b, 320, 180, random);
    const mix = ga.map((x, j) => (x + gb[j]!) / 2);
    assert.is(decodeStamp(rgba(mix, random, 10), 320, 180), null, `blend of ${a} and ${b}`);
  }
  for (const level of [0, 128, 255]) assert.is(decodeStamp(rgba(new Float64Array(320 * 180).fill(level), random), 320, 180), null, `flat ${level}`);
  let wrong = 0;
  for (let i = 0; i < 200; i++) {
    const noise = new Float64Array(160 * 90).map(() => (random() < 0.5 ? 0 : 255));
    if (decodeStamp(rgba(blur(noise, 160, 90, 0), random), 160, 90) !== null) wrong++;
  }
  assert.is(wrong, 0, 'pixel noise is no stamp');
});

/** A clean 320×180 stamp of a random counter whose cell `i` is then filled with `level(bit)`. */
function withCell(random: () => number, i: number, level: (on: boolean) => number): Uint8ClampedArray {
  const w = 320;
  const h = 180;
  const v = Math.floor(random() * STAMP_MODULO);
  const g = paint(v, w, h, random);
  const c = stampCells(w, h)[i]!;
  const fill = level(stampBits(v)[i]!);
  for (let y = Math.round(c.y); y < Math.round(c.y + c.h); y++) for (let x = Math.round(c.x); x < Math.round(c.x + c.w); x++) g[y * w + x] = fill;
  return rgba(g, random);
}

test('a flipped bit fails the check rather than reading as another time', () => {
  const random = rng(6);
  for (let i = 0; i < 32; i++) assert.is(decodeStamp(withCell(random, i, (on) => (on ? 0 : 255)), 320, 180), null, `bit ${i} flipped`);
});

test('one cell neither dark nor bright makes the frame unreadable, even when a guess would be right', () => {
  const random = rng(7);
  // grey on the side of its true value: a plain threshold at 128 would read the right bit
  for (let i = 0; i < 32; i++) assert.is(decodeStamp(withCell(random, i, (on) => (on ? 150 : 105)), 320, 180), null, `cell ${i} grey`);
});

test('unwrapStamp gives the latest wall time with that counter, across the counter wrapping', () => {
  const now = 5 * STAMP_MODULO + 100.5;
  assert.is(unwrapStamp(60, now), 5 * STAMP_MODULO + 60);
  assert.is(unwrapStamp(STAMP_MODULO - 40, now), 5 * STAMP_MODULO - 40);
  // a stamp up to aheadMs in the reader's future (two pages' clocks a little apart) is not a wrap
  assert.is(unwrapStamp(900, now), 5 * STAMP_MODULO + 900);
  assert.is(unwrapStamp(1200, now), 4 * STAMP_MODULO + 1200);
});

test.run();
