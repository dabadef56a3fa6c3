import { BenchmarkTable } from '../bench/table.js';
import type { Architecture, SearchSpace } from '../space/types.js';
import type { SearchSpec } from '../spec/search-spec.js';
import { architectureCost } from '../train/cost.js';
import type { NetworkConfig } from '../train/types.js';
import type { CandidateEvaluator, Evaluation } from './evaluator.js';

type BenchmarkEvaluation = Extract<SearchSpec['spec']['evaluation'], { mode: 'benchmark' }>;

/**
 * NAS-Bench-201's network on CIFAR-10, the one its table's accuracies come from: a 3x3 stem of 16 channels, 3 stages
 * of 5 cells with the residual reduction block between them. Its trainable parameters and multiply-adds are
 * NATS-Bench's published figures (every edge nor_conv_3x3: 1.53 M and 220 M; no edge with weights: 0.07 M and
 * 7.78 M); candidates record all parameters, batch norm's moving statistics included, as everywhere in nasmesh.
 */
export const NB201_CIFAR10_NETWORK: NetworkConfig = { inputShape: [32, 32, 3], classes: 10, channels: 16, cellsPerStage: 5, stages: 3 };

/** The network whose cost a benchmark search's candidates record: the spec's, else the space's known benchmark's. */
export function tableNetwork(evaluation: BenchmarkEvaluation, space: SearchSpace): NetworkConfig | undefined {
  const n = evaluation.tableNetwork;
  if (n) return { ...n, inputShape: [n.inputShape[0]!, n.inputShape[1]!, n.inputShape[2]!] };
  return space.name === 'nb201' ? NB201_CIFAR10_NETWORK : undefined;
}

/**
 * Benchmark mode: the table's accuracy (in %) is the candidate's accuracy; no training. Parameters and multiply-adds
 * are those of the candidate in the table's network, or 0 where that network is unknown.
 */
export class BenchmarkEvaluator implements CandidateEvaluator {
  private readonly table: BenchmarkTable;

  constructor(
    path: string,
    private readonly space: SearchSpace,
    private readonly network?: NetworkConfig,
  ) {
    this.table = BenchmarkTable.load(path, space);
  }

  async evaluate(arch: Architecture): Promise<Evaluation> {
    const accuracy = this.table.lookup(arch) / 100;
    if (!this.network) return { accuracy, params: 0, flops: 0 };
    const cost = architectureCost(this.space, arch, this.network);
    return { accuracy, params: cost.params, flops: cost.macs };
  }
}
