import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ServiceError, status } from '@grpc/grpc-js';
import type { CandidateRecord } from '../../src/search/types.js';
import { type SearchSpec, searchSpecSchema } from '../../src/spec/search-spec.js';
import { initBackend } from '../../src/tf/backend.js';
import { parseWith } from '../../src/util/schema.js';
import { closeNats, connectNats } from '../../services/common/nats/connection.js';
import { SearchEvents } from '../../services/common/nats/events.js';
import { searchEventCodec } from '../../services/common/messages/search-event-codec.js';
import { documentFromSpec } from '../../services/common/messages/search-document.js';
import { SearchPhase } from '../../services/gen/nasmesh/v1/common.js';
import { NatsServer, skipWithoutNatsServer } from '../support/nats-server.js';
import { embeddedCandidates, evaluatedAtLeast, evaluatedEventCounts, MeshProcesses, outcome, waitForPhase, watchedCandidates } from './mesh.js';

/** A tiny ENAS search: 3 epochs × 2 controller steps on a 64-image MNIST subset. */
const search: SearchSpec = parseWith(
  searchSpecSchema,
  {
    apiVersion: 'nasmesh.io/v1alpha1',
    kind: 'NASSearch',
    metadata: { name: 'ws-mesh' },
    spec: {
      seed: 5,
      dataset: { name: 'mnist', validation: { size: 64, seed: 0 }, subset: 64 },
      space: { name: 'enas-micro', blocks: 2, ops: ['sep_conv_3x3', 'avg_pool_3x3', 'identity'] },
      strategy: { name: 'reinforce', batchSize: 2, units: 16 },
      evaluation: { mode: 'weight-sharing', epochs: 3, sharedStepsPerEpoch: 2, controllerStepsPerEpoch: 2, batchSize: 16 },
      budget: { candidates: 6 },
      network: { channels: 4, cellsPerStage: 1, stages: 2, stemStride: 2 },
    },
  },
  '',
);

/** The supernet epochs announced on the search's events stream: [epoch, object name, policy version]. */
async function supernetEpochs(natsUrl: string, id: string): Promise<[number, string, number][]> {
  const nc = await connectNats({ servers: natsUrl, name: 'test-supernet-events' });
  const abort = new AbortController();
  const seen = new Map<number, [number, string, number]>();
  try {
    const events = await SearchEvents.open(nc, searchEventCodec);
    for await (const e of events.replay(id, { signal: abort.signal })) {
      const { event } = e.event;
      if (event?.$case === 'supernetCheckpoint') seen.set(event.value.epoch, [event.value.epoch, event.value.objectName, event.value.policyVersion]);
      if (e.pending === 0) break;
    }
  } finally {
    abort.abort();
    await closeNats(nc);
  }
  return [...seen.values()].sort((a, b) => a[0] - b[0]);
}

/**
 * ENAS through the mesh: the controller proposes, the supernet-trainer trains the shared weights epoch by epoch with
 * the controller's policy, evaluators score each candidate with the epoch's stored checkpoint. The result must be the
 * embedded run's, also when the trainer is killed mid-search and restarted.
 */
describe('mesh: weight-sharing search with the supernet-trainer', { skip: skipWithoutNatsServer, timeout: 300_000 }, () => {
  let nats: NatsServer;
  let expected: CandidateRecord[];
  const mesh = new MeshProcesses(() => nats.url);
  const { start, connect } = mesh;

  before(async () => {
    await initBackend();
    nats = await NatsServer.start();
    expected = await embeddedCandidates(search);
  });
  after(async () => {
    await mesh.stopAll();
    await nats?.dispose();
  });

  it('refuses weight-sharing searches on a controller without --supernet-trainer', async () => {
    const controller = await start('controller');
    const client = connect(controller);
    await assert.rejects(client.createSearch(documentFromSpec(search)), (e: ServiceError) => {
      assert.equal(e.code, status.FAILED_PRECONDITION);
      assert.match(e.details, /--supernet-trainer/);
      return true;
    });
    await controller.kill('SIGTERM');
  });

  it('runs the embedded search, through a trainer and then a controller killed and restarted mid-search', async () => {
    let trainer = await start('supernet-trainer');
    const trainerPort = trainer.address.split(':').at(-1)!;
    let controller = await start('controller', ['--supernet-trainer', trainer.address]);
    await start('evaluator', ['--modes', 'weight-sharing']);
    let client = connect(controller);
    await client.createSearch(documentFromSpec(search));
    const logs = () => `controller:\n${controller.log}\ntrainer:\n${trainer.log}`;

    // After epoch 1's candidates the trainer dies (SIGKILL: nothing is handed over) and comes back on its port.
    await evaluatedAtLeast(client, 'ws-mesh', 2);
    await trainer.kill('SIGKILL');
    trainer = await start('supernet-trainer', ['--port', trainerPort]);
    // In epoch 2 the controller dies and a new one, on another port, resumes the search: the trainer, waiting for
    // the policy of epoch 3, must then fetch it from the new address.
    await evaluatedAtLeast(client, 'ws-mesh', 3);
    await controller.kill('SIGKILL');
    controller = await start('controller', ['--supernet-trainer', trainer.address]);
    client = connect(controller);

    const done = await waitForPhase(() => client, 'ws-mesh', SearchPhase.SUCCEEDED, 180_000).catch((e: Error) => {
      throw new Error(`${e.message}\n${logs()}`);
    });
    assert.equal(done.done, 6);
    assert.deepEqual(outcome(await watchedCandidates(client, 'ws-mesh')), outcome(expected));
    const counts = await evaluatedEventCounts(nats.url, 'ws-mesh');
    assert.deepEqual([...counts.values()], [1, 1, 1, 1, 1, 1]);
    // Epoch e trained with the policy after (e-1) × 2 controller steps, and its checkpoint scored epoch e's candidates.
    assert.deepEqual(await supernetEpochs(nats.url, 'ws-mesh'), [
      [1, 'supernet/1', 0],
      [2, 'supernet/2', 2],
      [3, 'supernet/3', 4],
    ]);
  });
});
