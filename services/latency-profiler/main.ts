import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { createLatencyProfiler } from '../../src/latency/index.js';
import { NasmeshError } from '../../src/util/errors.js';
import { addServeOptions, type ServeOptions } from '../cli/serve.js';
import { serviceSecurity } from '../cli/service-security.js';
import { startGrpcServer } from '../common/grpc/server.js';
import { exitOnSignal } from '../common/grpc/shutdown.js';
import { createRegistry, ProfilerMetrics, serveMetrics } from '../common/metrics/index.js';
import { LatencyProfilerService } from '../gen/nasmesh/v1/latency_profiler.js';
import { latencyProfilerHandlers } from './handler.js';

/**
 * The latency-profiler process: the profiler on this machine's TensorFlow.js backend behind gRPC (with health and
 * reflection) and /metrics, until SIGTERM drains it. Prints `listening on <host>:<port>` once it takes calls.
 */
export async function serveLatencyProfiler(options: ServeOptions): Promise<void> {
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

// Run directly (`node services/latency-profiler/main.ts --port 0`): the options of `nasmesh serve latency-profiler`.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const program = addServeOptions(new Command('latency-profiler')).action(serveLatencyProfiler);
  try {
    await program.parseAsync();
  } catch (e) {
    if (!(e instanceof NasmeshError)) throw e;
    console.error(`latency-profiler: ${e.message}`);
    process.exit(2);
  }
}
