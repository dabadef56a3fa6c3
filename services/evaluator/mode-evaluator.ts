import type { SearchSpec } from '../../src/spec/search-spec.js';
import type { Architecture, SearchSpace } from '../../src/space/types.js';
import type { Evaluation } from '../../src/search/evaluator.js';
import type { EvaluationMode } from '../common/metrics/evaluator-metrics.js';
import type { EvaluationJob } from '../gen/nasmesh/v1/evaluator.js';

/** A job as the evaluator has read it: its validated search, and the architecture in its space. */
export interface ParsedJob {
  readonly job: EvaluationJob;
  readonly search: SearchSpec;
  readonly space: SearchSpace;
  readonly arch: Architecture;
}

/**
 * How one evaluation mode scores a candidate. The evaluator service holds one per mode it serves (`ModeEvaluators`),
 * so a mode is added by registering its implementation: weight-sharing scoring with a supernet checkpoint plugs in
 * here (the job names the checkpoint). Implementations cache what jobs of one search share (a table, a dataset).
 */
export interface ModeEvaluator {
  evaluate(job: ParsedJob, signal: AbortSignal): Promise<Evaluation>;
  /** Frees what it cached (worker threads, tensors). */
  close(): Promise<void>;
}

export type ModeEvaluators = Partial<Record<EvaluationMode, ModeEvaluator>>;
