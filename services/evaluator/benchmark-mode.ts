import { BenchmarkTableError } from '../../src/bench/table.js';
import { type DataRoots, resolveTable } from '../../src/data/data-roots.js';
import { BenchmarkEvaluator, tableNetwork } from '../../src/search/benchmark-evaluator.js';
import type { Evaluation } from '../../src/search/evaluator.js';
import { ValidationError } from '../../src/util/errors.js';
import type { ModeEvaluator, ParsedJob } from './mode-evaluator.js';

/** Tables kept loaded (each up to MAX_TABLE_BYTES of text); the least recently used beyond these is dropped. */
const CAPACITY = 8;

/**
 * Benchmark mode: a look-up in the table the spec names: a table registered by name (--benchmark-table), or a file
 * inside this evaluator's data roots (it must be at that path on every evaluator). Each table is loaded once, then
 * shared by every job that names it. Anything wrong with the table is INVALID_ARGUMENT naming
 * `spec.evaluation.table`, and quotes nothing of the file.
 */
export class BenchmarkModeEvaluator implements ModeEvaluator {
  private readonly tables = new Map<string, BenchmarkEvaluator>();

  constructor(private readonly data: DataRoots) {}

  async evaluate({ search, space, arch }: ParsedJob): Promise<Evaluation> {
    const { evaluation } = search.spec;
    if (evaluation.mode !== 'benchmark') throw new Error(`a ${evaluation.mode} job reached the benchmark evaluator`);
    const field = 'spec.evaluation.table';
    const path = await resolveTable(evaluation.table, this.data, field);
    const network = tableNetwork(evaluation, space);
    const key = JSON.stringify([path, search.spec.space, network ?? null]);
    try {
      let table = this.tables.get(key);
      if (table) this.tables.delete(key);
      else table = new BenchmarkEvaluator(path, space, network);
      // Map order is recency order: the entry goes (back) to the end.
      this.tables.set(key, table);
      for (const old of [...this.tables.keys()].slice(0, Math.max(0, this.tables.size - CAPACITY))) this.tables.delete(old);
      return await table.evaluate(arch);
    } catch (e) {
      if (e instanceof BenchmarkTableError) throw new ValidationError(field, e.message);
      throw e;
    }
  }

  async close(): Promise<void> {
    this.tables.clear();
  }
}
