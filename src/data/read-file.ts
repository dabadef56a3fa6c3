import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { DatasetError } from './errors.js';

/**
 * Reads a whole dataset file, turning fs errors into DatasetErrors that name the file. `.gz` files are inflated,
 * since IDX files are usually distributed gzipped.
 */
export async function readDatasetFile(file: string): Promise<Buffer> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DatasetError(file, code === 'ENOENT' ? 'file not found' : `cannot read (${code ?? String(err)})`);
  }
  if (!file.endsWith('.gz')) return bytes;
  try {
    return gunzipSync(bytes);
  } catch {
    throw new DatasetError(file, 'not a valid gzip file');
  }
}
