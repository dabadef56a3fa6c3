import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Client, credentials, makeGenericClientConstructor, Metadata, type ServiceError, status } from '@grpc/grpc-js';
import fc from 'fast-check';
import type { NatsConnection } from 'nats';
import { type DataRoots, openDataRoots } from '../../../src/data/data-roots.js';
import { LatencyProfiler, localHardwareProfile } from '../../../src/latency/index.js';
import { IntervalCheckpointStore } from '../../../src/store/interval-checkpoint-store.js';
import { initBackend } from '../../../src/tf/backend.js';
import { type RunningGrpcServer, startGrpcServer } from '../../../services/common/grpc/server.js';
import { searchEventCodec } from '../../../services/common/messages/search-event-codec.js';
import { documentFromSpec } from '../../../services/common/messages/search-document.js';
import { ControllerMetrics, createRegistry, SupernetMetrics } from '../../../services/common/metrics/index.js';
import { closeNats, connectNats, NatsSearchStore, SearchEvents } from '../../../services/common/nats/index.js';
import { TrustedPeers } from '../../../services/common/security/trusted-peers.js';
import { controllerHandlers } from '../../../services/controller/handlers.js';
import { Searches } from '../../../services/controller/searches.js';
import { TrainerLinks } from '../../../services/controller/trainer-links.js';
import { BenchmarkModeEvaluator } from '../../../services/evaluator/benchmark-mode.js';
import { evaluatorHandlers } from '../../../services/evaluator/handlers.js';
import { JobEvaluator } from '../../../services/evaluator/job-evaluator.js';
import { ControllerService } from '../../../services/gen/nasmesh/v1/controller.js';
import { EvaluatorService } from '../../../services/gen/nasmesh/v1/evaluator.js';
import { LatencyProfilerService } from '../../../services/gen/nasmesh/v1/latency_profiler.js';
import { SupernetTrainerService } from '../../../services/gen/nasmesh/v1/supernet_trainer.js';
import { latencyProfilerHandlers } from '../../../services/latency-profiler/handler.js';
import { CheckpointBlobs } from '../../../services/supernet-trainer/checkpoint-blobs.js';
import { ControllerPolicySource } from '../../../services/supernet-trainer/controller-policy-source.js';
import { supernetTrainerHandlers } from '../../../services/supernet-trainer/handler.js';
import { SupernetTrainer } from '../../../services/supernet-trainer/trainer.js';
import { benchmarkSearch } from '../../mesh/mesh.js';
import { writeSyntheticNb201Table } from '../../mesh/synthetic-table.js';
import { counted, hostileJson, mutateAt, runs } from '../../support/fuzz.js';
import { NatsServer, skipWithoutNatsServer } from '../../support/nats-server.js';
import { healthStatus } from '../grpc/clients.js';

/** In every file a request may reach: nothing a server answers may ever hold it. */
const SECRET = 'SECRETxyz-file-content';

/** What a hostile request may get back: an answer or a status that says what was wrong, never INTERNAL or UNKNOWN. */
const CLEAR = new Set([
  status.OK,
  status.INVALID_ARGUMENT,
  status.NOT_FOUND,
  status.ALREADY_EXISTS,
  status.FAILED_PRECONDITION,
  status.RESOURCE_EXHAUSTED,
  status.PERMISSION_DENIED,
  status.UNIMPLEMENTED,
  status.DEADLINE_EXCEEDED,
  status.CANCELLED,
]);

type Outcome = { code: status; details: string; response?: unknown };

/**
 * One call of `method` (a grpc-js method path) with a request object; server-streaming calls read a few messages.
 * Undefined when the request cannot even be encoded as the message (a string field given an array): nothing to send.
 */
async function call(
  client: Client,
  path: string,
  request: unknown,
  o: { stream?: boolean; deadlineMs?: number; serialize: (r: unknown) => Buffer; sent: () => void },
): Promise<Outcome | undefined> {
  let body: Buffer;
  try {
    body = o.serialize(request);
  } catch {
    return undefined;
  }
  o.sent();
  const deadline = Date.now() + (o.deadlineMs ?? 5_000);
  const serialize = (b: Buffer) => b;
  const deserialize = (b: Buffer) => b;
  if (!o.stream) {
    return new Promise<Outcome>((resolve) =>
      client.makeUnaryRequest(path, serialize, deserialize, body, new Metadata(), { deadline }, (e: ServiceError | null, r?: Buffer) =>
        resolve(e ? { code: e.code, details: e.details } : { code: status.OK, details: '', response: r?.toString('latin1') }),
      ),
    );
  }
  return new Promise<Outcome>((resolve) => {
    const stream = client.makeServerStreamRequest(path, serialize, deserialize, body, new Metadata(), { deadline });
    const received: string[] = [];
    stream.on('data', (m: Buffer) => {
      received.push(m.toString('latin1'));
      if (received.length >= 3) stream.cancel();
    });
    stream.on('error', (e: ServiceError) => resolve({ code: e.code, details: e.details, response: received.join('') }));
    stream.on('end', () => resolve({ code: status.OK, details: '', response: received.join('') }));
  });
}

/** Checks an outcome: a clear status (or grpc-js's own refusal of bytes that are no message) and no file content. */
/** Outcomes by status, per test: what the generated requests reached (reported with the input counts). */
const outcomes = new Map<string, number>();

function assertClear(method: string, outcome: Outcome | undefined, raw = false): void {
  if (outcome === undefined) return;
  const key = `${method.split('/').pop()} ${status[outcome.code]}`;
  outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
  const deserializing = raw && outcome.code === status.INTERNAL && /^Error deserializing request/.test(outcome.details);
  assert.ok(CLEAR.has(outcome.code) || deserializing, `${method}: ${status[outcome.code]} ${outcome.details}`);
  assert.ok(!outcome.details.includes(SECRET) && !String(outcome.response ?? '').includes(SECRET), `${method} leaked file content`);
}

/** A request encoder of a generated message type: a hostile object is made a message by fromPartial, as any client could. */
const encoderOf =
  <T>(type: { encode(m: T): { finish(): Uint8Array }; fromPartial(o: never): T }) =>
  (r: unknown) =>
    Buffer.from(type.encode(type.fromPartial(r as never)).finish());

/** A generic client of a server: requests are encoded by the caller, answers kept as bytes. */
function rawClient(address: string): Client {
  return new (makeGenericClientConstructor({}, 'Raw'))(address, credentials.createInsecure());
}

describe('fuzz: every gRPC handler takes hostile requests', { skip: skipWithoutNatsServer, timeout: 900_000 }, () => {
  let nats: NatsServer;
  let nc: NatsConnection;
  let dataDir: string;
  let outsideDir: string;
  let data: DataRoots;
  let searches: Searches;
  let trainer: SupernetTrainer;
  const servers: Record<'controller' | 'evaluator' | 'trainer' | 'profiler', { server: RunningGrpcServer; client: Client }> = {} as never;
  const document = () => documentFromSpec(benchmarkSearch('fuzz', 'nb201-synthetic.csv', 5));

  before(async () => {
    await initBackend();
    nats = await NatsServer.start();
    nc = await connectNats({ servers: nats.url, name: 'fuzz' });
    dataDir = mkdtempSync(join(tmpdir(), 'nasmesh-fuzz-data-'));
    outsideDir = mkdtempSync(join(tmpdir(), 'nasmesh-fuzz-outside-'));
    writeSyntheticNb201Table(dataDir);
    writeFileSync(join(outsideDir, 'secret.csv'), `${SECRET}\n`);
    writeFileSync(join(dataDir, 'notes.txt'), `${SECRET}\narch,test_accuracy\n`);
    symlinkSync(join(outsideDir, 'secret.csv'), join(dataDir, 'leak.csv'));
    data = await openDataRoots([dataDir]);
    const store = new IntervalCheckpointStore(await NatsSearchStore.open(nc, () => {}), 200, () => {});
    const events = await SearchEvents.open(nc, searchEventCodec);
    const registry = createRegistry();
    searches = new Searches({
      nc,
      store,
      events,
      metrics: new ControllerMetrics(registry),
      trainers: new TrainerLinks(),
      trustedTrainers: new TrustedPeers([], false, 'supernet-trainer', '--trusted-trainer'),
      maxSearches: 12,
      data,
      log: () => {},
    });
    trainer = new SupernetTrainer(
      {
        checkpoints: new CheckpointBlobs(await NatsSearchStore.open(nc, () => {})),
        events,
        metrics: new SupernetMetrics(registry),
        dataOptions: { roots: data },
      },
      (address) => new ControllerPolicySource(address),
    );
    const profiler = new LatencyProfiler(localHardwareProfile(await initBackend()), { warmup: 1 });
    const start = async (name: keyof typeof servers, definition: never, implementation: never) => {
      const server = await startGrpcServer({
        host: '127.0.0.1',
        port: 0,
        services: [{ definition, implementation }],
        drainTimeoutMs: 2_000,
      });
      servers[name] = { server, client: rawClient(`127.0.0.1:${server.port}`) };
    };
    await start('controller', ControllerService as never, controllerHandlers(searches, events, store) as never);
    await start(
      'evaluator',
      EvaluatorService as never,
      evaluatorHandlers(new JobEvaluator({ benchmark: new BenchmarkModeEvaluator(data) })) as never,
    );
    // No controller is trusted: a valid StartTraining is refused after its document was read, so nothing trains.
    await start(
      'trainer',
      SupernetTrainerService as never,
      supernetTrainerHandlers(trainer, new TrustedPeers(['trusted.invalid:1'], false, 'controller', '--trusted-controller')) as never,
    );
    await start('profiler', LatencyProfilerService as never, latencyProfilerHandlers(profiler) as never);
  });
  after(async () => {
    for (const { server, client } of Object.values(servers)) {
      client.close();
      await server.shutdown();
    }
    await trainer?.close();
    await searches?.shutdown();
    if (nc) await closeNats(nc);
    await nats?.dispose();
    for (const dir of [dataDir, outsideDir]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Ids: real ones, near misses and hostile strings. */
  const searchId = fc.oneof(
    fc.nat(9).map((n) => `fuzz-${n}`),
    fc.constantFrom('fuzz', 'absent', '', 'Fuzz', '../etc', 'a'.repeat(64), 'fuzz.x', '*', '>'),
    fc.string({ maxLength: 80 }),
  );
  /** Tables: the real one, links out, other files, traversal, absolute paths. */
  const table = fc
    .constantFrom(
      'nb201-synthetic.csv',
      'leak.csv',
      'notes.txt',
      '../nasmesh-outside/secret.csv',
      '/etc/passwd',
      'the outside secret',
      'nope.csv',
      '',
    )
    .map((t) => (t === 'the outside secret' ? join(outsideDir, 'secret.csv') : t));
  /** A search document: the valid one with its table swapped and any value made hostile. */
  const hostileDocument = fc
    .tuple(table, fc.array(fc.nat(40), { minLength: 1, maxLength: 6 }), hostileJson(), fc.boolean(), fc.nat(9))
    .map(([t, path, value, mutate, n]) => {
      const doc = document();
      doc.metadata!.name = `fuzz-${n}`;
      doc.spec = { ...doc.spec, evaluation: { mode: 'benchmark', table: t, candidatesPerStep: 1 } };
      return mutate ? (mutateAt(doc, path, value) as typeof doc) : doc;
    });

  it('Controller: CreateSearch and every other RPC', async (t) => {
    const seen = counted(t, 'grpc.controller');
    const { client } = servers.controller;
    const {
      ControllerService: S,
      CreateSearchRequest,
      GetSearchRequest,
      ListSearchesRequest,
      CancelSearchRequest,
      WatchSearchRequest,
      GetParetoFrontRequest,
      GetPolicySnapshotRequest,
      DownloadResultsRequest,
    } = await import('../../../services/gen/nasmesh/v1/controller.js');
    const enc = encoderOf;
    const requests = fc.oneof(
      {
        weight: 5,
        arbitrary: fc
          .tuple(
            hostileDocument,
            fc.oneof(
              { weight: 4, arbitrary: fc.constant(null) },
              { weight: 1, arbitrary: fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('127.0.0.1:1', 'evil.example:50053')) },
            ),
          )
          .map(([document, trainerAddress]) => ({
            method: 'createSearch',
            request: { document, ...(trainerAddress !== null ? { supernetTrainer: trainerAddress } : {}) },
          })),
      },
      {
        weight: 2,
        arbitrary: fc
          .tuple(fc.constantFrom('getSearch', 'cancelSearch', 'getParetoFront', 'watchSearch', 'downloadResults'), searchId)
          .map(([method, id]) => ({ method, request: { searchId: id } })),
      },
      {
        weight: 1,
        arbitrary: fc
          .tuple(searchId, fc.integer({ min: -5, max: 1_000_000 }))
          .map(([id, minVersion]) => ({ method: 'getPolicySnapshot', request: { searchId: id, minVersion } })),
      },
      {
        weight: 1,
        arbitrary: fc
          .tuple(fc.integer({ min: -10, max: 5000 }), fc.oneof(fc.string({ maxLength: 300 }), fc.base64String({ maxLength: 300 })))
          .map(([pageSize, pageToken]) => ({ method: 'listSearches', request: { pageSize, pageToken } })),
      },
    );
    const types: Record<string, (r: unknown) => Buffer> = {
      createSearch: enc(CreateSearchRequest),
      getSearch: enc(GetSearchRequest),
      listSearches: enc(ListSearchesRequest),
      cancelSearch: enc(CancelSearchRequest),
      watchSearch: enc(WatchSearchRequest),
      getParetoFront: enc(GetParetoFrontRequest),
      getPolicySnapshot: enc(GetPolicySnapshotRequest),
      downloadResults: enc(DownloadResultsRequest),
    };
    await fc.assert(
      fc.asyncProperty(requests, async ({ method, request }) => {
        const definition = S[method as keyof typeof S];
        const outcome = await call(client, definition.path, request, {
          stream: definition.responseStream,
          serialize: types[method]!,
          deadlineMs: method === 'getPolicySnapshot' || definition.responseStream ? 1_000 : 10_000,
          sent: seen,
        });
        assertClear(method, outcome);
      }),
      runs(1000),
    );
  });

  it('Evaluator: Evaluate with hostile jobs', async (t) => {
    const seen = counted(t, 'grpc.evaluator');
    const { EvaluationJob } = await import('../../../services/gen/nasmesh/v1/evaluator.js');
    const job = fc
      .tuple(
        hostileDocument,
        fc.oneof(
          // Mostly valid architectures, so that the job gets as far as the table it names.
          {
            weight: 3,
            arbitrary: fc.record({ space: fc.constant('nb201'), choices: fc.array(fc.nat(4), { minLength: 6, maxLength: 6 }) }),
          },
          fc.record({
            space: fc.constantFrom('nb201', 'enas-micro', 'x'),
            choices: fc.array(fc.integer({ min: -2, max: 6 }), { maxLength: 8 }),
          }),
          fc.record({ space: fc.constant('nb201'), arch: fc.string({ maxLength: 60 }) }),
        ),
        fc.integer({ min: -1, max: 2 ** 31 - 1 }),
        fc.string({ maxLength: 30 }),
      )
      .map(([document, architecture, index, checkpoint]) => ({
        searchId: document.metadata?.name ?? '',
        index,
        architecture,
        document,
        checkpoint,
      }));
    await fc.assert(
      fc.asyncProperty(job, async (request) => {
        assertClear(
          'Evaluate',
          await call(servers.evaluator.client, EvaluatorService.evaluate.path, request, {
            serialize: encoderOf(EvaluationJob),
            sent: seen,
          }),
        );
      }),
      runs(1000),
    );
  });

  it('SupernetTrainer: StartTraining, GetStatus, GetLatestCheckpoint and StopTraining', async (t) => {
    const seen = counted(t, 'grpc.supernet-trainer');
    const gen = await import('../../../services/gen/nasmesh/v1/supernet_trainer.js');
    const weightSharing = () => {
      const doc = document();
      doc.spec = {
        ...doc.spec,
        space: { name: 'enas-micro' },
        dataset: { name: 'fashion-mnist' },
        evaluation: { mode: 'weight-sharing', epochs: 1, controllerStepsPerEpoch: 5 },
      };
      return doc;
    };
    const start = fc
      .tuple(
        fc.oneof(
          hostileDocument,
          fc.tuple(fc.array(fc.nat(40), { maxLength: 5 }), hostileJson()).map(([path, value]) => mutateAt(weightSharing(), path, value)),
        ),
        searchId,
        fc.constantFrom('127.0.0.1:50051', 'evil.example:50051', '', 'not an address', 'trusted.invalid:2'),
      )
      .map(([document, id, controller]) => ({ method: 'startTraining', request: { searchId: id, document, controller } }));
    const other = fc
      .tuple(fc.constantFrom('getStatus', 'getLatestCheckpoint', 'stopTraining'), searchId)
      .map(([method, id]) => ({ method, request: { searchId: id } }));
    const types: Record<string, (r: unknown) => Buffer> = {
      startTraining: encoderOf(gen.StartTrainingRequest),
      getStatus: encoderOf(gen.GetTrainingStatusRequest),
      getLatestCheckpoint: encoderOf(gen.GetLatestCheckpointRequest),
      stopTraining: encoderOf(gen.StopTrainingRequest),
    };
    await fc.assert(
      fc.asyncProperty(fc.oneof(start, other), async ({ method, request }) => {
        const outcome = await call(
          servers.trainer.client,
          SupernetTrainerService[method as keyof typeof SupernetTrainerService].path,
          request,
          {
            serialize: types[method]!,
            sent: seen,
          },
        );
        assertClear(method, outcome);
        assert.notEqual(outcome?.code === status.OK && method === 'startTraining', true, 'an untrusted controller started a training');
      }),
      runs(600),
    );
  });

  it('LatencyProfiler: ProfileArchitecture with hostile architectures, networks and sizes', async (t) => {
    const seen = counted(t, 'grpc.latency-profiler');
    const { ProfileArchitectureRequest } = await import('../../../services/gen/nasmesh/v1/latency_profiler.js');
    const request = fc.record({
      architecture: fc.oneof(
        fc.record({
          space: fc.constantFrom('nb201', 'mnas', 'enas-macro', ''),
          choices: fc.array(fc.integer({ min: -1, max: 6 }), { maxLength: 30 }),
        }),
        fc.record({ space: fc.constant('nb201'), arch: fc.string({ maxLength: 60 }) }),
      ),
      network: fc.record({
        inputShape: fc.array(fc.integer({ min: -2, max: 64 }), { maxLength: 4 }),
        classes: fc.integer({ min: -1, max: 2000 }),
        channels: fc.integer({ min: -1, max: 64 }),
        stages: fc.option(fc.integer({ min: -1, max: 9 }), { nil: undefined }),
      }),
      batchSize: fc.integer({ min: -1, max: 300 }),
      repeats: fc.integer({ min: -1, max: 1200 }),
      hardwareProfile: fc.constantFrom('', 'other-profile'),
    });
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const serialize = encoderOf(ProfileArchitectureRequest);
        assertClear(
          'ProfileArchitecture',
          await call(servers.profiler.client, LatencyProfilerService.profileArchitecture.path, r, {
            serialize,
            deadlineMs: 3_000,
            sent: seen,
          }),
        );
      }),
      runs(200),
    );
  });

  it('raw bytes to every method of every server: refused cleanly', async (t) => {
    const seen = counted(t, 'grpc.raw-bytes');
    const methods = [
      ...Object.values(ControllerService).map((m) => ['controller', m] as const),
      ...Object.values(EvaluatorService).map((m) => ['evaluator', m] as const),
      ...Object.values(SupernetTrainerService).map((m) => ['trainer', m] as const),
      ...Object.values(LatencyProfilerService).map((m) => ['profiler', m] as const),
    ];
    const bytes = fc.oneof(
      { weight: 20, arbitrary: fc.uint8Array({ maxLength: 2000 }) },
      { weight: 1, arbitrary: fc.constant(new Uint8Array(5 * 1024 * 1024)) },
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...methods), bytes, async ([server, method], body) => {
        const outcome = await call(servers[server].client, method.path, Buffer.from(body), {
          stream: method.responseStream,
          serialize: (b) => b as Buffer,
          deadlineMs: 2_000,
          sent: seen,
        });
        assertClear(method.path, outcome, true);
      }),
      runs(1000),
    );
  });

  it('leaves every server serving and every stored search readable', async (t) => {
    t.diagnostic(
      `outcomes: ${[...outcomes]
        .sort()
        .map(([k, n]) => `${k} ${n}`)
        .join(', ')}`,
    );
    for (const { server } of Object.values(servers)) assert.equal(await healthStatus(`127.0.0.1:${server.port}`, ''), 'SERVING');
    const stored = await searches.list();
    for (const s of stored) assert.equal((await searches.require(s.id)).id, s.id);
  });
});
