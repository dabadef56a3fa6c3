import type { LoadOptions } from '../../src/data/load.js';
import { EvaluatorPool } from '../../src/search/evaluator-pool.js';
import type { Evaluation } from '../../src/search/evaluator.js';
import { type BackendName, initBackend } from '../../src/tf/backend.js';
import type { ModeEvaluator, ParsedJob } from './mode-evaluator.js';

/** Searches whose training set-up (dataset, network, options) stays loaded; older ones are closed. */
const CAPACITY = 2;

/**
 * Standalone mode: trains the candidate from scratch as `nasmesh run` does, on a worker thread of its own, so this
 * process's event loop stays free to heartbeat the job (a long training would otherwise let its ackWait pass and
 * the job go to a second evaluator) and to answer gRPC. One thread per training set-up, kept for the next jobs of
 * the same search; a result depends on the spec and the architecture only, never on which evaluator trained it.
 */
export class StandaloneModeEvaluator implements ModeEvaluator {
  private readonly pools = new Map<string, Promise<EvaluatorPool>>();
  private backend?: Promise<BackendName>;

  constructor(private readonly dataOptions: LoadOptions = {}) {}

  async evaluate({ search, arch }: ParsedJob): Promise<Evaluation> {
    const { spec } = search;
    const { evaluation } = spec;
    if (evaluation.mode !== 'standalone') throw new Error(`a ${evaluation.mode} job reached the standalone evaluator`);
    const setup = { space: spec.space, dataset: spec.dataset!, network: spec.network, options: evaluation, seed: spec.seed };
    const key = JSON.stringify(setup);
    let pool = this.pools.get(key);
    if (!pool) {
      this.backend ??= initBackend(spec.backend);
      pool = this.backend.then((backend) => EvaluatorPool.start(1, { ...setup, dataOptions: this.dataOptions, backend }));
      this.pools.set(key, pool);
      pool.catch(() => this.pools.get(key) === pool && this.pools.delete(key));
      for (const old of [...this.pools.keys()].slice(0, Math.max(0, this.pools.size - CAPACITY))) this.evict(old);
    }
    return (await pool).evaluate(arch);
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.keys()].map((key) => this.evict(key)));
  }

  private async evict(key: string): Promise<void> {
    const pool = this.pools.get(key);
    this.pools.delete(key);
    await pool?.then(
      (p) => p.close(),
      () => undefined,
    );
  }
}
