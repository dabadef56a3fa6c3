import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { LatencyProfiler, localHardwareProfile, quantile } from '../../src/latency/index.js';
import { InvalidArchitectureError } from '../../src/space/errors.js';
import { createSpace } from '../../src/space/registry.js';
import { initBackend } from '../../src/tf/backend.js';
import { architectureCost } from '../../src/train/cost.js';
import type { NetworkConfig } from '../../src/train/types.js';
import { ValidationError } from '../../src/util/errors.js';

const space = createSpace('nb201');
const arch = [1, 2, 3, 4, 0, 1];
const network: NetworkConfig = { inputShape: [8, 8, 3], classes: 10, channels: 4, stages: 2 };
let hardware: ReturnType<typeof localHardwareProfile>;

before(async () => {
  hardware = localHardwareProfile(await initBackend());
});

const request = (over: Record<string, unknown> = {}) => ({ space, arch, network, batchSize: 2, repeats: 5, ...over });

test('profile: p90 >= median > 0, cost equal to src/train/cost.ts, then served from the cache', async () => {
  const profiler = new LatencyProfiler(hardware, { warmup: 1 });
  const first = await profiler.profile(request());
  assert.ok(first.medianMs > 0, `median ${first.medianMs}`);
  assert.ok(first.p90Ms >= first.medianMs, `p90 ${first.p90Ms} < median ${first.medianMs}`);
  const cost = architectureCost(space, arch, network);
  assert.equal(first.params, cost.params);
  assert.equal(first.flops, cost.macs);
  assert.deepEqual(
    { cached: first.cached, hash: first.architectureHash, batchSize: first.batchSize, repeats: first.repeats },
    { cached: false, hash: space.hash(arch), batchSize: 2, repeats: 5 },
  );
  const reordered = { stages: 2, channels: 4, classes: 10, inputShape: [8, 8, 3] as const };
  const second = await profiler.profile(request({ network: reordered, repeats: 50 }));
  assert.deepEqual(second, { ...first, cached: true }, 'same architecture, profile, batch size and network: cached');
  assert.equal((await profiler.profile(request({ batchSize: 3 }))).cached, false, 'batch size is part of the key');
  assert.equal((await profiler.profile(request({ network: { ...network, channels: 8 } }))).cached, false);
});

test('concurrent identical requests measure once', async () => {
  const profiler = new LatencyProfiler(hardware, { warmup: 1 });
  const results = await Promise.all([profiler.profile(request()), profiler.profile(request())]);
  assert.deepEqual(
    results.map((r) => r.cached),
    [false, true],
  );
});

test('the cache keeps the most recent cacheSize measurements', async () => {
  const profiler = new LatencyProfiler(hardware, { warmup: 1, cacheSize: 1 });
  await profiler.profile(request());
  await profiler.profile(request({ batchSize: 3 }));
  assert.equal((await profiler.profile(request({ batchSize: 3 }))).cached, true);
  assert.equal((await profiler.profile(request())).cached, false, 'evicted by the newer measurement');
});

test('an aborted request measures nothing and caches nothing', async () => {
  const profiler = new LatencyProfiler(hardware, { warmup: 1 });
  const controller = new AbortController();
  const reason = new Error('caller gone');
  const pending = profiler.profile(request({ repeats: 1000 }), controller.signal);
  setTimeout(() => controller.abort(reason), 20);
  await assert.rejects(pending, (e) => e === reason);
  assert.equal((await profiler.profile(request())).cached, false);
});

test('bad input names the field and the allowed values', async () => {
  const profiler = new LatencyProfiler(hardware);
  const field = (f: string, allowed?: string) => (e: unknown) =>
    e instanceof ValidationError && e.field === f && (allowed === undefined || e.message.includes(allowed));
  await assert.rejects(profiler.profile(request({ repeats: 0 })), field('repeats'));
  await assert.rejects(profiler.profile(request({ batchSize: 1.5 })), field('batchSize'));
  await assert.rejects(profiler.profile(request({ network: { ...network, inputShape: [8, 8] } })), field('network.inputShape'));
  await assert.rejects(profiler.profile(request({ network: { ...network, stemStride: 3 } })), field('network.stemStride'));
  await assert.rejects(profiler.profile(request({ hardwareProfile: 'tpu-v5' })), field('hardwareProfile', hardware.name));
  await assert.rejects(
    profiler.profile(request({ arch: [1, 2, 3, 4, 0, 9] })),
    (e) => e instanceof InvalidArchitectureError && e.message.includes('allowed'),
  );
});

test('quantile interpolates linearly between order statistics', () => {
  assert.equal(quantile([3, 1, 2], 0.5), 2);
  assert.equal(quantile([1, 2, 3, 4], 0.5), 2.5);
  assert.equal(quantile([10, 20], 0.9), 19);
  assert.equal(quantile([7], 0.9), 7);
});
