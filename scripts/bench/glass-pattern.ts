/**
 * The time stamp the glass-to-glass benchmark paints into each video frame and reads back from
 * each decoded one (pure, no DOM: the page bundle and the unit test share it).
 *
 * A stamp is 32 cells, 16 columns × 2 rows across the top half of the frame, each black (0) or
 * white (1): 24 bits of a millisecond counter (wall time mod 2^24, ~4.7 h) then a CRC-8 of them
 * (so a black or white frame is no stamp).
 * The cells are large (1/18 of the width) and read only in their middle half, so a codec's
 * blocking, blur and noise at any quality leave them readable; a frame whose cells are not all
 * clearly dark or bright (a blend of two frames, a half-decoded picture) or whose CRC does not
 * match reads as nothing rather than as a wrong time.
 */

export const STAMP_BITS = 24;
export const STAMP_MODULO = 2 ** STAMP_BITS;
const COLS = 16;
const ROWS = 2;
/** a cell whose middle is between these mean luminances is neither black nor white */
const DARK_BELOW = 80;
const BRIGHT_ABOVE = 176;

export interface Cell {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** The 32 cells of a stamp in a width × height frame, most significant bit first. */
export function stampCells(width: number, height: number): Cell[] {
  const x0 = width * 0.05;
  const y0 = height * 0.05;
  const w = (width * 0.9) / COLS;
  const h = (height * 0.45) / ROWS;
  const cells: Cell[] = [];
  for (let r = 0; r < ROWS; r++) for (let c = 0; c < COLS; c++) cells.push({ x: x0 + c * w, y: y0 + r * h, w, h });
  return cells;
}

/**
 * CRC-8 (polynomial 0x07) of the counter's three bytes, started at 0xa5 so that neither an
 * all-black nor an all-white frame is a valid stamp.
 */
export function crc8(value: number): number {
  let crc = 0xa5;
  for (const byte of [(value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff]) {
    crc ^= byte;
    for (let i = 0; i < 8; i++) crc = crc & 0x80 ? ((crc << 1) ^ 0x07) & 0xff : (crc << 1) & 0xff;
  }
  return crc;
}

/** The 32 cell values (true = white) for `ms`, which is taken mod 2^24. */
export function stampBits(ms: number): boolean[] {
  const value = ((Math.round(ms) % STAMP_MODULO) + STAMP_MODULO) % STAMP_MODULO;
  const word = value * 256 + crc8(value);
  const bits: boolean[] = [];
  for (let i = 31; i >= 0; i--) bits.push(Math.floor(word / 2 ** i) % 2 === 1);
  return bits;
}

/**
 * Reads a stamp from RGBA pixels (`width` × `height`, 4 bytes a pixel, as getImageData gives):
 * the counter (0 … 2^24 − 1), or null when the frame holds no clean stamp.
 */
export function decodeStamp(rgba: ArrayLike<number>, width: number, height: number): number | null {
  let word = 0;
  for (const cell of stampCells(width, height)) {
    const xa = Math.round(cell.x + cell.w / 4);
    const xb = Math.round(cell.x + (3 * cell.w) / 4);
    const ya = Math.round(cell.y + cell.h / 4);
    const yb = Math.round(cell.y + (3 * cell.h) / 4);
    let sum = 0;
    let n = 0;
    for (let y = ya; y < yb; y++) {
      for (let x = xa; x < xb; x++) {
        const i = (y * width + x) * 4;
        sum += (rgba[i]! + rgba[i + 1]! + rgba[i + 2]!) / 3;
        n++;
      }
    }
    if (n === 0) return null;
    const mean = sum / n;
    if (mean > DARK_BELOW && mean < BRIGHT_ABOVE) return null;
    word = word * 2 + (mean >= BRIGHT_ABOVE ? 1 : 0);
  }
  const value = Math.floor(word / 256);
  return crc8(value) === word % 256 ? value : null;
}

/**
 * The full wall time (ms) a counter read at `nowMs` stands for: the latest time ≤ `nowMs` + `aheadMs`
 * with that counter (a stamp cannot come from the future, bar clock skew between pages).
 */
export function unwrapStamp(value: number, nowMs: number, aheadMs = 1000): number {
  const limit = nowMs + aheadMs;
  const base = Math.floor(limit / STAMP_MODULO) * STAMP_MODULO;
  const t = base + value;
  return t <= limit ? t : t - STAMP_MODULO;
}
