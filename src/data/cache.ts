import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DatasetError } from './errors.js';
import { checkLabels } from './labels.js';
import { writeAtomic } from '../util/write-atomic.js';
import type { Dataset } from './types.js';

/**
 * Binary dataset cache: a 40-byte header then train images, train labels, test images, test labels (bytes).
 * Header: magic "NMDSCACH", then little-endian u32 version, fingerprint, trainCount, testCount, h, w, c, classes.
 * The fingerprint identifies the source and conversion settings, so a changed source is re-converted.
 */
const MAGIC = 'NMDSCACH';
const VERSION = 1;
const HEADER = 40;

export async function writeDatasetCache(file: string, ds: Dataset, fingerprint: number): Promise<void> {
  const sample = ds.shape[0] * ds.shape[1] * ds.shape[2];
  const { train, test } = ds;
  const out = Buffer.alloc(HEADER + (train.count + test.count) * (sample + 1));
  out.write(MAGIC, 0, 'latin1');
  [VERSION, fingerprint >>> 0, train.count, test.count, ...ds.shape, ds.classes].forEach((v, i) => out.writeUInt32LE(v, 8 + 4 * i));
  let at = HEADER;
  for (const part of [train.images, train.labels, test.images, test.labels]) {
    out.set(part, at);
    at += part.length;
  }
  await mkdir(dirname(file), { recursive: true });
  await writeAtomic(file, out);
}

/** Reads a cache file; throws DatasetError on a bad magic, version, fingerprint or size. */
export async function readDatasetCache(file: string, name: string, fingerprint: number): Promise<Dataset> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch {
    throw new DatasetError(file, 'cache file not found');
  }
  if (buf.length < HEADER || buf.toString('latin1', 0, 8) !== MAGIC) {
    throw new DatasetError(file, 'bad magic, not a nasmesh dataset cache');
  }
  const [version, fp, trainCount, testCount, h, w, c, classes] = Array.from({ length: 8 }, (_, i) => buf.readUInt32LE(8 + 4 * i)) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (version !== VERSION) throw new DatasetError(file, `cache version ${version}, expected ${VERSION}`);
  if (fp !== fingerprint >>> 0) throw new DatasetError(file, 'cache was built from a different source or settings');
  const sample = h * w * c;
  const expected = HEADER + (trainCount + testCount) * (sample + 1);
  if (buf.length !== expected) {
    throw new DatasetError(file, `holds ${buf.length} bytes, header implies ${expected}`);
  }
  const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  let at = HEADER;
  const take = (n: number) => bytes.subarray(at, (at += n));
  const train = { images: take(trainCount * sample), labels: take(trainCount), count: trainCount };
  const test = { images: take(testCount * sample), labels: take(testCount), count: testCount };
  checkLabels(train.labels, classes, file);
  checkLabels(test.labels, classes, file);
  return { name, train, test, classes, shape: [h, w, c] };
}

/** FNV-1a 32-bit of a string, enough to tell cache inputs apart. */
export function fingerprintOf(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}
