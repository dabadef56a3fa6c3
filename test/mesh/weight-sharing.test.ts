import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type ServiceError, status } from '@grpc/grpc-js';
import { runEmbeddedSearch } from '../../src/search/embedded-search.js';
import type { CandidateRecord, SearchSummary } from '../../src/search/types.js';
import { type SearchSpec, searchSpecSchema } from '../../src/spec/search-spec.js';
import { initBackend, tf } from '../../src/tf/backend.js';
import { loadModel } from '../../src/train/export.js';
import { parseWith } from '../../src/util/schema.js';
import { closeNats, connectNats } from '../../services/common/nats/connection.js';
import { SearchEvents } from '../../services/common/nats/events.js';
import { searchEventCodec } from '../../services/common/messages/search-event-codec.js';
import { documentFromSpec } from '../../services/common/messages/search-document.js';
import { SearchPhase } from '../../services/gen/nasmesh/v1/common.js';
import { NatsServer, skipWithoutNatsServer } from '../support/nats-server.js';
import { parsePrometheusText, sampleValue } from '../support/prom-text.js';
import {
  embeddedCandidates,
  evaluatedAtLeast,
  evaluatedEventCounts,
  MeshProcesses,
  nasmesh,
  nasmeshWithEnv,
  outcome,
  type ServiceProcess,
  waitForPhase,
  watchedCandidates,
} from './mesh.js';

/** A tiny ENAS search: 3 epochs × 2 controller steps on a 64-image subset (MNIST unless `dataset` says otherwise). */
const tinySearch = (name: string, spec: Record<string, unknown> = {}): SearchSpec =>
  parseWith(
    searchSpecSchema,
    {
      apiVersion: 'nasmesh.io/v1alpha1',
      kind: 'NASSearch',
      metadata: { name },
      spec: {
        seed: 5,
        dataset: { name: 'mnist', validation: { size: 64, seed: 0 }, subset: 64 },
        space: { name: 'enas-micro', blocks: 2, ops: ['sep_conv_3x3', 'avg_pool_3x3', 'identity'] },
        strategy: { name: 'reinforce', batchSize: 2, units: 16 },
        evaluation: { mode: 'weight-sharing', epochs: 3, sharedStepsPerEpoch: 2, controllerStepsPerEpoch: 2, batchSize: 16 },
        budget: { candidates: 6 },
        network: { channels: 4, cellsPerStage: 1, stages: 2, stemStride: 2 },
        ...spec,
      },
    },
    '',
  );

const search = tinySearch('ws-mesh');

/**
 * The same on Fashion-MNIST with a final stage: the two best of the derive step retrained for one epoch beside the
 * baseline, the best exported.
 */
const finalSearch = tinySearch('ws-final', {
  seed: 9,
  dataset: { name: 'fashion-mnist', validation: { size: 64, seed: 0 }, subset: 64 },
  evaluation: { mode: 'weight-sharing', epochs: 3, sharedStepsPerEpoch: 2, controllerStepsPerEpoch: 2, batchSize: 16, deriveSamples: 2 },
  final: { topK: 2, epochs: 1, batchSize: 32, baseline: 'resnet-small' },
});

/** The supernet epochs announced on the search's events stream: [epoch, object name, policy version]. */
async function supernetEpochs(natsUrl: string, id: string): Promise<[number, string, number][]> {
  const nc = await connectNats({ servers: natsUrl, name: 'test-supernet-events' });
  const abort = new AbortController();
  const seen = new Map<number, [number, string, number]>();
  try {
    const events = await SearchEvents.open(nc, searchEventCodec);
    for await (const e of events.replay(id, { signal: abort.signal })) {
      const { event } = e.event;
      if (event?.$case === 'supernetCheckpoint')
        seen.set(event.value.epoch, [event.value.epoch, event.value.objectName, event.value.policyVersion]);
      if (e.pending === 0) break;
    }
  } finally {
    abort.abort();
    await closeNats(nc);
  }
  return [...seen.values()].sort((a, b) => a[0] - b[0]);
}

/** Candidates as the files hold them, without their timings (which differ from run to run). */
const untimed = (candidates: readonly CandidateRecord[]) => candidates.map(({ seconds: _, ...c }) => c);
const candidateLines = (file: string) =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as CandidateRecord);
const readJson = <T>(file: string) => JSON.parse(readFileSync(file, 'utf8')) as T;

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
      assert.match(e.details, /name one in CreateSearch \(supernetTrainer\) or start the controller with --supernet-trainer/);
      return true;
    });
    const standalone = tinySearch('standalone', { evaluation: { mode: 'standalone', epochs: 1 }, budget: { candidates: 2 } });
    await assert.rejects(client.createSearch(documentFromSpec(standalone), '127.0.0.1:50053'), (e: ServiceError) => {
      assert.equal(e.code, status.INVALID_ARGUMENT);
      assert.match(
        e.details,
        /^supernetTrainer: only weight-sharing searches have a supernet-trainer; this one evaluates in mode standalone/,
      );
      assert.equal(e.metadata.get('field')[0], 'supernetTrainer');
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

  it("trains on the trainer its CreateSearch names, also once resumed; `nasmesh final` and `results` give the embedded run's results", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nasmesh-ws-final-'));
    try {
      const embeddedDir = join(dir, 'embedded');
      const embedded = await runEmbeddedSearch(finalSearch, { outDir: embeddedDir });
      // The earlier tests' evaluators would take this search's jobs: this test says when evaluators run.
      await mesh.stopAll();

      // The search's own trainer (as the operator starts one per search); the controller's default is another.
      const own = await start('supernet-trainer');
      const fallback = await start('supernet-trainer');
      let controller = await start('controller', ['--supernet-trainer', fallback.address]);
      let client = connect(controller);
      await assert.rejects(client.createSearch(documentFromSpec(finalSearch), 'no-port'), (e: ServiceError) => {
        assert.equal(e.code, status.INVALID_ARGUMENT);
        assert.match(e.details, /^supernetTrainer: 'no-port' is not host:port/);
        return true;
      });
      await client.createSearch(documentFromSpec(finalSearch), own.address);
      // No evaluator yet, so the search cannot have succeeded however slowly `nasmesh final` starts.
      const early = await nasmesh('final', 'ws-final', '--nats', nats.url);
      assert.equal(early.code, 2, early.stdout);
      assert.match(early.stderr, /^nasmesh: search ws-final is (pending|running): the final stage runs once it has succeeded/);
      // Slow evaluations, and no evaluator while the controller restarts: the search cannot finish before it does.
      const evaluator = await start('evaluator', ['--modes', 'weight-sharing', '--ack-wait-ms', '5000'], { evaluationDelayMs: 1500 });
      // A controller that restarts mid-search resumes it on the trainer stored with it, not on its default.
      await evaluatedAtLeast(client, 'ws-final', 3);
      await evaluator.kill('SIGKILL');
      await controller.kill('SIGKILL');
      controller = await start('controller', ['--supernet-trainer', fallback.address]);
      assert.match(controller.log, /resumed ws-final/);
      // The job the killed evaluator held goes to this one once its ack wait ran out.
      await start('evaluator', ['--modes', 'weight-sharing', '--ack-wait-ms', '5000']);
      client = connect(controller);
      await waitForPhase(() => client, 'ws-final', SearchPhase.SUCCEEDED, 180_000);
      const candidates = candidateLines(join(embeddedDir, 'candidates.jsonl'));
      assert.deepEqual(outcome(await watchedCandidates(client, 'ws-final')), outcome(candidates));
      const trainedBy = async (trainer: ServiceProcess) =>
        sampleValue(parsePrometheusText(await trainer.scrape()), 'nasmesh_supernet_train_loss', { search: 'ws-final' });
      assert.notEqual(await trainedBy(own), undefined, 'its own trainer trained it');
      assert.equal(await trainedBy(fallback), undefined, "the controller's default trainer did not");

      const final = await nasmesh('final', 'ws-final', '--nats', nats.url);
      assert.equal(final.code, 0, final.stderr);
      assert.match(final.stdout, /^final .+: epoch 1\/1 loss \d/m, 'a line per epoch');
      assert.match(final.stdout, /^stored results\/model\/weights\.bin \(\d+ bytes\)$/m);
      const again = await nasmesh('final', 'ws-final', '--nats', nats.url);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /its results are complete already/);
      assert.doesNotMatch(again.stdout, /^stored /m, 'nothing done twice');

      // Downloaded with the controller from $NASMESH_CONTROLLER: the embedded run's files, up to timings.
      const out = join(dir, 'downloaded');
      const download = await nasmeshWithEnv({ NASMESH_CONTROLLER: controller.address }, 'results', 'ws-final', '--out', out);
      assert.equal(download.code, 0, download.stderr);
      const files = [
        'best-architecture.json',
        'best-architectures.json',
        'candidates.jsonl',
        'finalists.json',
        'model/model.json',
        'model/model.onnx',
        'model/weights.bin',
        'summary.json',
      ];
      assert.deepEqual(
        readdirSync(out, { recursive: true })
          .filter((f) => f !== 'model')
          .sort(),
        files,
      );
      assert.match(download.stdout, /^8 files, \d+ bytes in /m);
      assert.deepEqual(untimed(candidateLines(join(out, 'candidates.jsonl'))), untimed(candidates));
      assert.deepEqual(
        untimed(readJson(join(out, 'best-architectures.json'))),
        untimed(readJson(join(embeddedDir, 'best-architectures.json'))),
      );
      for (const file of ['finalists.json', 'best-architecture.json']) {
        assert.deepEqual(readJson(join(out, file)), readJson(join(embeddedDir, file)), file);
      }
      assert.ok(readFileSync(join(out, 'model/model.onnx')).equals(readFileSync(join(embeddedDir, 'model/model.onnx'))), 'model.onnx');
      const summary = readJson<SearchSummary>(join(out, 'summary.json'));
      assert.ok(summary.best && embedded.best && summary.baseline && embedded.baseline);
      assert.deepEqual(summary.best.architecture, embedded.best.architecture);
      assert.equal(summary.best.testAccuracy, embedded.best.testAccuracy);
      assert.equal(summary.baseline.testAccuracy, embedded.baseline.testAccuracy);
      assert.deepEqual(untimed([summary.bestCandidate!]), untimed([embedded.bestCandidate!]));
      assert.equal(summary.candidates, embedded.candidates);

      const [model, reference] = [await loadModel(join(out, 'model')), await loadModel(join(embeddedDir, 'model'))];
      const x = tf.randomNormal([2, 28, 28, 1], 0, 1, 'float32', 3);
      assert.deepEqual((model.predict(x) as tf.Tensor).arraySync(), (reference.predict(x) as tf.Tensor).arraySync());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
