import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { augmentSample, batches } from '../../src/data/index.js';
import type { Shape } from '../../src/data/index.js';
import { Rng } from '../../src/util/rng.js';
import { fakeSplit } from './helpers.js';

const SHAPE: Shape = [4, 4, 2];
const SAMPLE = 32;

describe('batches', () => {
  const split = fakeSplit(23, SAMPLE, 5);

  it('covers every sample exactly once per epoch, last batch partial', () => {
    const rng = new Rng(1);
    for (let epoch = 0; epoch < 2; epoch++) {
      const seen: number[] = [];
      const sizes: number[] = [];
      for (const b of batches(split, 5, rng)) {
        sizes.push(b.count);
        assert.equal(b.x.length, b.count * SAMPLE);
        assert.equal(b.y.length, b.count);
        for (let i = 0; i < b.count; i++) {
          const id = Math.round(b.x[i * SAMPLE]! * 255);
          assert.equal(b.y[i], id % 5, 'label matches its image');
          seen.push(id);
        }
      }
      assert.deepEqual(sizes, [5, 5, 5, 5, 3]);
      assert.deepEqual(
        [...seen].sort((a, b) => a - b),
        Array.from({ length: 23 }, (_, i) => i),
      );
    }
  });

  it('shuffles deterministically per seed, and keeps order with shuffle: false', () => {
    const order = (seed: number, shuffle = true) => [...batches(split, 4, new Rng(seed), { shuffle })].flatMap((b) => [...b.y]);
    assert.deepEqual(order(3), order(3));
    assert.notDeepEqual(order(3), order(4));
    assert.deepEqual(
      order(3, false),
      Array.from({ length: 23 }, (_, i) => i % 5),
    );
  });

  it('normalises with the given stats', () => {
    const stats = { mean: Float32Array.of(0.5, 0), std: Float32Array.of(0.5, 2) };
    const [b] = [...batches(fakeSplit(2, SAMPLE, 1), 2, new Rng(0), { shuffle: false, normalize: stats })];
    // Sample 1 holds byte 1 everywhere: channel 0 → (1/255 - 0.5) / 0.5, channel 1 → (1/255) / 2.
    assert.ok(Math.abs(b!.x[SAMPLE]! - (1 / 255 - 0.5) / 0.5) < 1e-6);
    assert.ok(Math.abs(b!.x[SAMPLE + 1]! - 1 / 255 / 2) < 1e-6);
  });

  it('augments deterministically per seed, keeping shape', () => {
    const img = fakeSplit(8, SAMPLE, 2);
    for (let i = 0; i < img.images.length; i++) img.images[i] = (i * 37) % 256;
    const run = (seed: number) =>
      [...batches(img, 3, new Rng(seed), { augment: { pad: 2, flip: true }, shape: SHAPE })].flatMap((b) => [...b.x]);
    const a = run(9);
    assert.equal(a.length, 8 * SAMPLE);
    assert.deepEqual(a, run(9));
    assert.notDeepEqual(a, run(10));
  });

  it('rejects a shape that does not match the samples', () => {
    assert.throws(() => [...batches(split, 4, new Rng(0), { augment: { pad: 1, flip: false }, shape: [3, 3, 3] })], RangeError);
    assert.throws(() => [...batches(split, 0, new Rng(0))], RangeError);
  });
});

describe('augmentSample', () => {
  // A 3×3×1 image with pixels 1..9, row-major.
  const src = Uint8Array.from({ length: 9 }, (_, i) => i + 1);
  const run = (dy: number, dx: number, flip: boolean) => {
    const dst = new Float32Array(9);
    augmentSample(src, 0, dst, 0, [3, 3, 1], { dy, dx, flip }, 1);
    return [...dst];
  };

  it('identity, shifted crop with zero padding, and mirror', () => {
    assert.deepEqual(run(0, 0, false), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.deepEqual(run(1, 1, false), [5, 6, 0, 8, 9, 0, 0, 0, 0]);
    assert.deepEqual(run(-1, 0, false), [0, 0, 0, 1, 2, 3, 4, 5, 6]);
    assert.deepEqual(run(0, 0, true), [3, 2, 1, 6, 5, 4, 9, 8, 7]);
  });
});
