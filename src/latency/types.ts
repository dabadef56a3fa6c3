import type { SpaceConfig } from '../space/registry.js';
import type { Architecture, ArchitectureJson, SearchSpace } from '../space/types.js';
import type { NetworkConfig } from '../train/types.js';

/** The class of machine a latency was measured on; latencies from different profiles are never mixed. */
export interface HardwareProfile {
  readonly name: string;
  /** TensorFlow.js backend the runs used. */
  readonly backend: string;
  readonly cpuModel: string;
  readonly cpus: number;
}

export interface ProfileRequest {
  readonly space: SearchSpace;
  readonly arch: Architecture;
  readonly network: NetworkConfig;
  /** Images per inference run. */
  readonly batchSize: number;
  /** Timed runs after the warm-up. */
  readonly repeats: number;
  /** The profile the caller wants numbers for; when given it must be the profiler's own. */
  readonly hardwareProfile?: string;
}

export interface LatencyProfile {
  /** Median and 90th percentile wall time of one inference run of a whole batch, in milliseconds. */
  readonly medianMs: number;
  readonly p90Ms: number;
  /** Parameters and multiply-adds per image (src/train/cost.ts). */
  readonly params: number;
  readonly flops: number;
  readonly architectureHash: string;
  readonly batchSize: number;
  /** Timed runs the numbers come from (those of the first request when cached). */
  readonly repeats: number;
  readonly hardware: HardwareProfile;
  /** The numbers come from the cache, not from new runs. */
  readonly cached: boolean;
}

/** One candidate's latency question: its architecture, in the network and batch a search measures with. */
export interface LatencyQuery {
  readonly space: SpaceConfig;
  readonly architecture: ArchitectureJson;
  readonly network: NetworkConfig;
  readonly batchSize: number;
  readonly repeats: number;
}

/**
 * Where a search's latencies come from: a LatencyProfiler in this process (`nasmesh run`) or the mesh's
 * latency-profiler service. Resolves to the median wall time of one inference run of a batch, in milliseconds;
 * rejects with `signal.reason` when aborted.
 */
export interface LatencySource {
  latencyMs(query: LatencyQuery, signal?: AbortSignal): Promise<number>;
}
