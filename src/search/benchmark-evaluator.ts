import { BenchmarkTable } from '../bench/table.js';
import type { Architecture, SearchSpace } from '../space/types.js';
import type { CandidateEvaluator, Evaluation } from './evaluator.js';

/** Benchmark mode: the table's accuracy (in %) is the candidate's accuracy; no training, no cost figures. */
export class BenchmarkEvaluator implements CandidateEvaluator {
  private readonly table: BenchmarkTable;

  constructor(path: string, space: SearchSpace) {
    this.table = BenchmarkTable.load(path, space);
  }

  async evaluate(arch: Architecture): Promise<Evaluation> {
    return { accuracy: this.table.lookup(arch) / 100, params: 0, flops: 0 };
  }
}
