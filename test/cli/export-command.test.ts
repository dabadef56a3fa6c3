import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'nasmesh-export-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const nasmesh = (...args: string[]) =>
  promisify(execFile)(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args], { cwd: ROOT, maxBuffer: 1 << 24 });

// The export itself, on a results directory of a search with a final stage: test/search/embedded-search.test.ts.
describe('nasmesh export', () => {
  it('names the file a results directory lacks: a benchmark search has no model to export', async () => {
    const out = join(dir, 'bench');
    await nasmesh('run', 'deploy/examples/nb201-benchmark.yaml', '--out', out, '--backend', 'cpu');
    await assert.rejects(nasmesh('export', out, '--format', 'onnx'), /best-architecture\.json: not found/);
  });

  it('refuses a format it does not write, listing the ones it does', async () => {
    await assert.rejects(nasmesh('export', dir, '--format', 'tflite'), /tflite.*choices are onnx/s);
  });
});
