import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeAtomic } from '../util/write-atomic.js';

/**
 * Where a search's result files go (summary.json, the exported model, ...): the results directory of `nasmesh run`,
 * or blobs of the search in the mesh's store (`nasmesh final`). Paths are relative and '/'-separated.
 */
export interface ResultFiles {
  /** Writes the file whole, replacing any earlier one. */
  write(path: string, data: Uint8Array | string): Promise<void>;
}

/** Result files under `dir`, each written atomically. */
export function directoryResultFiles(dir: string): ResultFiles {
  return {
    async write(path, data) {
      const file = join(dir, ...path.split('/'));
      await mkdir(dirname(file), { recursive: true });
      await writeAtomic(file, data);
    },
  };
}

/** A result file's JSON: indented, with a final newline. */
export function jsonText(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
