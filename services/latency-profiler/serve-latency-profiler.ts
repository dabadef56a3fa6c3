import { createLatencyProfiler } from '../../src/latency/index.js';
import { serviceSecurity, type ServiceConfig } from '../common/security/service-security.js';
import { startGrpcServer } from '../common/grpc/server.js';
import { exitOnSignal } from '../common/grpc/shutdown.js';
import { createRegistry, ProfilerMetrics, serveMetrics } from '../common/metrics/index.js';
import { LatencyProfilerService } from '../gen/nasmesh/v1/latency_profiler.js';
import { latencyProfilerHandlers } from './handler.js';

/** `nasmesh serve latency-profiler`'s flags. */
export interface LatencyProfilerServeConfig extends ServiceConfig {
  /** The hardware it measures (default <arch>-<backend>-<cpus>cpu). */
  readonly hardwareProfile?: string;
}

/**
 * The latency-profiler process: the profiler on this machine's TensorFlow.js backend behind gRPC (with health and
 * reflection) and /metrics, until SIGTERM drains it. Prints `listening on <host>:<port>` once it takes calls.
 */
export async function serveLatencyProfiler(options: LatencyProfilerServeConfig): Promise<void> {
  const security = await serviceSecurity(options, false);
  const profiler = await createLatencyProfiler(options.hardwareProfile ? { name: options.hardwareProfile } : {});
  const registry = createRegistry();
  const server = await startGrpcServer({
    host: options.host,
    port: options.port,
    services: [{ definition: LatencyProfilerService, implementation: latencyProfilerHandlers(profiler, new ProfilerMetrics(registry)) }],
    drainTimeoutMs: options.drainSeconds * 1000,
    security: security.server,
  });
  // /readyz answers for the gRPC server: a kubelet's probe cannot speak its TLS.
  const metricsServer = await serveMetrics(registry, { host: options.host, port: options.metricsPort }, () => server.serving);
  exitOnSignal(async () => {
    await server.shutdown();
    await metricsServer.close();
    security.close();
  });
  console.log(`latency-profiler (${profiler.hardware.name}) listening on ${options.host}:${server.port}`);
  console.log(`metrics on ${metricsServer.url}`);
}
