import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { encodeIdx, findIdxFiles, loadDataset, loadIdxDataset, parseIdx } from '../../src/data/index.js';
import { rejectsDataset, tempDir } from './helpers.js';

const seq = (n: number) => Uint8Array.from({ length: n }, (_, i) => i % 256);

describe('parseIdx', () => {
  it('reads idx1, idx3 and idx4 unsigned-byte files', () => {
    const l = parseIdx(encodeIdx([5], Uint8Array.of(0, 1, 2, 3, 4)), 'l');
    assert.deepEqual(l.dims, [5]);
    assert.deepEqual([...l.data], [0, 1, 2, 3, 4]);
    const i3 = parseIdx(encodeIdx([2, 3, 4], seq(24)), 'i3');
    assert.deepEqual(i3.dims, [2, 3, 4]);
    assert.equal(i3.data[23], 23);
    const i4 = parseIdx(encodeIdx([2, 2, 2, 3], seq(24)), 'i4');
    assert.deepEqual(i4.dims, [2, 2, 2, 3]);
    assert.equal(i4.data.length, 24);
  });

  it('reports a size that disagrees with the header, naming the file and both sizes', async () => {
    const bytes = encodeIdx([3, 28, 28], seq(3 * 784));
    await rejectsDataset(
      () => parseIdx(bytes.subarray(0, bytes.length - 10), 'train-images-idx3-ubyte'),
      'train-images-idx3-ubyte:',
      'header says 3 images of 28×28',
      `holds ${bytes.length - 10} bytes, expected ${bytes.length}`,
    );
  });

  it('rejects a bad magic number, an unsupported dtype and a short header', async () => {
    await rejectsDataset(() => parseIdx(Uint8Array.of(0x1f, 0x8b, 8, 0, 0, 0), 'x.idx'), 'x.idx', 'bad magic');
    const f32 = encodeIdx([1], Uint8Array.of(0, 0, 0, 0));
    f32[2] = 0x0d;
    await rejectsDataset(() => parseIdx(f32, 'f.idx'), 'f.idx', '0x0d (float32) is not supported');
    await rejectsDataset(() => parseIdx(Uint8Array.of(0, 0, 8, 3, 0, 0), 's.idx'), 's.idx', 'too short');
  });
});

describe('IDX datasets from files', () => {
  function writeSet(dir: string, over: Partial<Record<'trImg' | 'trLab' | 'teImg' | 'teLab', Uint8Array>> = {}) {
    const img = (n: number) => encodeIdx([n, 4, 4, 2], seq(n * 32)); // idx4: 4×4×2
    const lab = (n: number) =>
      encodeIdx(
        [n],
        Uint8Array.from({ length: n }, (_, i) => i % 3),
      );
    writeFileSync(join(dir, 'train-images-idx4-ubyte'), over.trImg ?? img(12));
    writeFileSync(join(dir, 'train-labels-idx1-ubyte'), over.trLab ?? lab(12));
    writeFileSync(join(dir, 't10k-images-idx4-ubyte'), over.teImg ?? img(6));
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte.gz'), gzipSync(over.teLab ?? lab(6)));
  }

  it('loads a generated set (idx4, gzipped labels) through the spec, inferring the class count', async () => {
    const dir = tempDir();
    writeSet(dir);
    const ds = await loadDataset({ name: 'idx', path: dir, validation: { size: 3, seed: 1 } });
    assert.deepEqual(ds.shape, [4, 4, 2]);
    assert.equal(ds.classes, 3);
    assert.equal(ds.train.count + ds.validation.count, 12);
    assert.equal(ds.validation.count, 3);
    assert.equal(ds.test.count, 6);
    assert.deepEqual(ds.augment, { pad: 0, flip: false });
  });

  it('reports a label/image count mismatch naming the label file', async () => {
    const dir = tempDir();
    writeSet(dir, { trLab: encodeIdx([11], new Uint8Array(11)) });
    await rejectsDataset(
      () => findIdxFiles(dir).then((f) => loadIdxDataset('idx', f)),
      'train-labels-idx1-ubyte:',
      '11 labels',
      '12 images',
    );
  });

  it('reports a label not below the class count', async () => {
    const dir = tempDir();
    const labels = new Uint8Array(12);
    labels[5] = 7;
    writeSet(dir, { trLab: encodeIdx([12], labels) });
    await rejectsDataset(
      () => loadDataset({ name: 'idx', path: dir, classes: 5, validation: { size: 2 } }),
      'train-labels-idx1-ubyte:',
      'label 7 at index 5',
      'class count 5',
    );
  });

  it('reports missing files and folders', async () => {
    const dir = tempDir();
    await rejectsDataset(() => findIdxFiles(dir), dir, 'no train-images-idx3-ubyte');
    await rejectsDataset(() => findIdxFiles(join(dir, 'nope')), 'nope', 'directory not found');
    await rejectsDataset(
      () =>
        loadIdxDataset('x', {
          trainImages: join(dir, 'a'),
          trainLabels: join(dir, 'b'),
          testImages: join(dir, 'c'),
          testLabels: join(dir, 'd'),
        }),
      'file not found',
    );
  });
});
