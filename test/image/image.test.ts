import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { CONTAINERS_ENV, GPU_IMAGE, IMAGE } from '../../tools/image/image.js';
import { healthStatus, reflect } from '../services/grpc/clients.js';

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
  return runImageOf(IMAGE, options, ...args);
}
async function runImageOf(image: string, options: string[], ...args: string[]): Promise<string> {
  const { stdout, stderr } = await podman('run', '--rm', '--read-only', ...options, image, ...args);
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

/** The tiny search's spec and an empty output folder, as podman volumes; `candidates()` counts what the run wrote. */
function mountedSearch(name: string): { volumes: string[]; candidates: () => number } {
  writeFileSync(join(dir, 'search.yaml'), tinySearch);
  const out = join(dir, `out-${name}`);
  rmSync(out, { recursive: true, force: true });
  spawnSync('mkdir', ['-p', out]);
  chmodSync(out, 0o777);
  return {
    volumes: ['--volume', `${dir}/search.yaml:/spec/search.yaml:ro`, '--volume', `${out}:/out`],
    candidates: () =>
      readFileSync(join(out, 'search', 'candidates.jsonl'), 'utf8')
        .trim()
        .split('\n').length,
  };
}

const hasGpuImage =
  hasPodman && spawnSync('podman', ['image', 'exists', GPU_IMAGE], { env: { ...process.env, ...CONTAINERS_ENV } }).status === 0;

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
    const { volumes, candidates } = mountedSearch('cpu');
    assert.match(await runImage(volumes, 'validate', '/spec/search.yaml'), /name: in-a-container/);
    const log = await runImage(volumes, 'run', '/spec/search.yaml', '--out', '/out/search');
    assert.match(log, /tfjs backend tensorflow via @tensorflow\/tfjs-node,/);
    assert.equal(candidates(), 2);
  });

  it('serves gRPC, with health checking and reflection of its .proto files, as a pod would run it', async () => {
    const name = `nasmesh-image-test-${process.pid}`;
    await podman(
      'run',
      '--detach',
      '--rm',
      '--read-only',
      '--network',
      'host',
      '--name',
      name,
      IMAGE,
      'serve',
      'latency-profiler',
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--metrics-port',
      '0',
    );
    try {
      let log = '';
      for (let i = 0; i < 60 && !/listening on/.test(log); i++) {
        await sleep(500);
        const { stdout, stderr } = await podman('logs', name);
        log = `${stdout}${stderr}`;
      }
      const address = /listening on (127\.0\.0\.1:\d+)/.exec(log)?.[1];
      assert.ok(address, log);
      assert.equal(await healthStatus(address, ''), 'SERVING');
      const { services } = await reflect(address, 'nasmesh.v1.LatencyProfiler');
      assert.ok(services.includes('nasmesh.v1.LatencyProfiler'), services.join(', '));
    } finally {
      await podman('rm', '--force', '--time', '0', name);
    }
  });

  it('refuses a write outside its mounted volumes: the root filesystem is read-only', async () => {
    await assert.rejects(runImage(['--entrypoint', 'sh'], '-c', 'echo x > /app/written'), /Read-only file system/);
    await assert.rejects(runImage(['--entrypoint', 'sh'], '-c', 'echo x > /etc/written'), /Read-only file system|Permission denied/);
  });
});

// `make image-gpu` builds it (not part of make test: about 3 GB of CUDA wheels). Here, on a host without a GPU, it
// must start and train on TensorFlow's CPU kernels and say so; on a GPU node the same line says "GPU found".
describe('the GPU image', { skip: hasGpuImage ? false : `${GPU_IMAGE} is not built (make image-gpu)` }, () => {
  it('runs a search with tfjs-node-gpu, as uid 10001 on a read-only root, and logs whether it found a GPU', async () => {
    const { volumes, candidates } = mountedSearch('gpu');
    const log = await runImageOf(GPU_IMAGE, volumes, 'run', '/spec/search.yaml', '--out', '/out/search');
    const gpuHere = existsSync('/dev/nvidia0');
    assert.match(log, new RegExp(`tfjs backend tensorflow via @tensorflow/tfjs-node-gpu, ${gpuHere ? 'GPU found' : 'no GPU found'}`));
    assert.equal(candidates(), 2);
    assert.match(await runImageOf(GPU_IMAGE, ['--entrypoint', 'id'], '-u'), /^10001$/m);
  });
});
