import type { SupernetBatch } from '../../src/train/supernet/supernet.js';
import type { Rng } from '../../src/util/rng.js';

/** An easy 4-class task a tiny supernet learns within tens of steps: label = the bright quadrant of 8x8 noise. */
export function quadrantBatch(rng: Rng, n = 8): SupernetBatch {
  const x = new Float32Array(n * 64);
  const y = new Int32Array(n);
  for (let b = 0; b < n; b++) {
    const q = rng.int(4);
    y[b] = q;
    for (let r = 0; r < 8; r++) {
      for (let c = 0; c < 8; c++) {
        const inQ = (r < 4 ? 0 : 2) + (c < 4 ? 0 : 1) === q;
        x[b * 64 + r * 8 + c] = 0.5 * rng.normal() + (inQ ? 1.5 : -0.5);
      }
    }
  }
  return { x, y, count: n };
}
