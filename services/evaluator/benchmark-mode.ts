import { BenchmarkEvaluator } from '../../src/search/benchmark-evaluator.js';
import type { Evaluation } from '../../src/search/evaluator.js';
import type { ModeEvaluator, ParsedJob } from './mode-evaluator.js';

/**
 * Benchmark mode: a look-up in the table the spec names, read from this evaluator's file system (the table must be
 * at that path on every evaluator). Each table is loaded once, then shared by every job that names it.
 */
export class BenchmarkModeEvaluator implements ModeEvaluator {
  private readonly tables = new Map<string, BenchmarkEvaluator>();

  async evaluate({ search, space, arch }: ParsedJob): Promise<Evaluation> {
    const { evaluation } = search.spec;
    if (evaluation.mode !== 'benchmark') throw new Error(`a ${evaluation.mode} job reached the benchmark evaluator`);
    const key = JSON.stringify([evaluation.table, search.spec.space]);
    let table = this.tables.get(key);
    if (!table) this.tables.set(key, (table = new BenchmarkEvaluator(evaluation.table, space)));
    return table.evaluate(arch);
  }

  async close(): Promise<void> {
    this.tables.clear();
  }
}
