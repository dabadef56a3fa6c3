import { gunzipSync } from 'node:zlib';
import { FileReadError, readBounded } from '../util/read-bounded.js';
import { realWithin } from './data-roots.js';
import { DatasetError } from './errors.js';

/**
 * Largest dataset file, compressed or inflated (2 GiB): CIFAR-10's batches are 30 MB, MNIST's training images 47 MB.
 * A file over it, or a `.gz` that inflates past it, is refused instead of filling memory.
 */
export const MAX_DATASET_FILE_BYTES = 2 * 1024 ** 3;

/**
 * Reads a whole dataset file, turning fs errors into DatasetErrors that name the file (never quoting it). `.gz` files
 * are inflated, since IDX files are usually distributed gzipped. With `within` (the real path of the folder the file
 * was found in), a file that is a symbolic link out of that folder is refused. `maxBytes` bounds the file and what
 * it inflates to.
 */
export async function readDatasetFile(file: string, within?: string, maxBytes = MAX_DATASET_FILE_BYTES): Promise<Buffer> {
  const path = within === undefined ? file : await realWithin(file, within);
  if (path === undefined) throw new DatasetError(file, `is a symbolic link out of ${within}`);
  let bytes: Buffer;
  try {
    bytes = await readBounded(path, maxBytes);
  } catch (err) {
    if (err instanceof FileReadError) throw new DatasetError(file, err.problem);
    throw err;
  }
  if (!file.endsWith('.gz')) return bytes;
  try {
    return gunzipSync(bytes, { maxOutputLength: maxBytes });
  } catch (err) {
    const tooLarge = (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
    throw new DatasetError(file, tooLarge ? `inflates to more than the limit of ${maxBytes} bytes` : 'not a valid gzip file');
  }
}
