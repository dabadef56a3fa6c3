import { closeSync, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { NasmeshError } from './errors.js';

/** Why a file could not be read; the message names the file and the reason, never its content. */
export class FileReadError extends NasmeshError {
  constructor(
    readonly file: string,
    readonly reason: 'missing' | 'not-a-file' | 'too-large' | 'unreadable',
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
  }
}

/**
 * Reads a regular file whole, up to `maxBytes`. Anything else is refused before it is opened: a directory, a device
 * (`/dev/zero` never ends) or a FIFO (opening one waits for a writer). The size is checked on the open file too, so
 * a file swapped or grown between the checks is still bounded.
 */
export async function readBounded(file: string, maxBytes: number): Promise<Buffer> {
  checkStats(file, await stat(file).catch((e: unknown) => unreadable(file, e)), maxBytes);
  const handle = await open(file, 'r').catch((e: unknown) => unreadable(file, e));
  try {
    const size = checkStats(file, await handle.stat(), maxBytes);
    const buffer = Buffer.alloc(size + 1);
    let read = 0;
    for (let n = -1; n !== 0 && read <= size; read += n) n = (await handle.read(buffer, read, size + 1 - read, read)).bytesRead;
    return whole(file, buffer, read, size);
  } finally {
    await handle.close();
  }
}

/** readBounded for synchronous callers. */
export function readBoundedSync(file: string, maxBytes: number): Buffer {
  let fd: number;
  try {
    checkStats(file, statSync(file), maxBytes);
    fd = openSync(file, 'r');
  } catch (e) {
    if (e instanceof FileReadError) throw e;
    return unreadable(file, e);
  }
  try {
    const size = checkStats(file, fstatSync(fd), maxBytes);
    const buffer = Buffer.alloc(size + 1);
    let read = 0;
    for (let n = -1; n !== 0 && read <= size; read += n) n = readSync(fd, buffer, read, size + 1 - read, read);
    return whole(file, buffer, read, size);
  } finally {
    closeSync(fd);
  }
}

function checkStats(file: string, stats: Stats, maxBytes: number): number {
  if (!stats.isFile())
    throw new FileReadError(file, 'not-a-file', stats.isDirectory() ? 'is a directory, not a file' : 'is not a regular file');
  if (stats.size > maxBytes) throw tooLarge(file, maxBytes);
  return stats.size;
}

/** What was read, refused when more than the file's size came: it grew while it was read. */
function whole(file: string, buffer: Buffer, read: number, size: number): Buffer {
  if (read > size) throw new FileReadError(file, 'unreadable', 'changed while it was read');
  return buffer.subarray(0, read);
}

function tooLarge(file: string, maxBytes: number): FileReadError {
  return new FileReadError(file, 'too-large', `is larger than the limit of ${maxBytes} bytes`);
}

function unreadable(file: string, e: unknown): never {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') throw new FileReadError(file, 'missing', 'file not found');
  throw new FileReadError(file, 'unreadable', `cannot read (${code ?? 'error'})`);
}
