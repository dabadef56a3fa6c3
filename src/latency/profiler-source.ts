import { createSpace } from '../space/registry.js';
import type { LatencyProfiler } from './profiler.js';
import type { LatencyQuery, LatencySource } from './types.js';

/** A LatencyProfiler in this process as a search's LatencySource: latencies measured on this machine. */
export function profilerLatencySource(profiler: LatencyProfiler): LatencySource {
  return {
    async latencyMs({ space: config, architecture, network, batchSize, repeats }: LatencyQuery, signal?: AbortSignal) {
      const space = createSpace(config);
      const profile = await profiler.profile({ space, arch: space.fromJSON(architecture), network, batchSize, repeats }, signal);
      return profile.medianMs;
    },
  };
}
