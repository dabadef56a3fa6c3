import assert from 'node:assert/strict';
import { mkdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { openDataRoots, resolveDataPath } from '../../src/data/data-roots.js';
import { DatasetError, encodeIdx, loadDataset, parseCifarBatch, parseIdx } from '../../src/data/index.js';
import { readDatasetFile } from '../../src/data/read-file.js';
import { ValidationError } from '../../src/util/errors.js';
import { counted, runs } from '../support/fuzz.js';
import { tempDir } from './helpers.js';

/** Bytes a hostile file may hold: random, or an IDX header with random dimensions, with an ASCII marker inside. */
const SECRET = 'SECRETxyz';
const marker = new TextEncoder().encode(SECRET);
const hostileBytes = fc.oneof(
  fc.uint8Array({ maxLength: 4000 }),
  fc
    .tuple(fc.integer({ min: 0, max: 255 }), fc.array(fc.nat(70_000), { minLength: 1, maxLength: 4 }), fc.uint8Array({ maxLength: 2000 }))
    .map(([dtype, dims, body]) => {
      const header = encodeIdx(dims, new Uint8Array(0));
      header[2] = dtype;
      return new Uint8Array([...header, ...marker, ...body]);
    }),
  fc
    .tuple(fc.array(fc.nat(60), { minLength: 1, maxLength: 3 }), fc.uint8Array({ maxLength: 600 }))
    .map(([dims, data]) => encodeIdx(dims, data)),
  fc.uint8Array({ maxLength: 3000 }).map((b) => new Uint8Array([...marker, ...b])),
);

/** A DatasetError (or ValidationError) that quotes nothing of the file. */
function clearDatasetError(e: unknown): boolean {
  assert.ok(e instanceof DatasetError || e instanceof ValidationError, `not a clear error: ${e instanceof Error ? e.stack : String(e)}`);
  assert.ok(!e.message.includes(SECRET), `the error quotes the file: ${e.message}`);
  return true;
}

describe('fuzz: dataset loaders and data roots', () => {
  it('IDX and CIFAR-10 parsers take any bytes: a dataset or a DatasetError quoting none of them', (t) => {
    const seen = counted(t, 'data.parse-idx-cifar');
    fc.assert(
      fc.property(hostileBytes, (bytes) => {
        seen();
        for (const parse of [() => parseIdx(bytes, 'f.idx'), () => parseCifarBatch(bytes, 'b.bin')]) {
          try {
            parse();
          } catch (e) {
            clearDatasetError(e);
          }
        }
      }),
      runs(10_000),
    );
  });

  it('a .gz file inflates within its bound or is a DatasetError', async (t) => {
    const seen = counted(t, 'data.gzip-file');
    const dir = tempDir();
    let n = 0;
    const limit = 50_000;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          hostileBytes,
          hostileBytes.map((b) => new Uint8Array(gzipSync(b))),
          fc.nat(200_000).map((size) => new Uint8Array(gzipSync(Buffer.alloc(size)))),
        ),
        async (bytes) => {
          seen();
          const file = join(dir, `f${n++}.gz`);
          writeFileSync(file, bytes);
          try {
            assert.ok((await readDatasetFile(file, undefined, limit)).length <= limit);
          } catch (e) {
            clearDatasetError(e);
          }
        },
      ),
      runs(2000),
    );
  });

  it('any path resolves inside the data root or is refused naming the field', async (t) => {
    const seen = counted(t, 'data.resolve-path');
    const base = realpathSync(tempDir());
    const root = join(base, 'root');
    mkdirSync(join(root, 'a', 'b'), { recursive: true });
    mkdirSync(join(base, 'outside'));
    writeFileSync(join(base, 'outside', 'secret'), SECRET);
    writeFileSync(join(root, 'a', 'file'), 'ok');
    symlinkSync(join(base, 'outside'), join(root, 'a', 'out'));
    symlinkSync(join(root, 'a', 'b'), join(root, 'in'));
    symlinkSync('/', join(root, 'slash'));
    const data = await openDataRoots([root]);
    const segment = fc.constantFrom(
      '..',
      '.',
      'a',
      'b',
      'file',
      'out',
      'in',
      'slash',
      'secret',
      'etc',
      'passwd',
      '',
      '%2e%2e',
      '\\..',
      'x\u0000',
    );
    const path = fc
      .tuple(fc.constantFrom('', '/', `${root}/`, `${base}/`, '/etc/'), fc.array(segment, { maxLength: 6 }))
      .map(([start, parts]) => start + parts.join('/'));
    await fc.assert(
      fc.asyncProperty(path, async (p) => {
        seen();
        try {
          const real = await resolveDataPath(p, data, 'spec.dataset.path');
          const rel = relative(root, real);
          assert.ok(!isAbsolute(rel) && !rel.startsWith('..'), `${p} resolved outside the root: ${real}`);
        } catch (e) {
          assert.ok(e instanceof ValidationError && e.field === 'spec.dataset.path', `not a refusal naming the field: ${String(e)}`);
          assert.ok(!e.message.includes(SECRET), e.message);
        }
      }),
      runs(5000),
    );
  });

  it('an idx dataset folder of hostile files loads or fails naming spec.dataset.path, quoting none of them', async (t) => {
    const seen = counted(t, 'data.load-idx-folder');
    const root = realpathSync(tempDir());
    const data = await openDataRoots([root]);
    let n = 0;
    const files = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];
    await fc.assert(
      fc.asyncProperty(fc.array(hostileBytes, { minLength: 4, maxLength: 4 }), fc.nat(3), async (contents, validation) => {
        seen();
        const dir = join(root, `d${n++}`);
        mkdirSync(dir);
        files.forEach((f, i) => writeFileSync(join(dir, f), contents[i]!));
        try {
          await loadDataset({ name: 'idx', path: relative(root, dir), validation: { size: validation } }, { roots: data });
        } catch (e) {
          clearDatasetError(e);
          if (e instanceof ValidationError) assert.equal(e.field, 'spec.dataset.path');
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }),
      runs(1000),
    );
  });
});
