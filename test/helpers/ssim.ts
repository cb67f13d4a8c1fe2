/**
 * Structural similarity of two 8-bit grey images of the same size (Wang et al. 2004): mean SSIM over
 * non-overlapping 8x8 windows, with C1 = (0.01·255)², C2 = (0.03·255)². 1 = identical; blur and
 * blocking around text pull it down, which is why it stands for "legible" in the screen tests.
 */
const C1 = (0.01 * 255) ** 2;
const C2 = (0.03 * 255) ** 2;
const WIN = 8;

/**
 * `detailOnly`: average only the windows where `a` is not flat (variance > 100: text strokes), so a
 * page of mostly white background cannot hide blurred letters.
 */
export function ssim(a: Uint8Array, b: Uint8Array, width: number, height: number, detailOnly = false): number {
  let sum = 0;
  let windows = 0;
  for (let y = 0; y + WIN <= height; y += WIN) {
    for (let x = 0; x + WIN <= width; x += WIN) {
      let ma = 0, mb = 0;
      for (let j = 0; j < WIN; j++) for (let i = 0; i < WIN; i++) {
        const k = (y + j) * width + x + i;
        ma += a[k]!;
        mb += b[k]!;
      }
      const n = WIN * WIN;
      ma /= n;
      mb /= n;
      let va = 0, vb = 0, cov = 0;
      for (let j = 0; j < WIN; j++) for (let i = 0; i < WIN; i++) {
        const k = (y + j) * width + x + i;
        const da = a[k]! - ma;
        const db = b[k]! - mb;
        va += da * da;
        vb += db * db;
        cov += da * db;
      }
      va /= n - 1;
      vb /= n - 1;
      cov /= n - 1;
      if (detailOnly && va <= 100) continue;
      sum += ((2 * ma * mb + C1) * (2 * cov + C2)) / ((ma * ma + mb * mb + C1) * (va + vb + C2));
      windows++;
    }
  }
  return windows ? sum / windows : 1;
}
