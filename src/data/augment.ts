import type { Rng } from '../util/rng.js';
import type { Augmentation, Shape } from './types.js';

/** One sample's draw: crop offset in [-pad, pad] per axis and whether to mirror. */
export interface AugmentDraw {
  dy: number;
  dx: number;
  flip: boolean;
}

/** Draws in a fixed order (dy, dx, flip) so a seed fixes every sample's augmentation. */
export function drawAugment(aug: Augmentation, rng: Rng): AugmentDraw {
  const dy = aug.pad > 0 ? rng.int(2 * aug.pad + 1) - aug.pad : 0;
  const dx = aug.pad > 0 ? rng.int(2 * aug.pad + 1) - aug.pad : 0;
  const flip = aug.flip ? rng.next() < 0.5 : false;
  return { dy, dx, flip };
}

/**
 * Writes one augmented sample into `dst` as pixel values (not yet normalised): the h×w window at offset (dy, dx) of
 * the image zero-padded on every side, i.e. the usual pad-then-random-crop, then optionally mirrored left-right.
 */
export function augmentSample(
  src: ArrayLike<number>,
  srcOffset: number,
  dst: Float32Array,
  dstOffset: number,
  shape: Shape,
  draw: AugmentDraw,
  scale: number,
): void {
  const [h, w, c] = shape;
  for (let y = 0; y < h; y++) {
    const sy = y + draw.dy;
    for (let x = 0; x < w; x++) {
      const cx = draw.flip ? w - 1 - x : x;
      const sx = cx + draw.dx;
      const out = dstOffset + (y * w + x) * c;
      if (sy < 0 || sy >= h || sx < 0 || sx >= w) {
        for (let ch = 0; ch < c; ch++) dst[out + ch] = 0;
      } else {
        const inp = srcOffset + (sy * w + sx) * c;
        for (let ch = 0; ch < c; ch++) dst[out + ch] = src[inp + ch]! * scale;
      }
    }
  }
}
