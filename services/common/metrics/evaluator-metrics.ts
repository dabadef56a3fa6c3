import { Counter, Histogram, type Registry } from 'prom-client';
import type { SearchSpec } from '../../../src/spec/search-spec.js';

export type EvaluationMode = SearchSpec['spec']['evaluation']['mode'];

/** Seconds: benchmark look-ups take microseconds to milliseconds, standalone training minutes. */
const EVALUATION_BUCKETS = [0.001, 0.01, 0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1200, 3600];
/** Seconds from publication of a job to an evaluator taking it: milliseconds when idle workers wait. */
const QUEUE_WAIT_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 600];

/** What an evaluator exports: how long evaluations take, how long jobs waited for it, and how many came again. */
export class EvaluatorMetrics {
  private readonly duration: Histogram<'search' | 'mode'>;
  private readonly wait: Histogram<'search'>;
  private readonly redeliveries: Counter<'search'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.duration = new Histogram({
      name: 'nasmesh_evaluation_duration_seconds',
      help: 'Time to evaluate one candidate, from taking the job to publishing its result.',
      labelNames: ['search', 'mode'],
      buckets: EVALUATION_BUCKETS,
      registers,
    });
    this.wait = new Histogram({
      name: 'nasmesh_evaluation_queue_wait_seconds',
      help: 'Time an evaluation job spent in the work queue before an evaluator took it.',
      labelNames: ['search'],
      buckets: QUEUE_WAIT_BUCKETS,
      registers,
    });
    this.redeliveries = new Counter({
      name: 'nasmesh_evaluation_redeliveries_total',
      help: 'Evaluation jobs taken again after an earlier delivery was not acknowledged (its evaluator died or was too slow).',
      labelNames: ['search'],
      registers,
    });
  }

  evaluation(search: string, mode: EvaluationMode, seconds: number): void {
    this.duration.observe({ search, mode }, seconds);
  }

  queueWait(search: string, seconds: number): void {
    this.wait.observe({ search }, seconds);
  }

  /** A job was taken, for the `deliveryCount`-th time. The series starts at 0, so a search without any shows 0. */
  delivered(search: string, deliveryCount: number): void {
    this.redeliveries.inc({ search }, deliveryCount > 1 ? 1 : 0);
  }
}
