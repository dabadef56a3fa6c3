import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { CONTAINERS_ENV, IMAGE } from '../../tools/image/image.js';

/**
 * The CPU image `make image` builds (make test builds it first), started with podman and runc as a platform team's
 * cluster would start it: read-only root filesystem, its own user, the spec and output on mounted volumes.
 */
const hasPodman = spawnSync('podman', ['--version']).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'nasmesh-image-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const podman = (...args: string[]) =>
  promisify(execFile)('podman', args, { env: { ...process.env, ...CONTAINERS_ENV }, maxBuffer: 1 << 24 });
/** `podman run --rm --read-only` of the image, stdout and stderr together. */
async function runImage(options: string[], ...args: string[]): Promise<string> {
  const { stdout, stderr } = await podman('run', '--rm', '--read-only', ...options, IMAGE, ...args);
  return `${stdout}${stderr}`;
}

const tinySearch = `apiVersion: nasmesh.io/v1alpha1
kind: NASSearch
metadata: {name: in-a-container}
spec:
  seed: 2
  dataset: {name: mnist, validation: {size: 128, seed: 0}, subset: 256}
  space: {name: enas-micro, blocks: 2, ops: [sep_conv_3x3, max_pool_3x3, identity]}
  strategy: {name: reinforce, batchSize: 2, units: 16}
  evaluation: {mode: standalone, epochs: 1, trainSubset: 64, batchSize: 32, candidatesPerStep: 2, workers: 1}
  budget: {candidates: 2}
  network: {channels: 4, cellsPerStage: 1, stages: 2}
`;

describe('the image', { skip: hasPodman ? false : 'podman is not installed (make image installs it)' }, () => {
  it("keeps the Dockerfile's interface: entrypoint nasmesh, working directory /app, user 10001", async () => {
    const { stdout } = await podman('image', 'inspect', '--format', '{{json .Config}}', IMAGE);
    const config = JSON.parse(stdout) as { Entrypoint: string[]; WorkingDir: string; User: string };
    assert.deepEqual(config.Entrypoint, ['nasmesh']);
    assert.equal(config.WorkingDir, '/app');
    assert.equal(config.User, '10001:10001');
    assert.match(await runImage([], '--version'), /^\d+\.\d+\.\d+/);
  });

  it('trains on the native `tensorflow` backend, as uid 10001, on a read-only root', async () => {
    const script =
      "const tf = require('@tensorflow/tfjs-node'); tf.tensor([1, 2]).square().dataSync(); console.log(tf.getBackend(), process.getuid())";
    assert.match(await runImage(['--entrypoint', 'node'], '-e', script), /^tensorflow 10001$/m);
  });

  it('validates a mounted spec, and runs a search into a mounted volume, logging the backend', async () => {
    writeFileSync(join(dir, 'search.yaml'), tinySearch);
    const out = join(dir, 'out');
    rmSync(out, { recursive: true, force: true });
    spawnSync('mkdir', ['-p', out]);
    chmodSync(out, 0o777);
    const volumes = ['--volume', `${dir}/search.yaml:/spec/search.yaml:ro`, '--volume', `${out}:/out`];
    assert.match(await runImage(volumes, 'validate', '/spec/search.yaml'), /name: in-a-container/);
    const log = await runImage(volumes, 'run', '/spec/search.yaml', '--out', '/out/search');
    assert.match(log, /tfjs backend tensorflow via @tensorflow\/tfjs-node/);
    assert.equal(
      readFileSync(join(out, 'search', 'candidates.jsonl'), 'utf8')
        .trim()
        .split('\n').length,
      2,
    );
  });

  it('refuses a write outside its mounted volumes: the root filesystem is read-only', async () => {
    await assert.rejects(runImage(['--entrypoint', 'sh'], '-c', 'echo x > /app/written'), /Read-only file system/);
    await assert.rejects(runImage(['--entrypoint', 'sh'], '-c', 'echo x > /etc/written'), /Read-only file system|Permission denied/);
  });
});
