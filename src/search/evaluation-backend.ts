import type { ArchitectureJson } from '../space/types.js';
import type { Evaluation } from './evaluator.js';

/** One candidate to evaluate: what an evaluator needs, and whose result it is. */
export interface EvaluationJob {
  readonly search: string;
  readonly index: number;
  readonly architecture: ArchitectureJson;
  /** Weight sharing: the supernet checkpoint (blob name) to score with. */
  readonly checkpoint?: string;
}

export interface EvaluationOutcome {
  readonly search: string;
  readonly index: number;
  readonly evaluation: Evaluation;
  /** Wall time from handing the job over to its result (queue wait included). */
  readonly seconds: number;
}

/**
 * Where evaluations run: in this process (`LocalEvaluationBackend`) or on the mesh's work queue. `evaluate` yields
 * each job's outcome as soon as it is known, in any order; a yielded outcome may repeat (a redelivered job), the
 * first one counts. It throws when a job cannot be evaluated, and stops early when `signal` aborts.
 */
export interface EvaluationBackend {
  evaluate(jobs: readonly EvaluationJob[], signal?: AbortSignal): AsyncIterable<EvaluationOutcome>;
}
