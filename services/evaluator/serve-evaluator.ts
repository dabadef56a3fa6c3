import type { EvaluationMode } from '../common/metrics/evaluator-metrics.js';
import { type DataConfig, type NatsConfig, serviceSecurity, type ServiceConfig } from '../common/security/service-security.js';
import { startGrpcServer } from '../common/grpc/server.js';
import { exitOnSignal } from '../common/grpc/shutdown.js';
import { createRegistry, EvaluatorMetrics, serveMetrics } from '../common/metrics/index.js';
import { closeNats, connectNats, NatsSearchStore } from '../common/nats/index.js';
import { EvaluatorService } from '../gen/nasmesh/v1/evaluator.js';
import { BenchmarkModeEvaluator } from './benchmark-mode.js';
import { evaluatorHandlers } from './handlers.js';
import { JobEvaluator } from './job-evaluator.js';
import type { ModeEvaluator, ModeEvaluators } from './mode-evaluator.js';
import { QueueWorker } from './queue-worker.js';
import { StandaloneModeEvaluator } from './standalone-mode.js';
import { WeightSharingModeEvaluator } from './weight-sharing-mode.js';

/** `nasmesh serve evaluator`'s flags. */
export interface EvaluatorServeConfig extends ServiceConfig, NatsConfig, DataConfig {
  /** The evaluation modes it takes jobs of. */
  readonly modes: EvaluationMode[];
  /** Take only this search's jobs, from work-queue consumers of its own (deleted when the search ends). */
  readonly search?: string;
  /** How long a held job may go without a heartbeat before it goes to another evaluator. */
  readonly ackWaitMs: number;
  /** For tests of slow evaluations: wait this long before each one. */
  readonly testDelayMs?: number;
}

/**
 * The evaluator process: takes evaluation jobs of its modes from the work queue (competing with other evaluators;
 * with --search, only that search's jobs, idle once it ended) and serves the Evaluate RPC and /metrics, until SIGTERM: it then takes no more jobs, lets those it holds finish
 * within --drain-seconds and hands the rest back. Prints `listening on <host>:<port>` once it takes work.
 */
export async function serveEvaluator(options: EvaluatorServeConfig): Promise<void> {
  const security = await serviceSecurity(options);
  const nc = await connectNats({ servers: options.nats, name: `evaluator-${process.pid}`, security: security.nats });
  // Supernet checkpoints are blobs the trainer writes; a per-search evaluator reads its search's phase.
  const store = await NatsSearchStore.open(nc);
  // Files a job names are read within the data roots only.
  const data = { roots: security.data };
  const available: Record<EvaluationMode, () => ModeEvaluator> = {
    benchmark: () => new BenchmarkModeEvaluator(security.data),
    standalone: () => new StandaloneModeEvaluator(data),
    'weight-sharing': () => new WeightSharingModeEvaluator(store, data),
  };
  const modes: ModeEvaluators = {};
  for (const mode of options.modes) modes[mode] = available[mode]();
  const evaluator = new JobEvaluator(modes, options.search);
  const registry = createRegistry();
  const worker = await QueueWorker.start(nc, evaluator, new EvaluatorMetrics(registry), {
    delayMs: options.testDelayMs ?? 0,
    ackWaitMs: options.ackWaitMs,
    onError: (e) => console.error(`evaluator: ${e.message}`),
    ...(options.search !== undefined ? { search: { id: options.search, store } } : {}),
  });
  const server = await startGrpcServer({
    host: options.host,
    port: options.port,
    services: [{ definition: EvaluatorService, implementation: evaluatorHandlers(evaluator) }],
    drainTimeoutMs: options.drainSeconds * 1000,
    security: security.server,
  });
  // /readyz answers for the gRPC server: a kubelet's probe cannot speak its TLS.
  const metricsServer = await serveMetrics(registry, { host: options.host, port: options.metricsPort }, () => server.serving);
  exitOnSignal(async () => {
    await Promise.all([worker.stop(options.drainSeconds * 1000), server.shutdown()]);
    await Promise.all([metricsServer.close(), closeNats(nc), evaluator.close()]);
    security.close();
  });
  const scope = options.search !== undefined ? ` of search ${options.search}` : '';
  console.log(`evaluator (${evaluator.modes.join(', ')})${scope} listening on ${options.host}:${server.port}`);
  console.log(`metrics on ${metricsServer.url}`);
}
