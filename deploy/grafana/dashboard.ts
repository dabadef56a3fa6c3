import { StackingConfigBuilder, StackingMode } from '@grafana/grafana-foundation-sdk/common';
import {
  DashboardBuilder,
  DatasourceVariableBuilder,
  QueryVariableBuilder,
  RowBuilder,
  VariableRefresh,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as TimeseriesBuilder } from '@grafana/grafana-foundation-sdk/timeseries';

/**
 * The nasmesh Grafana dashboard, as code (`make dashboard` writes deploy/grafana/nasmesh.json and the chart's copy;
 * test/deploy/dashboard.test.ts fails when they are stale, and test/cluster/observability.test.ts runs every query
 * against a real Prometheus). The metrics are docs/metrics.md's; `search` is the controller's id of a search, which
 * nasmesh_operator_search_info maps to its NASSearch's namespace and name.
 */

const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };
/** Every per-search series, limited to the chosen namespace and searches. */
const SEARCH = 'search=~"$search"';

interface Query {
  readonly expr: string;
  readonly legend: string;
}

/** One panel: a title, what it shows (the description Grafana displays), a unit and its queries. */
interface PanelSpec {
  readonly title: string;
  readonly description: string;
  readonly unit: string;
  readonly queries: readonly Query[];
  /** Stack the series (counts that add up). */
  readonly stacked?: boolean;
}

const percentiles = (metric: string, filter: string, by = ''): Query[] =>
  [0.5, 0.9, 0.99].map((q) => ({
    expr: `histogram_quantile(${q}, sum by (le${by ? `, ${by}` : ''}) (rate(${metric}_bucket{${filter}}[$__rate_interval])))`,
    legend: `p${q * 100}${by ? ` {{${by}}}` : ''}`,
  }));

/** The dashboard's rows and panels, in order. */
export const ROWS: readonly { readonly title: string; readonly panels: readonly PanelSpec[] }[] = [
  {
    title: 'Searches',
    panels: [
      {
        title: 'Searches by phase',
        description: 'NASSearches in the cluster by status.phase, as the operator sees them.',
        unit: 'short',
        stacked: true,
        queries: [{ expr: 'sum by (phase) (nasmesh_operator_searches)', legend: '{{phase}}' }],
      },
      {
        title: 'Candidates per minute',
        description: 'Candidates evaluated and learned from, per search.',
        unit: 'short',
        queries: [
          { expr: `sum by (search) (rate(nasmesh_candidates_evaluated_total{${SEARCH}}[$__rate_interval])) * 60`, legend: '{{search}}' },
        ],
      },
      {
        title: 'Best reward',
        description: 'The highest reward of any candidate so far, per search.',
        unit: 'percentunit',
        queries: [{ expr: `max by (search) (nasmesh_best_reward{${SEARCH}})`, legend: '{{search}}' }],
      },
    ],
  },
  {
    title: 'Controller',
    panels: [
      {
        title: 'Policy entropy',
        description: 'Entropy of the policy over whole architectures (nats); falling means the controller concentrates.',
        unit: 'short',
        queries: [{ expr: `nasmesh_controller_entropy_nats{${SEARCH}}`, legend: '{{search}}' }],
      },
      {
        title: 'Reward baseline and moving average',
        description: 'The policy-gradient baseline (reinforce, ppo) beside the moving average of the rewards learned from.',
        unit: 'short',
        queries: [
          { expr: `nasmesh_controller_reward_baseline{${SEARCH}}`, legend: 'baseline {{search}}' },
          { expr: `nasmesh_reward_moving_average{${SEARCH}}`, legend: 'reward average {{search}}' },
        ],
      },
      {
        title: 'Supernet loss',
        description: 'Mean loss of the latest shared-weight training steps of weight-sharing (ENAS) searches.',
        unit: 'short',
        queries: [{ expr: `nasmesh_supernet_train_loss{${SEARCH}}`, legend: '{{search}}' }],
      },
    ],
  },
  {
    title: 'Evaluation',
    panels: [
      {
        title: 'Evaluation duration',
        description: 'Time to evaluate one candidate, from taking the job to publishing its result.',
        unit: 's',
        queries: percentiles('nasmesh_evaluation_duration_seconds', SEARCH),
      },
      {
        title: 'Queue wait',
        description: 'Time a job waited in the work queue before an evaluator took it: long waits mean too few evaluators.',
        unit: 's',
        queries: percentiles('nasmesh_evaluation_queue_wait_seconds', SEARCH),
      },
      {
        title: 'Queue depth and redeliveries',
        description: 'Jobs waiting for an evaluator, and jobs taken again after their evaluator died or stalled.',
        unit: 'short',
        queries: [
          { expr: 'sum(nasmesh_work_queue_depth)', legend: 'queued jobs' },
          {
            expr: `sum by (search) (increase(nasmesh_evaluation_redeliveries_total{${SEARCH}}[$__rate_interval]))`,
            legend: 'redelivered {{search}}',
          },
        ],
      },
    ],
  },
  {
    title: 'Cluster',
    panels: [
      {
        title: 'Worker pods and GPUs',
        description: "Each search's worker pods not yet ended, by component and phase, and the GPUs its scheduled ones hold.",
        unit: 'short',
        queries: [
          {
            expr: 'sum by (search, component, phase) (nasmesh_operator_worker_pods{search_namespace=~"$namespace", search=~"$search"})',
            legend: '{{component}} {{phase}} {{search}}',
          },
          {
            expr: 'sum by (search) (nasmesh_operator_worker_gpus{search_namespace=~"$namespace", search=~"$search"})',
            legend: 'GPUs {{search}}',
          },
        ],
      },
      {
        title: 'Latency profiles',
        description: 'Architectures profiled per second and their median measured latency, per hardware profile (MnasNet rewards).',
        unit: 'short',
        queries: [
          {
            expr: 'sum by (hardware) (rate(nasmesh_latency_profile_duration_seconds_count[$__rate_interval]))',
            legend: 'profiles/s {{hardware}}',
          },
          {
            expr: 'histogram_quantile(0.5, sum by (le, hardware) (rate(nasmesh_measured_latency_seconds_bucket[$__rate_interval])))',
            legend: 'median latency (s) {{hardware}}',
          },
        ],
      },
      {
        title: 'Operator reconciles',
        description: 'NASSearch reconciles per second by result (errors are retried with backoff), and the work queue.',
        unit: 'short',
        queries: [
          { expr: 'sum by (result) (rate(nasmesh_operator_reconciles_total[$__rate_interval]))', legend: '{{result}}' },
          { expr: 'max(nasmesh_operator_queue_depth)', legend: 'queue depth' },
        ],
      },
    ],
  },
];

/** The dashboard as Grafana's JSON model. */
export function nasmeshDashboard() {
  const builder = new DashboardBuilder('nasmesh')
    .uid('nasmesh')
    .description('Neural architecture searches run by nasmesh: progress, controller, evaluation, cluster.')
    .tags(['nasmesh'])
    .refresh('30s')
    .time({ from: 'now-3h', to: 'now' })
    .timezone('browser')
    .withVariable(new DatasourceVariableBuilder('datasource').label('Data source').type('prometheus'))
    .withVariable(searchVariable('namespace', 'Namespace', 'label_values(nasmesh_operator_search_info, search_namespace)'))
    .withVariable(searchVariable('search', 'Search', 'label_values(nasmesh_operator_search_info{search_namespace=~"$namespace"}, search)'));
  for (const row of ROWS) {
    builder.withRow(new RowBuilder(row.title));
    for (const p of row.panels) {
      const panel = new TimeseriesBuilder().title(p.title).description(p.description).unit(p.unit).datasource(DATASOURCE).height(8).span(8);
      if (p.stacked) panel.stacking(new StackingConfigBuilder().mode(StackingMode.Normal));
      for (const q of p.queries) panel.withTarget(new DataqueryBuilder().expr(q.expr).legendFormat(q.legend).datasource(DATASOURCE));
      builder.withPanel(panel);
    }
  }
  return builder.build();
}

function searchVariable(name: string, label: string, query: string) {
  return new QueryVariableBuilder(name)
    .label(label)
    .datasource(DATASOURCE)
    .query(query)
    .definition(query)
    .multi(true)
    .includeAll(true)
    .allValue('.*')
    .refresh(VariableRefresh.OnTimeRangeChanged);
}

/** Every PromQL expression of the dashboard, for the test that runs them against a real Prometheus. */
export function dashboardQueries(): { panel: string; expr: string }[] {
  return ROWS.flatMap((row) => row.panels.flatMap((p) => p.queries.map((q) => ({ panel: p.title, expr: q.expr }))));
}
