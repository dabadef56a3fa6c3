import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type ServiceError, status } from '@grpc/grpc-js';
import { createSpace } from '../../../src/space/registry.js';
import { architectureCost } from '../../../src/train/cost.js';
import type { LatencyProfilerClient } from '../../../services/gen/nasmesh/v1/latency_profiler.js';
import { profile, profilerClient } from './clients.js';
import { nb201, slow, small, startProfilerServer } from './fixture.js';

let running: Awaited<ReturnType<typeof startProfilerServer>>;
let client: LatencyProfilerClient;
before(async () => {
  running = await startProfilerServer();
  client = profilerClient(running.address);
});
after(async () => {
  client.close();
  await running.server.shutdown();
});

test('ProfileArchitecture: p90 >= median > 0, params and flops of src/train/cost.ts, then cached', async () => {
  const first = await profile(client, { architecture: nb201, network: small, batchSize: 2, repeats: 5 });
  assert.ok(first.medianMs > 0 && first.p90Ms >= first.medianMs, `median ${first.medianMs}, p90 ${first.p90Ms}`);
  const space = createSpace('nb201');
  const cost = architectureCost(space, nb201.choices, small);
  assert.deepEqual(
    [first.params, first.flops, first.cached, first.architectureHash, first.batchSize, first.repeats],
    [cost.params, cost.macs, false, space.hash(nb201.choices), 2, 5],
  );
  assert.equal(first.hardware?.name, running.profiler.hardware.name);
  // The same architecture in its string form, the same profile, batch size and network: from the cache.
  const byString = { space: 'nb201', arch: space.encode(nb201.choices) };
  const second = await profile(client, { architecture: byString, network: small, batchSize: 2, repeats: 5 });
  assert.deepEqual(second, { ...first, cached: true });
});

test('bad input is INVALID_ARGUMENT naming the field, in the message and the trailing metadata', async () => {
  const cases: [string, object, string?][] = [
    ['architecture', { network: small }],
    ['architecture.space', { architecture: { space: 'resnet', choices: [0] }, network: small }, 'nb201, enas-micro'],
    ['architecture.choices', { architecture: { space: 'nb201', choices: [1, 2, 3, 4, 0, 9] }, network: small }, 'edge'],
    ['architecture.decisions.edge10', { architecture: { space: 'nb201', decisions: { edge10: 'conv' } }, network: small }, 'nor_conv_3x3'],
    [
      'architecture.spaceOptions.blocks',
      { architecture: { space: 'enas-micro', spaceOptions: { blocks: 0 }, choices: [0] }, network: small },
    ],
    ['network', { architecture: nb201 }],
    ['network.inputShape', { architecture: nb201, network: { ...small, inputShape: [8, 8] } }],
    ['repeats', { architecture: nb201, network: small, repeats: -1 }],
    ['hardwareProfile', { architecture: nb201, network: small, hardwareProfile: 'tpu-v5' }, running.profiler.hardware.name],
  ];
  for (const [field, request, mentions] of cases) {
    const error = await profile(client, request).then(
      () => assert.fail(`${field}: accepted`),
      (e: ServiceError) => e,
    );
    assert.equal(error.code, status.INVALID_ARGUMENT, `${field}: ${error.message}`);
    assert.ok(error.details.startsWith(`${field}`), `'${error.details}' names ${field}`);
    assert.deepEqual(error.metadata.get('field'), [field]);
    if (mentions) assert.ok(error.details.includes(mentions), `'${error.details}' mentions ${mentions}`);
  }
});

test('deadlines: an expired call stops its measurement, and queued work past its deadline never starts', async () => {
  const other = { space: 'nb201', choices: [0, 1, 2, 3, 4, 0] };
  // Unstopped, 1000 runs of batch 16 would keep the profiler busy for minutes.
  const endless = profile(client, { architecture: nb201, network: slow, batchSize: 16, repeats: 1000 }, 300);
  // Queued behind it, and expired before its turn comes.
  const queued = profile(client, { architecture: other, network: small, repeats: 3 }, 150);
  await Promise.all([
    assert.rejects(endless, { code: status.DEADLINE_EXCEEDED }),
    assert.rejects(queued, { code: status.DEADLINE_EXCEEDED }),
  ]);
  const after = await profile(client, { architecture: other, network: small, repeats: 3 }, 10_000);
  assert.equal(after.cached, false, 'the expired queued request was not measured');
});
