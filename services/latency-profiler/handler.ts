import { DEFAULT_REPEATS, type LatencyProfiler, parseProfileOptions } from '../../src/latency/index.js';
import { architectureFromMessage } from '../common/grpc/architecture.js';
import { ConcurrencyLimit } from '../common/grpc/concurrency-limit.js';
import type { CallContext } from '../common/grpc/context.js';
import { unary } from '../common/grpc/unary.js';
import type { ProfilerMetrics } from '../common/metrics/profiler-metrics.js';
import type { LatencyProfilerServer, ProfileArchitectureRequest } from '../gen/nasmesh/v1/latency_profiler.js';

/** Profile requests waiting for or in a measurement: the profiler measures one network at a time. */
export const MAX_PENDING_PROFILES = 64;

/**
 * The LatencyProfiler RPCs over `profiler`; proto3's 0 ("unset") batch size and repeats take their defaults. Each
 * measurement (not a cache hit) is recorded in `metrics`. Beyond MAX_PENDING_PROFILES calls: RESOURCE_EXHAUSTED.
 */
export function latencyProfilerHandlers(profiler: LatencyProfiler, metrics?: ProfilerMetrics): LatencyProfilerServer {
  const limit = new ConcurrencyLimit(MAX_PENDING_PROFILES, 'ProfileArchitecture calls');
  return {
    profileArchitecture: unary((request, ctx) => limit.run(() => profileOne(profiler, request, ctx, metrics))),
  };
}

/** One measurement (or cache hit), recorded in `metrics` when it measured. */
async function profileOne(
  profiler: LatencyProfiler,
  request: ProfileArchitectureRequest,
  { signal }: CallContext,
  metrics?: ProfilerMetrics,
) {
  const { space, arch } = architectureFromMessage(request.architecture);
  const options = parseProfileOptions({
    network: request.network,
    batchSize: request.batchSize || 1,
    repeats: request.repeats || DEFAULT_REPEATS,
  });
  const started = performance.now();
  const profile = await profiler.profile({ space, arch, ...options, hardwareProfile: request.hardwareProfile }, signal);
  if (!profile.cached) {
    metrics?.profiled(profile.hardware.name, { seconds: (performance.now() - started) / 1000, medianLatencyMs: profile.medianMs });
  }
  return profile;
}
