import assert from 'node:assert/strict';
import { credentials, Metadata, type ServiceError, status } from '@grpc/grpc-js';
import type { NatsConnection } from 'nats';
import { after, before, describe, it } from 'node:test';
import { createRegistry, SupernetMetrics } from '../../../services/common/metrics/index.js';
import { startGrpcServer, type RunningGrpcServer } from '../../../services/common/grpc/server.js';
import { closeNats, connectNats, NatsSearchStore, SearchEvents } from '../../../services/common/nats/index.js';
import type { SearchDocument } from '../../../services/gen/nasmesh/v1/common.js';
import type { SearchEvent } from '../../../services/gen/nasmesh/v1/events.js';
import {
  SupernetTrainerClient,
  SupernetTrainerService,
  TrainingPhase,
  type TrainingStatus,
} from '../../../services/gen/nasmesh/v1/supernet_trainer.js';
import { CheckpointBlobs } from '../../../services/supernet-trainer/checkpoint-blobs.js';
import { supernetTrainerHandlers } from '../../../services/supernet-trainer/handler.js';
import { TrustedPeers } from '../../../services/common/security/trusted-peers.js';
import { searchEventCodec } from '../../../services/common/messages/search-event-codec.js';
import { SupernetTrainer } from '../../../services/supernet-trainer/trainer.js';
import { JobEvaluator } from '../../../services/evaluator/job-evaluator.js';
import { WeightSharingModeEvaluator } from '../../../services/evaluator/weight-sharing-mode.js';
import { loadDataset } from '../../../src/data/load.js';
import { candidateValidationBatch, scoreWithSupernet } from '../../../src/search/weight-sharing-score.js';
import type { EnasMicroSpace } from '../../../src/space/enas-micro.js';
import { createSpace, type SpaceConfig } from '../../../src/space/registry.js';
import { initBackend } from '../../../src/tf/backend.js';
import { supernetFromBytes } from '../../../src/train/supernet/bytes.js';
import { Rng } from '../../../src/util/rng.js';
import { NatsServer, skipWithoutNatsServer } from '../../support/nats-server.js';
import { LearningPolicy } from './learning-policy.js';

const SPACE: SpaceConfig = { name: 'enas-micro', blocks: 2, ops: ['sep_conv_3x3', 'avg_pool_3x3', 'identity'] };
const OPS = ['sep_conv_3x3', 'avg_pool_3x3', 'identity'];
const STRATEGY = { name: 'reinforce', batchSize: 2, units: 16 };
const DATASET = { name: 'mnist', validation: { size: 64, seed: 0 }, subset: 64 };

function document(name: string, evaluation: Record<string, unknown>): SearchDocument {
  const { epochs, controllerStepsPerEpoch } = evaluation as { epochs?: number; controllerStepsPerEpoch?: number };
  return {
    apiVersion: 'nasmesh.io/v1alpha1',
    kind: 'NASSearch',
    metadata: { name, namespace: '', labels: {} },
    spec: {
      seed: 3,
      dataset: DATASET,
      space: SPACE,
      strategy: STRATEGY,
      evaluation: { batchSize: 16, ...evaluation },
      budget: { candidates: epochs && controllerStepsPerEpoch ? epochs * controllerStepsPerEpoch : 4 },
      network: { channels: 4, cellsPerStage: 1, stages: 2, stemStride: 2 },
    },
  };
}

type Method = 'startTraining' | 'getStatus' | 'getLatestCheckpoint' | 'stopTraining';
function call<R>(client: SupernetTrainerClient, method: Method, request: object): Promise<R> {
  return new Promise((resolve, reject) =>
    (client[method] as unknown as (r: object, m: Metadata, cb: (e: ServiceError | null, r: R) => void) => void).call(
      client,
      request,
      new Metadata(),
      (e, r) => (e ? reject(e) : resolve(r)),
    ),
  );
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('supernet-trainer over gRPC and NATS', { skip: skipWithoutNatsServer, timeout: 180_000 }, () => {
  let nats: NatsServer;
  let nc: NatsConnection;
  let store: NatsSearchStore;
  let server: RunningGrpcServer;
  let client: SupernetTrainerClient;
  let trainer: SupernetTrainer;
  const registry = createRegistry();
  const space = createSpace(SPACE) as EnasMicroSpace;
  const policies: LearningPolicy[] = [];

  before(async () => {
    await initBackend('wasm');
    nats = await NatsServer.start();
    nc = await connectNats({ servers: nats.url, name: 'supernet-trainer-test' });
    store = await NatsSearchStore.open(nc);
    trainer = new SupernetTrainer(
      {
        checkpoints: new CheckpointBlobs(store),
        events: await SearchEvents.open(nc, searchEventCodec),
        metrics: new SupernetMetrics(registry),
      },
      () => {
        const policy = new LearningPolicy(space, { batchSize: 2, units: 16 });
        policies.push(policy);
        return policy;
      },
    );
    server = await startGrpcServer({
      host: '127.0.0.1',
      port: 0,
      // No trusted controllers configured: the loopback addresses these tests name are trusted.
      services: [
        {
          definition: SupernetTrainerService,
          implementation: supernetTrainerHandlers(trainer, new TrustedPeers([], false, 'controller', '--trusted-controller')),
        },
      ],
    });
    client = new SupernetTrainerClient(`127.0.0.1:${server.port}`, credentials.createInsecure());
  });
  after(async () => {
    client?.close();
    await trainer?.close();
    await server?.shutdown();
    for (const p of policies) p.strategy.dispose();
    if (nc) await closeNats(nc);
    await nats?.dispose();
  });

  it('answers a document of another evaluation mode with INVALID_ARGUMENT naming spec.evaluation.mode', async () => {
    const request = { searchId: 'bench', document: document('bench', { mode: 'standalone' }), controller: '127.0.0.1:1' };
    await assert.rejects(call(client, 'startTraining', request), (e: ServiceError) => {
      assert.equal(e.code, status.INVALID_ARGUMENT);
      assert.equal(e.metadata.get('field')[0], 'spec.evaluation.mode');
      return true;
    });
    await assert.rejects(call(client, 'getStatus', { searchId: 'bench' }), (e: ServiceError) => e.code === status.NOT_FOUND);
    await assert.rejects(call(client, 'getLatestCheckpoint', { searchId: 'bench' }), (e: ServiceError) => e.code === status.NOT_FOUND);
  });

  it('trains epoch after epoch, storing each checkpoint and publishing its event; the evaluator scores with it', async () => {
    const doc = document('ws-a', { mode: 'weight-sharing', epochs: 2, sharedStepsPerEpoch: 3, controllerStepsPerEpoch: 2 });
    const started = await call<TrainingStatus>(client, 'startTraining', { searchId: 'ws-a', document: doc, controller: '127.0.0.1:1' });
    assert.ok([TrainingPhase.RUNNING, TrainingPhase.WAITING_FOR_POLICY].includes(started.phase));
    assert.equal(started.epochs, 2);
    // Starting it again while it trains answers its status.
    assert.equal(
      (await call<TrainingStatus>(client, 'startTraining', { searchId: 'ws-a', document: doc, controller: '127.0.0.2:1' })).epochs,
      2,
    );
    const epochs: number[] = [];
    await until('epoch 2', async () => {
      const s = await call<TrainingStatus>(client, 'getStatus', { searchId: 'ws-a' });
      if (epochs.at(-1) !== s.epoch) epochs.push(s.epoch);
      return s.phase === TrainingPhase.SUCCEEDED;
    });
    assert.deepEqual(
      epochs.filter((e) => e > 0),
      [1, 2],
    );
    // Epoch 1 used the first policy; epoch 2 waited for the one after epoch 1's two controller steps.
    assert.deepEqual(policies.at(-1)!.asked, [0, 2]);

    const events = await SearchEvents.open<SearchEvent>(nc, searchEventCodec);
    const stop = new AbortController();
    const seen: SearchEvent[] = [];
    for await (const e of events.replay('ws-a', { signal: stop.signal })) {
      assert.equal(e.kind, 'supernet');
      seen.push(e.event);
      if (seen.length === 2) stop.abort();
    }
    const records = seen.map((e) => (e.event?.$case === 'supernetCheckpoint' ? e.event.value : undefined));
    assert.deepEqual(
      records.map((r) => [r?.epoch, r?.objectName, r?.policyVersion]),
      [
        [1, 'supernet/1', 0],
        [2, 'supernet/2', 2],
      ],
    );
    assert.ok(records.every((r) => Number.isFinite(r!.loss) && r!.accuracy >= 0 && r!.accuracy <= 1));
    const latest = await call<(typeof records)[0]>(client, 'getLatestCheckpoint', { searchId: 'ws-a' });
    assert.deepEqual(latest, records[1]);
    assert.match(await registry.metrics(), /nasmesh_supernet_train_loss\{search="ws-a"\} \d/);

    // The evaluator's score from the stored blob is the in-process score with the same weights on the same batch.
    const bytes = (await store.getBlob('ws-a', 'supernet/2'))!;
    const arch = space.sample(new Rng(5));
    const evaluator = new JobEvaluator({ 'weight-sharing': new WeightSharingModeEvaluator(store) });
    const job = {
      searchId: 'ws-a',
      index: 7,
      architecture: { space: 'enas-micro', spaceOptions: { blocks: 2, ops: OPS }, choices: arch, decisions: {}, arch: '', hash: '' },
      document: doc,
      checkpoint: 'supernet/2',
    };
    const scored = (j: typeof job) => evaluator.evaluate(evaluator.parse(j), new AbortController().signal);
    const result = await scored(job);
    const again = await scored(job);
    await evaluator.close();
    const net = supernetFromBytes(space, bytes);
    const data = await loadDataset(DATASET);
    const expected = scoreWithSupernet(net, arch, candidateValidationBatch(data, 16, 3, 7));
    net.dispose();
    assert.equal(result.accuracy, expected);
    assert.equal(again.accuracy, expected);
    assert.equal(result.architecture?.hash, space.hash(arch));
    await assert.rejects(scored({ ...job, checkpoint: 'supernet/9' }), /no supernet checkpoint 'supernet\/9'/);
  });

  it('StopTraining stops after the step in progress; the last whole epoch stays stored', async () => {
    const doc = document('ws-b', { mode: 'weight-sharing', epochs: 50, sharedStepsPerEpoch: 4, controllerStepsPerEpoch: 2 });
    await call(client, 'startTraining', { searchId: 'ws-b', document: doc, controller: '127.0.0.1:1' });
    await until('epoch 1', async () => (await call<TrainingStatus>(client, 'getStatus', { searchId: 'ws-b' })).epoch >= 1);
    const stopped = await call<TrainingStatus>(client, 'stopTraining', { searchId: 'ws-b' });
    assert.equal(stopped.phase, TrainingPhase.STOPPED);
    assert.ok(stopped.epoch < 50);
    assert.equal(stopped.latest?.epoch, stopped.epoch);
    const stored = await new CheckpointBlobs(store).latest('ws-b');
    assert.equal(stored?.epoch, stopped.epoch);
    assert.ok(await store.getBlob('ws-b', `supernet/${stopped.epoch}`));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await call<TrainingStatus>(client, 'getStatus', { searchId: 'ws-b' })).epoch, stopped.epoch);
  });
});
