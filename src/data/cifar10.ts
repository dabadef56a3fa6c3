import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DatasetError } from './errors.js';
import { checkLabels } from './labels.js';
import { readDatasetFile } from './read-file.js';
import type { Dataset, Split } from './types.js';

const SIDE = 32;
const PLANE = SIDE * SIDE;
const PIXELS = PLANE * 3;
const RECORD = 1 + PIXELS;
const TRAIN_FILES = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);
const TEST_FILE = 'test_batch.bin';

/**
 * Parses one CIFAR-10 binary batch: records of 1 label byte + 3072 pixel bytes stored channel-planar (all R, then G,
 * then B, each 32×32 row-major), and converts them to NHWC so every dataset shares one layout.
 */
export function parseCifarBatch(bytes: Uint8Array, file: string): Split {
  if (bytes.length === 0 || bytes.length % RECORD !== 0) {
    throw new DatasetError(file, `holds ${bytes.length} bytes, not a whole number of ${RECORD}-byte records (1 label + ${PIXELS} pixels)`);
  }
  const count = bytes.length / RECORD;
  const images = new Uint8Array(count * PIXELS);
  const labels = new Uint8Array(count);
  for (let n = 0; n < count; n++) {
    const rec = n * RECORD;
    labels[n] = bytes[rec]!;
    const out = n * PIXELS;
    for (let p = 0; p < PLANE; p++) {
      images[out + p * 3] = bytes[rec + 1 + p]!;
      images[out + p * 3 + 1] = bytes[rec + 1 + PLANE + p]!;
      images[out + p * 3 + 2] = bytes[rec + 1 + 2 * PLANE + p]!;
    }
  }
  checkLabels(labels, 10, file);
  return { images, labels, count };
}

/** Concatenates splits in order. */
export function concatSplits(parts: readonly Split[]): Split {
  const count = parts.reduce((a, p) => a + p.count, 0);
  const images = new Uint8Array(count * PIXELS);
  const labels = new Uint8Array(count);
  let at = 0;
  for (const p of parts) {
    images.set(p.images, at * PIXELS);
    labels.set(p.labels, at);
    at += p.count;
  }
  return { images, labels, count };
}

/**
 * CIFAR-10 from the binary version's folder (or its parent holding cifar-10-batches-bin/). `confined`: `path` is a
 * real path in a data root, and no file may be a symbolic link out of it.
 */
export async function loadCifar10(path: string, confined = false): Promise<Dataset> {
  const dir = (await isDir(join(path, 'cifar-10-batches-bin'))) ? join(path, 'cifar-10-batches-bin') : path;
  const load = async (name: string) => {
    const file = join(dir, name);
    return parseCifarBatch(await readDatasetFile(file, confined ? path : undefined), file);
  };
  // Read together, but a failure is reported for the first file in order, so the error does not depend on I/O timing.
  const settled = await Promise.allSettled(TRAIN_FILES.map(load));
  const failed = settled.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  const train = concatSplits(settled.map((r) => (r as PromiseFulfilledResult<Split>).value));
  const test = await load(TEST_FILE);
  return { name: 'cifar10', train, test, classes: 10, shape: [SIDE, SIDE, 3] };
}

async function isDir(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}
