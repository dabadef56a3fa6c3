import { DEFAULT_REPEATS, type LatencyProfiler, parseProfileOptions } from '../../src/latency/index.js';
import { architectureFromMessage } from '../common/grpc/architecture.js';
import { unary } from '../common/grpc/unary.js';
import type { ProfilerMetrics } from '../common/metrics/profiler-metrics.js';
import type { LatencyProfilerServer } from '../gen/nasmesh/v1/latency_profiler.js';

/**
 * The LatencyProfiler RPCs over `profiler`; proto3's 0 ("unset") batch size and repeats take their defaults. Each
 * measurement (not a cache hit) is recorded in `metrics`.
 */
export function latencyProfilerHandlers(profiler: LatencyProfiler, metrics?: ProfilerMetrics): LatencyProfilerServer {
  return {
    profileArchitecture: unary(async (request, { signal }) => {
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
    }),
  };
}
