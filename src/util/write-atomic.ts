import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';

/** The name writeAtomic gives its temporary file: `<path>.tmp-<pid>-<8 hex digits>`. */
const TEMPORARY = /\.tmp-\d+-[0-9a-f]{8}$/;

/** Whether `path` is a temporary file of writeAtomic (one a killed writer may have left). */
export function isAtomicTemporary(path: string): boolean {
  return TEMPORARY.test(path);
}

/**
 * Writes to a temporary file beside `path`, then renames it into place: a reader (another worker, a restarted
 * process) sees the old file or the complete new one, never a torn one.
 */
export async function writeAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
