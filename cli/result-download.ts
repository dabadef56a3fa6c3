import { mkdir, open, rename, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { assertBlobName } from '../src/store/keys.js';
import { NasmeshError, ValidationError } from '../src/util/errors.js';
import type { ResultFileChunk } from '../services/gen/nasmesh/v1/controller.js';

/** What a download may write: the controller is a network peer, and what it sends is checked against these. */
export interface DownloadLimits {
  /** Total bytes of every file together. */
  readonly maxBytes: number;
  readonly maxFiles: number;
  /** Bytes of one chunk (controller.proto: 1 MiB). */
  readonly maxChunkBytes: number;
}

export const DEFAULT_DOWNLOAD_LIMITS: DownloadLimits = { maxBytes: 1024 ** 3, maxFiles: 10_000, maxChunkBytes: 1024 * 1024 };

/** A file written, relative to the directory. */
export interface WrittenFile {
  readonly path: string;
  readonly bytes: number;
}

/** A file being received: into a temporary file beside its place, renamed there once complete. */
interface Receiving {
  readonly path: string;
  readonly size: number;
  readonly target: string;
  readonly temporary: string;
  readonly handle: FileHandle;
  received: number;
}

/** Refused: what the controller sent is not a result file this download may write. Never quotes file content. */
export class UnsafeDownloadError extends NasmeshError {}

/**
 * Writes the result files of a DownloadResults stream under `dir`, trusting nothing in it: each path must be a
 * relative path of plain segments inside `dir` (no absolute path, no `..`, no hidden files: the rules of blob names),
 * each file is sent once, in consecutive chunks that add up to its stated size, and the sizes, the chunks and the
 * number of files stay within `limits`. A file is written to a temporary file and renamed into place once complete,
 * so a refused or broken download leaves no partial file. Returns what was written, in order.
 */
export async function writeResultFiles(
  chunks: AsyncIterable<ResultFileChunk>,
  dir: string,
  limits: DownloadLimits = DEFAULT_DOWNLOAD_LIMITS,
): Promise<WrittenFile[]> {
  const root = resolve(dir);
  await mkdir(root, { recursive: true });
  const written: WrittenFile[] = [];
  const seen = new Set<string>();
  let total = 0;
  let current: Receiving | undefined;
  const finish = async () => {
    if (!current) return;
    const file = current;
    current = undefined;
    await file.handle.close();
    if (file.received !== file.size) {
      await rm(file.temporary, { force: true });
      throw new UnsafeDownloadError(`${file.path}: the controller sent ${file.received} of its ${file.size} bytes`);
    }
    await rename(file.temporary, file.target);
    written.push({ path: file.path, bytes: file.size });
  };
  try {
    for await (const chunk of chunks) {
      if (chunk.path !== current?.path) {
        await finish();
        const target = safeTarget(root, chunk.path);
        if (seen.has(chunk.path)) throw new UnsafeDownloadError(`${chunk.path}: sent twice`);
        seen.add(chunk.path);
        if (seen.size > limits.maxFiles) throw new UnsafeDownloadError(`more than ${limits.maxFiles} files`);
        if (!Number.isSafeInteger(chunk.size) || chunk.size < 0)
          throw new UnsafeDownloadError(`${chunk.path}: size ${chunk.size} is no size`);
        total += chunk.size;
        if (total > limits.maxBytes)
          throw new UnsafeDownloadError(`the files exceed the limit of ${limits.maxBytes} bytes (at ${chunk.path})`);
        await mkdir(dirname(target), { recursive: true });
        // A hidden name: no path the controller may send (none starts with '.') can be it.
        const temporary = join(dirname(target), `.${basename(target)}.part-${process.pid}`);
        current = { path: chunk.path, size: chunk.size, target, temporary, handle: await open(temporary, 'w'), received: 0 };
      }
      const file = current!;
      if (chunk.size !== file.size) throw new UnsafeDownloadError(`${file.path}: its size changed from ${file.size} to ${chunk.size}`);
      if (chunk.offset !== file.received)
        throw new UnsafeDownloadError(`${file.path}: a chunk at ${chunk.offset} where ${file.received} was due`);
      if (chunk.data.length > limits.maxChunkBytes)
        throw new UnsafeDownloadError(`${file.path}: a chunk of ${chunk.data.length} bytes, over ${limits.maxChunkBytes}`);
      if (file.received + chunk.data.length > file.size) throw new UnsafeDownloadError(`${file.path}: more than its ${file.size} bytes`);
      await file.handle.write(chunk.data);
      file.received += chunk.data.length;
    }
    await finish();
  } catch (e) {
    if (current) {
      await current.handle.close().catch(() => {});
      await rm(current.temporary, { force: true });
    }
    throw e;
  }
  return written;
}

/** Where `path` goes under `root`; refused unless it is a plain relative path that stays inside `root`. */
function safeTarget(root: string, path: string): string {
  // Shown quoted and cut short: the name comes from the network (control characters, any length).
  const shown = JSON.stringify(path.length > 80 ? `${path.slice(0, 80)}...` : path);
  try {
    assertBlobName(path, 'path');
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    throw new UnsafeDownloadError(`refused the path ${shown}: not a relative path of [A-Za-z0-9._-] segments (none '..' or hidden)`);
  }
  const target = resolve(root, path);
  const inside = relative(root, target);
  if (inside === '' || inside.startsWith('..') || isAbsolute(inside))
    throw new UnsafeDownloadError(`refused the path ${shown}: it leaves ${root}`);
  return join(root, inside);
}
