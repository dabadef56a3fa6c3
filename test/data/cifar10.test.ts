import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadDataset, parseCifarBatch } from '../../src/data/index.js';
import { rejectsDataset, tempDir } from './helpers.js';

const RECORD = 3073;

/** A batch in the official layout: label byte, then R plane, G plane, B plane (32×32 each, row-major). */
function cifarBatch(count: number, labelOf: (n: number) => number, pixel: (n: number, ch: number, y: number, x: number) => number) {
  const out = new Uint8Array(count * RECORD);
  for (let n = 0; n < count; n++) {
    out[n * RECORD] = labelOf(n);
    for (let ch = 0; ch < 3; ch++)
      for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) out[n * RECORD + 1 + ch * 1024 + y * 32 + x] = pixel(n, ch, y, x);
  }
  return out;
}

describe('CIFAR-10 binary batches', () => {
  it('converts channel-planar records to NHWC: a known pixel lands at the right position', () => {
    // Sample 1, channel G (1), row 5, column 7 is the only non-zero byte.
    const bytes = cifarBatch(
      2,
      (n) => n + 3,
      (n, ch, y, x) => (n === 1 && ch === 1 && y === 5 && x === 7 ? 200 : 0),
    );
    const split = parseCifarBatch(bytes, 'b.bin');
    assert.equal(split.count, 2);
    assert.deepEqual([...split.labels], [3, 4]);
    const at = 1 * 3072 + (5 * 32 + 7) * 3 + 1;
    assert.equal(split.images[at], 200);
    assert.equal(
      Array.from(split.images).reduce((a, b) => a + b, 0),
      200,
    );
  });

  it('keeps R, G, B interleaved per pixel', () => {
    const split = parseCifarBatch(
      cifarBatch(
        1,
        () => 0,
        (_n, ch, y, x) => (ch * 50 + y + x) % 256,
      ),
      'b.bin',
    );
    const p = (3 * 32 + 4) * 3;
    assert.deepEqual([...split.images.subarray(p, p + 3)], [7, 57, 107]);
  });

  it('rejects truncated files and bad labels, naming the file', async () => {
    const bytes = cifarBatch(
      2,
      () => 1,
      () => 0,
    );
    await rejectsDataset(
      () => parseCifarBatch(bytes.subarray(0, RECORD + 100), 'data_batch_3.bin'),
      'data_batch_3.bin:',
      `holds ${RECORD + 100} bytes`,
      '3073-byte records',
    );
    await rejectsDataset(
      () =>
        parseCifarBatch(
          cifarBatch(
            2,
            (n) => n * 10,
            () => 0,
          ),
          'test_batch.bin',
        ),
      'test_batch.bin:',
      'label 10 at index 1',
    );
  });

  it('loads a generated folder (cifar-10-batches-bin/ under the path) with the default crop+flip augmentation', async () => {
    const root = tempDir();
    const dir = join(root, 'cifar-10-batches-bin');
    mkdirSync(dir);
    for (let i = 1; i <= 5; i++)
      writeFileSync(
        join(dir, `data_batch_${i}.bin`),
        cifarBatch(
          4,
          (n) => (n + i) % 10,
          () => i,
        ),
      );
    writeFileSync(
      join(dir, 'test_batch.bin'),
      cifarBatch(
        3,
        (n) => n,
        () => 9,
      ),
    );
    const ds = await loadDataset({ name: 'cifar10', path: root, validation: { size: 5, seed: 2 } });
    assert.deepEqual(ds.shape, [32, 32, 3]);
    assert.equal(ds.train.count, 15);
    assert.equal(ds.validation.count, 5);
    assert.equal(ds.test.count, 3);
    assert.deepEqual(ds.augment, { pad: 4, flip: true });
    assert.equal(ds.test.images[0], 9);
  });

  it('reports a missing batch file by name', async () => {
    const dir = tempDir();
    await rejectsDataset(() => loadDataset({ name: 'cifar10', path: dir }), 'data_batch_1.bin', 'file not found');
  });
});
