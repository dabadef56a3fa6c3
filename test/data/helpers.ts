import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { after } from 'node:test';
import { DatasetError } from '../../src/data/index.js';
import type { Split } from '../../src/data/index.js';

/** A temp dir removed when the test file finishes. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'nasmesh-data-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A split whose sample i is filled with byte (i % 251) and carries label i % classes, so samples are traceable. */
export function fakeSplit(count: number, sample: number, classes: number): Split {
  const images = new Uint8Array(count * sample);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    images.fill(i % 251, i * sample, (i + 1) * sample);
    labels[i] = i % classes;
  }
  return { images, labels, count };
}

/** Asserts a (sync or async) failure is a DatasetError whose message contains every fragment. */
export async function rejectsDataset(fn: () => unknown, ...fragments: string[]): Promise<void> {
  await assert.rejects(
    async () => fn(),
    (err: unknown) => {
      assert.ok(err instanceof DatasetError, `expected DatasetError, got ${String(err)}`);
      for (const f of fragments) assert.ok(err.message.includes(f), `"${err.message}" lacks "${f}"`);
      return true;
    },
  );
}
