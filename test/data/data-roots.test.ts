import assert from 'node:assert/strict';
import { mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { openDataRoots, resolveDataPath, resolveTable, DataRootsError } from '../../src/data/data-roots.js';
import { encodeIdx, loadDataset } from '../../src/data/index.js';
import { readDatasetFile } from '../../src/data/read-file.js';
import { ValidationError } from '../../src/util/errors.js';
import { rejectsDataset, tempDir } from './helpers.js';

/** A secret outside the data root: no error may ever carry it. */
const SECRET = 'root:x:0:0:the-secret-first-line';

/** A data root holding a table and an idx dataset folder, beside a secret file and links out of the root. */
function layout() {
  const base = realpathSync(tempDir());
  const root = join(base, 'data');
  const outside = join(base, 'outside');
  mkdirSync(join(root, 'mnist-like'), { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(outside, 'passwd'), `${SECRET}\nmore\n`);
  writeFileSync(join(root, 'table.csv'), 'arch,test_accuracy\n');
  symlinkSync(outside, join(root, 'escape'));
  symlinkSync(join(outside, 'passwd'), join(root, 'passwd-link'));
  symlinkSync(join(root, 'table.csv'), join(root, 'inner-link.csv'));
  return { base, root, outside };
}

/** Asserts a ValidationError naming `field`, saying `problem`, and quoting nothing of the secret. */
async function refused(promise: Promise<unknown>, field: string, problem: RegExp): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof ValidationError, `expected ValidationError, got ${String(e)}`);
    assert.equal(e.field, field);
    assert.match(e.problem, problem);
    assert.ok(!e.message.includes('the-secret'), e.message);
    return true;
  });
}

describe('data roots: the files a search names', () => {
  it('finds relative and absolute paths inside a root, following links that stay inside it', async () => {
    const { root } = layout();
    const data = await openDataRoots([root]);
    const field = 'spec.evaluation.table';
    assert.equal(await resolveDataPath('table.csv', data, field), join(root, 'table.csv'));
    assert.equal(await resolveDataPath('./mnist-like', data, field), join(root, 'mnist-like'));
    assert.equal(await resolveDataPath(join(root, 'table.csv'), data, field), join(root, 'table.csv'));
    assert.equal(await resolveDataPath('inner-link.csv', data, field), join(root, 'table.csv'));
  });

  it('refuses traversal, absolute paths outside the roots and symbolic links out of them, naming the field', async () => {
    const { root, outside } = layout();
    const data = await openDataRoots([root]);
    const field = 'spec.dataset.path';
    await refused(resolveDataPath('../outside/passwd', data, field), field, /'\.\.' segment/);
    await refused(resolveDataPath('mnist-like/../../outside/passwd', data, field), field, /'\.\.' segment/);
    await refused(resolveDataPath('/etc/passwd', data, field), field, /outside the data roots/);
    await refused(resolveDataPath(join(outside, 'passwd'), data, field), field, /outside the data roots/);
    await refused(resolveDataPath('escape/passwd', data, field), field, /leaves the data root .* symbolic link/);
    await refused(resolveDataPath('passwd-link', data, field), field, /leaves the data root .* symbolic link/);
    await refused(resolveDataPath(join(root, 'escape', 'passwd'), data, field), field, /symbolic link/);
    await refused(resolveDataPath('absent.csv', data, field), field, /^no 'absent.csv' in the data roots/);
    await refused(resolveDataPath('', data, field), field, /must not be empty/);
    await refused(resolveDataPath('a\u0000b', data, field), field, /control characters/);
    // An absolute path outside the roots is refused the same whether it exists or not: no oracle of the disk.
    await refused(resolveDataPath('/no/such/file', data, field), field, /outside the data roots/);
  });

  it('without roots nothing is read; registered tables are found by name', async () => {
    const { root } = layout();
    await refused(resolveDataPath('table.csv', await openDataRoots([]), 'spec.evaluation.table'), 'spec.evaluation.table', /no data roots/);
    const data = await openDataRoots([], { 'nb201-cifar10': join(root, 'table.csv') });
    assert.equal(await resolveTable('nb201-cifar10', data, 'spec.evaluation.table'), join(root, 'table.csv'));
    await refused(resolveTable('toString', data, 'spec.evaluation.table'), 'spec.evaluation.table', /no data roots/);
  });

  it('refuses the file system root, a missing root and a bad table name as configuration', async () => {
    const { root } = layout();
    await assert.rejects(openDataRoots(['/']), DataRootsError);
    await assert.rejects(openDataRoots([join(root, 'nope')]), DataRootsError);
    await assert.rejects(openDataRoots([join(root, 'table.csv')]), DataRootsError);
    await assert.rejects(openDataRoots([], { 'Bad Name': 'x' }), DataRootsError);
  });

  it('a dataset whose files link out of its folder, or are not IDX files, fails naming the field and quoting nothing', async () => {
    const { root, outside } = layout();
    const data = await openDataRoots([root]);
    const dir = join(root, 'mnist-like');
    symlinkSync(join(outside, 'passwd'), join(dir, 'train-images-idx3-ubyte'));
    writeFileSync(join(dir, 'train-labels-idx1-ubyte'), encodeIdx([1], Uint8Array.of(0)));
    writeFileSync(join(dir, 't10k-images-idx3-ubyte'), encodeIdx([1, 2, 2], new Uint8Array(4)));
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), encodeIdx([1], Uint8Array.of(0)));
    const spec = { name: 'idx', path: 'mnist-like', validation: { size: 0 } };
    await refused(loadDataset(spec, { roots: data }), 'spec.dataset.path', /symbolic link out of/);
    // The secret as a dataset file inside the root: its first bytes are never echoed back.
    const copy = join(root, 'copy');
    mkdirSync(copy);
    for (const f of ['train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']) {
      writeFileSync(
        join(copy, f),
        encodeIdx(f.includes('images') ? [1, 2, 2] : [1], f.includes('images') ? new Uint8Array(4) : Uint8Array.of(0)),
      );
    }
    writeFileSync(join(copy, 'train-images-idx3-ubyte'), `${SECRET}\n`);
    await refused(loadDataset({ ...spec, path: 'copy' }, { roots: data }), 'spec.dataset.path', /bad magic number/);
  });

  it('bounds what a file and a gzip inflate to', async () => {
    const dir = tempDir();
    const bomb = join(dir, 'bomb.gz');
    writeFileSync(bomb, gzipSync(Buffer.alloc(1_000_000)));
    await rejectsDataset(() => readDatasetFile(bomb, undefined, 100_000), 'inflates to more than the limit of 100000 bytes');
    const plain = join(dir, 'plain');
    writeFileSync(plain, Buffer.alloc(200_000));
    await rejectsDataset(() => readDatasetFile(plain, undefined, 100_000), 'larger than the limit of 100000 bytes');
    await rejectsDataset(() => readDatasetFile('/dev/zero'), 'not a regular file');
  });
});
