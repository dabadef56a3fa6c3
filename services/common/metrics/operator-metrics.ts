import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { SEARCH_STATUS_PHASES } from '../../../src/spec/search-status.js';

/** What the operator exports: its reconciles, its work queue, whether it leads, and the NASSearches by phase. */
export class OperatorMetrics {
  private readonly reconciles: Counter<'result'>;
  private readonly duration: Histogram;
  private readonly leader: Gauge;
  private readonly depth: Gauge;
  private readonly searches: Gauge<'phase'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.reconciles = new Counter({
      name: 'nasmesh_operator_reconciles_total',
      help: 'NASSearch reconciles, by result (success, error).',
      labelNames: ['result'],
      registers,
    });
    this.duration = new Histogram({
      name: 'nasmesh_operator_reconcile_duration_seconds',
      help: 'Time one NASSearch reconcile took.',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.leader = new Gauge({ name: 'nasmesh_operator_leader', help: '1 while this replica holds the leader lease, else 0.', registers });
    this.depth = new Gauge({ name: 'nasmesh_operator_queue_depth', help: 'NASSearches waiting for or in a reconcile.', registers });
    this.searches = new Gauge({ name: 'nasmesh_operator_searches', help: 'NASSearches the operator sees, by status.phase.', labelNames: ['phase'], registers });
  }

  reconciled(result: 'success' | 'error', seconds: number): void {
    this.reconciles.inc({ result });
    this.duration.observe(seconds);
  }

  leading(leads: boolean): void {
    this.leader.set(leads ? 1 : 0);
  }

  queueDepth(depth: number): void {
    this.depth.set(depth);
  }

  /** `phases`: the phase of every NASSearch (Pending for one without a status yet). */
  searchesByPhase(phases: readonly string[]): void {
    for (const phase of SEARCH_STATUS_PHASES) this.searches.set({ phase }, phases.filter((p) => p === phase).length);
  }
}
