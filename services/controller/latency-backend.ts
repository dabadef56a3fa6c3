import { status } from '@grpc/grpc-js';
import type { DataRoots } from '../../src/data/data-roots.js';
import { datasetGeometry } from '../../src/data/geometry.js';
import type { LatencySource } from '../../src/latency/types.js';
import { latencyMeasurement } from '../../src/reward/spec.js';
import type { EvaluationBackend } from '../../src/search/evaluation-backend.js';
import { LatencyMeasuringBackend } from '../../src/search/latency-measuring-backend.js';
import type { SearchSpec } from '../../src/spec/search-spec.js';
import { datasetNetwork } from '../../src/train/dataset-network.js';
import { NasmeshError } from '../../src/util/errors.js';
import { GrpcStatusError } from '../common/grpc/status.js';

/** Whether this controller can run `search`: FAILED_PRECONDITION when its reward needs latency and nothing measures it. */
export function assertLatencyMeasurable(search: SearchSpec, source: LatencySource | undefined): void {
  if (latencyMeasurement(search.spec.reward) && !source) {
    throw new GrpcStatusError(
      status.FAILED_PRECONDITION,
      `spec.reward.objective: ${search.spec.reward.objective} needs measured latency, and this controller was started without --latency-profiler <host:port>`,
    );
  }
}

/**
 * The search's evaluation backend, with each candidate's latency measured on the latency-profiler while the
 * evaluators train it, when the reward needs latency (mnas). The network measured is the one evaluators train:
 * spec.network with the dataset's input shape and classes (an `idx` dataset's read within `roots`).
 */
export async function withLatency(
  search: SearchSpec,
  backend: EvaluationBackend,
  source: LatencySource | undefined,
  roots?: DataRoots,
): Promise<EvaluationBackend> {
  const measurement = latencyMeasurement(search.spec.reward);
  if (!measurement) return backend;
  assertLatencyMeasurable(search, source);
  const { dataset, space, network } = search.spec;
  if (!dataset) throw new NasmeshError(`search ${search.metadata.name}: objective mnas needs spec.dataset for the network's input`);
  const geometry = await datasetGeometry(dataset, roots ? { roots } : {});
  return new LatencyMeasuringBackend(backend, source!, { space, network: datasetNetwork(geometry, network), measurement });
}
