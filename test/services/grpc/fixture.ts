import { LatencyProfiler, localHardwareProfile } from '../../../src/latency/index.js';
import { createSpace } from '../../../src/space/registry.js';
import { initBackend } from '../../../src/tf/backend.js';
import { type GrpcServerOptions, type RunningGrpcServer, startGrpcServer } from '../../../services/common/grpc/server.js';
import { type LatencyProfilerClient, LatencyProfilerService } from '../../../services/gen/nasmesh/v1/latency_profiler.js';
import { latencyProfilerHandlers } from '../../../services/latency-profiler/handler.js';
import { profile } from './clients.js';

/** A latency-profiler gRPC server in this process on a free 127.0.0.1 port (with `security`: TLS, access checks). */
export async function startProfilerServer(
  drainTimeoutMs?: number,
  security?: GrpcServerOptions['security'],
): Promise<{ server: RunningGrpcServer; address: string; profiler: LatencyProfiler }> {
  const profiler = new LatencyProfiler(localHardwareProfile(await initBackend()), { warmup: 1 });
  const server = await startGrpcServer({
    host: '127.0.0.1',
    port: 0,
    services: [{ definition: LatencyProfilerService, implementation: latencyProfilerHandlers(profiler) }],
    ...(drainTimeoutMs === undefined ? {} : { drainTimeoutMs }),
    ...(security ? { security } : {}),
  });
  return { server, address: `127.0.0.1:${server.port}`, profiler };
}

/** nb201 in two networks: one run of `small` takes milliseconds, of `slow` with batch 16 tens of milliseconds. */
export const nb201 = { space: 'nb201', choices: [1, 2, 3, 4, 0, 1] };
export const small = { inputShape: [8, 8, 3] as [number, number, number], classes: 10, channels: 4, stages: 2 };
export const slow = { inputShape: [32, 32, 3] as [number, number, number], classes: 10, channels: 16, stages: 3 };

/** `small` as a request to the engine, bypassing gRPC. */
export const smallEngineRequest = { space: createSpace('nb201'), arch: nb201.choices, network: small, batchSize: 1, repeats: 1 };

/**
 * Starts a call that runs about `ms` on this machine, calibrated by a short call first (which also connects and
 * warms up), so that it is surely still in flight a few hundred milliseconds later on fast and slow machines alike.
 */
export async function startLongCall(client: LatencyProfilerClient, ms = 1500) {
  const probe = await profile(client, { architecture: nb201, network: slow, batchSize: 1, repeats: 3 });
  const repeats = Math.min(1000, Math.max(10, Math.ceil(ms / (2 * probe.medianMs))));
  let finishedAt = 0;
  const done = profile(client, { architecture: nb201, network: slow, batchSize: 2, repeats }).finally(() => {
    finishedAt = Date.now();
  });
  return { done, repeats, finishedAt: () => finishedAt };
}
