import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { initBackend } from '../../src/tf/backend.js';
import { NasmeshError } from '../../src/util/errors.js';
import { addServeOptions, type ServeOptions } from '../cli/serve.js';
import { serviceSecurity } from '../cli/service-security.js';
import { TrustedPeers } from '../common/security/trusted-peers.js';
import { startGrpcServer } from '../common/grpc/server.js';
import { exitOnSignal } from '../common/grpc/shutdown.js';
import { ControllerMetrics, createRegistry, serveMetrics } from '../common/metrics/index.js';
import { closeNats, connectNats, NatsSearchStore, SearchEvents } from '../common/nats/index.js';
import { ControllerService } from '../gen/nasmesh/v1/controller.js';
import { searchEventCodec } from '../common/messages/search-event-codec.js';
import { controllerHandlers } from './handlers.js';
import { IntervalCheckpointStore } from '../../src/store/interval-checkpoint-store.js';
import { RemoteLatencyProfiler } from './latency-profiler-client.js';
import { pollQueueDepth } from './queue-depth.js';
import { Searches } from './searches.js';
import { TrainerLinks } from './trainer-links.js';

/** How often the work queue's depth is read for nasmesh_work_queue_depth. */
const QUEUE_DEPTH_POLL_MS = 2_000;

/**
 * The controller process: runs searches (resuming those a previous controller left unfinished) behind gRPC with
 * health and reflection, and serves /metrics, until SIGTERM stops its runs (they stay resumable) and drains it.
 * Prints `listening on <host>:<port>` and `metrics on <url>` once it takes calls.
 */
export async function serveController(options: ServeOptions): Promise<void> {
  // The strategies' policies are tfjs models: the same backend selection as `nasmesh run`, so results match it.
  await initBackend();
  const security = await serviceSecurity(options);
  const nc = await connectNats({ servers: options.nats, name: `controller-${process.pid}`, security: security.nats });
  const registry = createRegistry();
  const metrics = new ControllerMetrics(registry);
  const events = await SearchEvents.open(nc, searchEventCodec);
  const store = new IntervalCheckpointStore(await NatsSearchStore.open(nc), options.checkpointIntervalMs, (id, e) =>
    console.error(`search ${id}: storing its checkpoint failed (tried again with the next): ${e.message}`),
  );
  const latency = options.latencyProfiler ? new RemoteLatencyProfiler(options.latencyProfiler, { security: security.client }) : undefined;
  const trainers = new TrainerLinks(options.supernetTrainer, security.client);
  const trustedTrainers = new TrustedPeers(options.trustedTrainer ?? [], options.insecure, 'supernet-trainer', '--trusted-trainer');
  const { maxSearches } = options;
  const searches = new Searches({
    nc,
    store,
    events,
    metrics,
    trainers,
    trustedTrainers,
    maxSearches,
    data: security.data,
    ...(latency ? { latency } : {}),
  });
  const stopPolling = pollQueueDepth(await nc.jetstreamManager(), metrics, QUEUE_DEPTH_POLL_MS);
  const server = await startGrpcServer({
    host: options.host,
    port: options.port,
    services: [{ definition: ControllerService, implementation: controllerHandlers(searches, events, store) }],
    drainTimeoutMs: options.drainSeconds * 1000,
    security: security.server,
  });
  // /readyz answers for the gRPC server: a kubelet's probe cannot speak its TLS.
  const metricsServer = await serveMetrics(registry, { host: options.host, port: options.metricsPort }, () => server.serving);
  trainers.controller = options.advertise ?? `${['0.0.0.0', '::'].includes(options.host) ? hostname() : options.host}:${server.port}`;
  exitOnSignal(async () => {
    stopPolling();
    await Promise.all([server.shutdown(), searches.shutdown()]);
    latency?.close();
    trainers.close();
    security.close();
    await Promise.all([metricsServer.close(), closeNats(nc)]);
  });
  const resumed = await searches.resumeAll();
  if (resumed.length > 0) console.log(`resumed ${resumed.join(', ')}`);
  console.log(`controller listening on ${options.host}:${server.port}`);
  console.log(`metrics on ${metricsServer.url}`);
}

// Run directly (`node services/controller/main.ts --port 0`): the options of `nasmesh serve controller`.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const program = addServeOptions(new Command('controller')).action(serveController);
  try {
    await program.parseAsync();
  } catch (e) {
    if (!(e instanceof NasmeshError)) throw e;
    console.error(`controller: ${e.message}`);
    process.exit(2);
  }
}
