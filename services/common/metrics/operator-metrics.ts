import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { SEARCH_STATUS_PHASES } from '../../../src/spec/search-status.js';

/** A NASSearch as the operator's gauges see it. */
export interface SearchSnapshot {
  readonly namespace: string;
  readonly name: string;
  /** The controller's id, the `search` label of the other services' metrics; '' before it is registered. */
  readonly searchId: string;
  readonly phase: string;
  /** Its worker pods not yet ended, by component and pod phase, with the GPUs they hold once scheduled. */
  readonly pods: readonly { component: string; phase: string; gpus: number; scheduled: boolean }[];
}

/**
 * What the operator exports: its reconciles, its work queue, whether it leads, the NASSearches by phase, and per
 * search its worker pods and GPUs (so a dashboard can join the services' `search` label to a namespace).
 */
export class OperatorMetrics {
  private readonly reconciles: Counter<'result'>;
  private readonly duration: Histogram;
  private readonly leader: Gauge;
  private readonly depth: Gauge;
  private readonly searches: Gauge<'phase'>;
  private readonly info: Gauge<'search_namespace' | 'search_name' | 'search' | 'phase'>;
  private readonly workerPods: Gauge<'search_namespace' | 'search' | 'component' | 'phase'>;
  private readonly gpus: Gauge<'search_namespace' | 'search'>;

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
    this.searches = new Gauge({
      name: 'nasmesh_operator_searches',
      help: 'NASSearches the operator sees, by status.phase.',
      labelNames: ['phase'],
      registers,
    });
    this.info = new Gauge({
      name: 'nasmesh_operator_search_info',
      help: 'Always 1: a NASSearch (its namespace and name), the controller id its metrics carry as `search`, and its phase.',
      // Not `namespace` and `name`: scrape configs set those target labels to the operator pod's own.
      labelNames: ['search_namespace', 'search_name', 'search', 'phase'],
      registers,
    });
    this.workerPods = new Gauge({
      name: 'nasmesh_operator_worker_pods',
      help: 'Worker pods of a search not yet ended, by component (evaluator, supernet-trainer, final-training) and pod phase.',
      labelNames: ['search_namespace', 'search', 'component', 'phase'],
      registers,
    });
    this.gpus = new Gauge({
      name: 'nasmesh_operator_worker_gpus',
      help: 'GPUs (nvidia.com/gpu limits) held by the scheduled, not yet ended worker pods of a search.',
      labelNames: ['search_namespace', 'search'],
      registers,
    });
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

  /** The NASSearches now: replaces what the previous call set, so deleted searches drop out. */
  searchesNow(searches: readonly SearchSnapshot[]): void {
    for (const phase of SEARCH_STATUS_PHASES) this.searches.set({ phase }, searches.filter((s) => s.phase === phase).length);
    this.info.reset();
    this.workerPods.reset();
    this.gpus.reset();
    for (const s of searches) {
      const search = s.searchId;
      this.info.set({ search_namespace: s.namespace, search_name: s.name, search, phase: s.phase }, 1);
      if (!search) continue;
      const counts = new Map<string, number>();
      for (const p of s.pods) counts.set(`${p.component}\0${p.phase}`, (counts.get(`${p.component}\0${p.phase}`) ?? 0) + 1);
      for (const [k, n] of counts) {
        const [component, phase] = k.split('\0') as [string, string];
        this.workerPods.set({ search_namespace: s.namespace, search, component, phase }, n);
      }
      this.gpus.set(
        { search_namespace: s.namespace, search },
        s.pods.filter((p) => p.scheduled).reduce((sum, p) => sum + p.gpus, 0),
      );
    }
  }
}
