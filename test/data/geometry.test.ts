import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { datasetGeometry, encodeIdx, parseDatasetSpec, readDataset } from '../../src/data/index.js';
import { tempDir } from './helpers.js';

/** The geometry a process that trains nothing (the mesh controller) places candidates in for latency. */
describe('datasetGeometry', () => {
  it('mnist: the loader’s own shape and class count, without reading the files', async () => {
    const spec = parseDatasetSpec({ name: 'mnist' });
    const { shape, classes } = await readDataset(spec);
    assert.deepEqual(await datasetGeometry(spec), { shape, classes });
    assert.deepEqual(await datasetGeometry(parseDatasetSpec({ name: 'cifar10', path: '/nonexistent' })), {
      shape: [32, 32, 3],
      classes: 10,
    });
  });

  it('idx: read from the files (sample shape, classes inferred or given)', async () => {
    const dir = tempDir();
    const img = (n: number) => encodeIdx([n, 5, 3, 2], new Uint8Array(n * 30));
    const lab = (n: number) =>
      encodeIdx(
        [n],
        Uint8Array.from({ length: n }, (_, i) => i % 4),
      );
    writeFileSync(join(dir, 'train-images-idx4-ubyte'), img(8));
    writeFileSync(join(dir, 'train-labels-idx1-ubyte'), lab(8));
    writeFileSync(join(dir, 't10k-images-idx4-ubyte'), img(4));
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), lab(4));
    assert.deepEqual(await datasetGeometry(parseDatasetSpec({ name: 'idx', path: dir })), { shape: [5, 3, 2], classes: 4 });
    assert.deepEqual(await datasetGeometry(parseDatasetSpec({ name: 'idx', path: dir, classes: 7 })), { shape: [5, 3, 2], classes: 7 });
  });
});
