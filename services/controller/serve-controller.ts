import { hostname } from 'node:os';
import { initBackend } from '../../src/tf/backend.js';
import { type DataConfig, type NatsConfig, serviceSecurity, type ServiceConfig } from '../common/security/service-security.js';
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

/** `nasmesh serve controller`'s flags. */
export interface ControllerServeConfig extends ServiceConfig, NatsConfig, DataConfig {
  /** The latency-profiler (host:port) that measures latency for rewards that need it (mnas). */
  readonly latencyProfiler?: string;
  /** The supernet-trainer (host:port) of the weight-sharing searches whose CreateSearch names none. */
  readonly supernetTrainer?: string;
  /** host:port the supernet-trainer reaches this controller at (default: this host's name and port). */
  readonly advertise?: string;
  /** The shortest time between two stored checkpoints of a search; 0 stores every one. */
  readonly checkpointIntervalMs: number;
  /** Most searches running at once; CreateSearch beyond it is RESOURCE_EXHAUSTED. */
  readonly maxSearches: number;
  /** The trainers CreateSearch may name (host:port patterns), besides supernetTrainer. */
  readonly trustedTrainer?: string[];
}

/**
 * The controller process: runs searches (resuming those a previous controller left unfinished) behind gRPC with
 * health and reflection, and serves /metrics, until SIGTERM stops its runs (they stay resumable) and drains it.
 * Prints `listening on <host>:<port>` and `metrics on <url>` once it takes calls.
 */
export async function serveController(options: ControllerServeConfig): Promise<void> {
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
