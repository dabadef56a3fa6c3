import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { carveValidation, channelStats, stratifiedIndices } from '../../src/data/index.js';
import { Rng } from '../../src/util/rng.js';
import { fakeSplit } from './helpers.js';

/** Sample ids of a split built by fakeSplit with count < 251 (first byte of each sample is its id). */
const ids = (images: ArrayLike<number>, count: number, sample: number) => Array.from({ length: count }, (_, i) => images[i * sample]!);

describe('validation split', () => {
  const split = fakeSplit(200, 3, 4);

  it('has the requested size, is stratified, and does not overlap training', () => {
    const { train, validation } = carveValidation(split, 4, 3, 40, new Rng(7));
    assert.equal(validation.count, 40);
    assert.equal(train.count, 160);
    const perClass = [0, 0, 0, 0];
    validation.labels.forEach((l) => perClass[l]!++);
    assert.deepEqual(perClass, [10, 10, 10, 10]);
    const v = ids(validation.images, validation.count, 3);
    const t = ids(train.images, train.count, 3);
    assert.equal(new Set([...v, ...t]).size, 200, 'every sample is in exactly one of the two');
    // Labels travel with their images.
    validation.labels.forEach((l, i) => assert.equal(l, v[i]! % 4));
  });

  it('same seed gives the same split, a different seed a different one', () => {
    const a = carveValidation(split, 4, 3, 30, new Rng(1)).validation;
    const b = carveValidation(split, 4, 3, 30, new Rng(1)).validation;
    const c = carveValidation(split, 4, 3, 30, new Rng(2)).validation;
    assert.deepEqual(ids(a.images, 30, 3), ids(b.images, 30, 3));
    assert.notDeepEqual(ids(a.images, 30, 3), ids(c.images, 30, 3));
  });

  it('rounds class quotas so the total is exact with unbalanced classes', () => {
    const labels = Uint8Array.from({ length: 101 }, (_, i) => (i < 70 ? 0 : i < 95 ? 1 : 2));
    const picked = stratifiedIndices(labels, 3, 17, new Rng(3));
    assert.equal(picked.length, 17);
    assert.equal(new Set(picked).size, 17);
    const perClass = [0, 0, 0];
    picked.forEach((i) => perClass[labels[i]!]!++);
    assert.deepEqual(perClass, [12, 4, 1]); // 11.78, 4.21, 1.01
  });

  it('size 0 gives an empty validation split', () => {
    const { train, validation } = carveValidation(split, 4, 3, 0, new Rng(1));
    assert.equal(validation.count, 0);
    assert.equal(train.count, 200);
  });
});

describe('channelStats', () => {
  it('computes per-channel mean and std in [0, 1] units', () => {
    // Two 1×1×2 samples: channel 0 = 0 and 255, channel 1 = 51 and 51.
    const stats = channelStats({ images: Uint8Array.of(0, 51, 255, 51), labels: Uint8Array.of(0, 0), count: 2 }, [1, 1, 2]);
    assert.ok(Math.abs(stats.mean[0]! - 0.5) < 1e-6);
    assert.ok(Math.abs(stats.std[0]! - 0.5) < 1e-6);
    assert.ok(Math.abs(stats.mean[1]! - 0.2) < 1e-6);
    assert.equal(stats.std[1], 1, 'a constant channel gets std 1, not 0');
  });

  it('treats float images as already scaled', () => {
    const stats = channelStats({ images: Float32Array.of(0.25, 0.75), labels: Uint8Array.of(0, 0), count: 2 }, [1, 1, 1]);
    assert.ok(Math.abs(stats.mean[0]! - 0.5) < 1e-6);
    assert.ok(Math.abs(stats.std[0]! - 0.25) < 1e-6);
  });
});
