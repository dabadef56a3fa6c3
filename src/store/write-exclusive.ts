import { randomBytes } from 'node:crypto';
import { link, rm, writeFile } from 'node:fs/promises';

/**
 * Creates `path` with `data` unless it exists; returns false when it did. The data goes to a temporary file first
 * and is hard-linked into place, and link(2) fails atomically on an existing name: concurrent writers cannot both
 * win, and a crash never leaves a torn file under `path`.
 */
export async function writeExclusive(path: string, data: Uint8Array | string): Promise<boolean> {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await writeFile(tmp, data);
    await link(tmp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    await rm(tmp, { force: true });
  }
}
