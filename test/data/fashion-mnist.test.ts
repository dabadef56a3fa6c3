import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readDatasetCache } from '../../src/data/cache.js';
import { loadDataset, loadFashionMnist } from '../../src/data/index.js';
import type { Split } from '../../src/data/index.js';
import { rejectsDataset, tempDir } from './helpers.js';

const PER_CLASS = 7;

/** A fake package tree: class k, image j is filled with byte k*10+j; class 0 also has an empty row, like the real one. */
function fakePackage(rowsPerClass = PER_CLASS): string {
  const dir = tempDir();
  mkdirSync(join(dir, 'src', 'clothes'), { recursive: true });
  for (let k = 0; k < 10; k++) {
    const data: number[][] = Array.from({ length: rowsPerClass }, (_, j) => new Array<number>(784).fill(k * 10 + j));
    if (k === 0) data.splice(3, 0, []);
    writeFileSync(join(dir, 'src', 'clothes', `${k}.json`), JSON.stringify({ data }));
  }
  return dir;
}

const ids = (s: Split) => Array.from({ length: s.count }, (_, i) => s.images[i * 784]!);
const perClass = (s: Split) => {
  const n = new Array<number>(10).fill(0);
  s.labels.forEach((l) => n[l]!++);
  return n;
};

describe('fashion-mnist conversion (fake package)', () => {
  const opts = { trainPerClass: 5, testPerClass: 2 };

  it('splits each class stratified, without overlap, and writes a binary cache', async () => {
    const packageDir = fakePackage();
    const cacheDir = tempDir();
    const ds = await loadFashionMnist({ ...opts, packageDir, cacheDir });
    assert.deepEqual(ds.shape, [28, 28, 1]);
    assert.equal(ds.train.count, 50);
    assert.equal(ds.test.count, 20);
    assert.deepEqual(perClass(ds.train), new Array(10).fill(5));
    assert.deepEqual(perClass(ds.test), new Array(10).fill(2));
    const all = [...ids(ds.train), ...ids(ds.test)];
    assert.deepEqual(
      [...all].sort((a, b) => a - b),
      Array.from({ length: 70 }, (_, i) => Math.floor(i / 7) * 10 + (i % 7)),
    );
    ds.train.labels.forEach((l, i) => assert.equal(l, Math.floor(ids(ds.train)[i]! / 10), 'label matches image'));
    const [cache] = readdirSync(cacheDir);
    assert.match(cache!, /^fashion-mnist-[0-9a-f]{8}\.bin$/);
    assert.equal(statSync(join(cacheDir, cache!)).size, 40 + 70 * 785);
  });

  it('is deterministic, and a second load reads the cache unchanged', async () => {
    const packageDir = fakePackage();
    const cacheA = tempDir();
    const a = await loadFashionMnist({ ...opts, packageDir, cacheDir: cacheA });
    const b = await loadFashionMnist({ ...opts, packageDir, cacheDir: tempDir() });
    assert.deepEqual(ids(a.train), ids(b.train));
    assert.deepEqual(ids(a.test), ids(b.test));
    const file = join(cacheA, readdirSync(cacheA)[0]!);
    const mtime = statSync(file).mtimeMs;
    const c = await loadFashionMnist({ ...opts, packageDir, cacheDir: cacheA });
    assert.equal(statSync(file).mtimeMs, mtime, 'cache not rewritten');
    assert.deepEqual(ids(c.train), ids(a.train));
  });

  it(
    'loads where its cache cannot be written (a read-only image), converting again',
    { skip: !existsSync('/sys/kernel') && 'no sysfs' },
    async () => {
      // sysfs refuses new folders even to root, as a read-only root filesystem refuses them to a container.
      const ds = await loadFashionMnist({ ...opts, packageDir: fakePackage(), cacheDir: '/sys/nasmesh-dataset-cache' });
      assert.equal(ds.train.count, 50);
    },
  );

  it('rebuilds a corrupt cache, and reading one directly names the file and problem', async () => {
    const packageDir = fakePackage();
    const cacheDir = tempDir();
    await loadFashionMnist({ ...opts, packageDir, cacheDir });
    const file = join(cacheDir, readdirSync(cacheDir)[0]!);
    writeFileSync(file, Buffer.from('NMDSCACH-but-truncated'));
    await rejectsDataset(() => readDatasetCache(file, 'f', 0), file, 'bad magic');
    const good = await loadFashionMnist({ ...opts, packageDir, cacheDir });
    assert.equal(good.train.count, 50);
    assert.equal(statSync(file).size, 40 + 70 * 785);
  });

  it('reports wrong class sizes and malformed rows naming the JSON file', async () => {
    await rejectsDataset(
      () => loadDataset({ name: 'fashion-mnist' }, { fashionMnistDir: fakePackage(), cacheDir: tempDir() }),
      '0.json:',
      'holds 7 images, expected 7000',
    );
    const packageDir = fakePackage();
    writeFileSync(join(packageDir, 'src', 'clothes', '4.json'), JSON.stringify({ data: [[1, 2, 3]] }));
    await rejectsDataset(
      () => loadFashionMnist({ ...opts, packageDir, cacheDir: tempDir() }),
      '4.json:',
      'data[0] has 3 values, expected 784',
    );
    writeFileSync(join(packageDir, 'src', 'clothes', '4.json'), '{"data": [');
    await rejectsDataset(() => loadFashionMnist({ ...opts, packageDir, cacheDir: tempDir() }), '4.json:', 'not valid JSON');
  });
});

// The real package: converting its 150 MB of JSON takes ~6 s alone but 12-20 s with the other test files running in
// parallel on 2 cores, which would double this folder's time; so it runs only with NASMESH_TEST_REAL_FASHION=1.
describe('fashion-mnist (real package)', () => {
  const skip = process.env.NASMESH_TEST_REAL_FASHION !== '1' && 'set NASMESH_TEST_REAL_FASHION=1 (slow: ~6-20 s)';
  it('converts to 60,000 / 10,000, 6,000 / 1,000 per class', { skip }, async () => {
    const ds = await loadFashionMnist({ cacheDir: tempDir() });
    assert.equal(ds.train.count, 60000);
    assert.equal(ds.test.count, 10000);
    assert.deepEqual(perClass(ds.train), new Array(10).fill(6000));
    assert.deepEqual(perClass(ds.test), new Array(10).fill(1000));
  });
});
