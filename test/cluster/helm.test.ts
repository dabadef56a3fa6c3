import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseAllDocuments, parse } from 'yaml';
import { dashboardQueries } from '../../deploy/grafana/dashboard.js';
import type { NASSearch } from '../../services/operator/types.js';
import { CONTAINERS_ENV, IMAGE } from '../../tools/image/image.js';
import { auditLog } from '../../tools/local-cluster/control-plane.js';
import { CLUSTER_LABEL } from '../../tools/local-cluster/pod-runner/pod-container.js';
import { writeSyntheticNb201Table } from '../mesh/synthetic-table.js';
import { Prometheus } from '../support/prometheus.js';
import { TestCluster } from '../support/test-cluster.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CHART = join(ROOT, 'helm/nasmesh');
const LOCAL_VALUES = join(CHART, 'values-local.yaml');
/** The operator's service account as the chart names it in the local cluster's release. */
const OPERATOR_USER = 'system:serviceaccount:nasmesh-system:nasmesh-operator';

const nasSearch = (namespace: string, name: string, spec: object) =>
  ({ apiVersion: 'nasmesh.io/v1alpha1', kind: 'NASSearch', metadata: { name, namespace }, spec }) as NASSearch;

const podman = async (...args: string[]) =>
  (await promisify(execFile)('podman', args, { env: { ...process.env, ...CONTAINERS_ENV } })).stdout;

/** `group/resource[/subresource]:verb` of every permission a set of RBAC rules grants. */
function granted(rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[]): Set<string> {
  return new Set(rules.flatMap((r) => r.apiGroups.flatMap((g) => r.resources.flatMap((res) => r.verbs.map((v) => `${g}/${res}:${v}`)))));
}

/**
 * The Helm chart on the local cluster (which TestCluster installs with `helm install -f values-local.yaml`), a real
 * Prometheus scraping it, and the Grafana dashboard's and the operator's RBAC's promises checked against what
 * really happens.
 */
describe('cluster: Helm chart, Prometheus, Grafana dashboard', { timeout: 1_800_000 }, () => {
  let cluster: TestCluster;
  let prometheus: Prometheus;

  before(async () => {
    cluster = await TestCluster.start();
    prometheus = await Prometheus.start(cluster.kc);
  });
  after(async () => {
    await prometheus?.stop();
    await cluster?.stop();
  });

  it('helm lint is clean with the default values, the local ones, and the Prometheus-operator resources on', async () => {
    for (const args of [
      [],
      ['--values', LOCAL_VALUES],
      ['--set', 'metrics.serviceMonitor.enabled=true,metrics.podMonitor.enabled=true,metrics.prometheusRule.enabled=true'],
    ]) {
      const out = await cluster.cluster.helm(['lint', '--strict', CHART, ...args]);
      assert.match(out, /1 chart\(s\) linted, 0 chart\(s\) failed/);
      assert.doesNotMatch(out, /\[(WARNING|ERROR)\]/, out);
    }
  });

  it('helm template renders objects the API server accepts (server-side dry run), with the default and the local values', async () => {
    await cluster.kubectl('create', 'namespace', 'nasmesh-dryrun');
    for (const values of [[], ['--values', LOCAL_VALUES]]) {
      const rendered = await cluster.cluster.helm([
        'template',
        'dryrun',
        CHART,
        '--namespace',
        'nasmesh-dryrun',
        '--include-crds',
        '--kube-version',
        'v1.37.2',
        ...values,
      ]);
      const kinds = parseAllDocuments(rendered)
        .map((d) => (d.toJS() as { kind?: string } | null)?.kind)
        .filter(Boolean);
      assert.ok(kinds.length >= 15, `rendered ${kinds.join(', ')}`);
      const applied = await cluster.cluster.kubectl(['apply', '--dry-run=server', '-f', '-'], rendered);
      assert.equal(applied.trim().split('\n').length, kinds.length, applied);
    }
  });

  it('Prometheus scrapes every service, and every query of the dashboard returns data while searches run', async () => {
    const ns = await cluster.namespace('observed');
    const tables = mkdtempSync(join(tmpdir(), 'nasmesh-tables-'));
    // Readable by the workers' user (10001) where pods run from the image; mkdtemp makes it 0700.
    chmodSync(tables, 0o755);
    writeSyntheticNb201Table(tables);
    const started = new Date();
    const enas = parse(readFileSync(join(ROOT, 'deploy/examples/cluster-enas-fashion-mnist.yaml'), 'utf8')) as NASSearch;
    await cluster.apply(
      // Latency-based (MnasNet) rewards keep the latency-profiler busy.
      nasSearch(ns, 'mnas', {
        seed: 3,
        dataset: { name: 'fashion-mnist' },
        space: { name: 'nb201' },
        strategy: { name: 'reinforce' },
        evaluation: { mode: 'benchmark', table: 'nb201-synthetic.csv' },
        reward: { objective: 'mnas', targetLatencyMs: 5, latency: { batchSize: 1, repeats: 5 } },
        budget: { candidates: 6 },
        network: { channels: 4, cellsPerStage: 1, stages: 2 },
        workers: { dataVolume: { hostPath: tables } },
      }),
      // Weight sharing: the supernet-trainer (400 shared steps: long enough to be scraped several times at 2 s), GPU workers.
      nasSearch(ns, 'enas', {
        ...enas.spec,
        evaluation: { ...(enas.spec.evaluation as object), epochs: 4, sharedStepsPerEpoch: 100 },
        budget: { candidates: 8 },
      }),
      // A long one still running while the dashboard is read.
      nasSearch(ns, 'long', {
        seed: 4,
        space: { name: 'nb201' },
        strategy: { name: 'reinforce' },
        evaluation: { mode: 'benchmark', table: 'nb201-synthetic.csv' },
        budget: { candidates: 10_000 },
        workers: { parallelism: 2, dataVolume: { hostPath: tables } },
      }),
    );
    await cluster.waitForPhase(ns, 'mnas', 'Succeeded');
    await cluster.waitForPhase(ns, 'enas', 'Succeeded', 900_000);
    assert.equal((await cluster.nasSearch(ns, 'long')).status?.phase, 'Running');

    const targets = await prometheus.targets();
    const down = targets.filter((t) => t.health !== 'up' && t.labels.namespace === 'nasmesh-system');
    assert.deepEqual(down, [], 'every nasmesh service is scraped');
    for (const component of ['controller', 'operator', 'latency-profiler-cpu']) {
      assert.ok(
        targets.some((t) => t.labels.pod?.startsWith(`nasmesh-${component}-`)),
        `${component} scraped`,
      );
    }
    // Over the searches' time, as the dashboard would show them, "All" selected in both variables.
    await new Promise((r) => setTimeout(r, 5_000));
    const empty: string[] = [];
    for (const { panel, expr } of dashboardQueries()) {
      const query = expr.replaceAll('$__rate_interval', '1m').replaceAll('$namespace', '.*').replaceAll('$search', '.*');
      const series = await prometheus.queryRange(query, started, new Date());
      if (!series.some((s) => s.values.length > 0)) empty.push(`${panel}: ${expr}`);
    }
    const scraped = (await prometheus.targets()).map((t) => `${t.labels.namespace}/${t.labels.pod} ${t.health}`);
    assert.deepEqual(empty, [], `dashboard queries without data (targets now: ${scraped.join(', ')})`);
    await cluster.kubectl('delete', 'nas', '-n', ns, 'long', '--timeout=60s');
  });

  it("runs nasmesh's pods from its image, as uid 10001 on a read-only root, and no endpoint warnings fill the events", async () => {
    assert.ok(cluster.cluster.images, `the local cluster runs pods from ${IMAGE} where it is built (make test builds it first)`);
    const containers = (
      await podman('ps', '--filter', `label=${CLUSTER_LABEL}=${cluster.cluster.dir}`, '--format', '{{.Names}} {{.Image}}')
    )
      .trim()
      .split('\n')
      .map((line) => line.split(' ') as [string, string]);
    for (const component of ['controller', 'operator', 'latency-profiler']) {
      const found = containers.find(([name]) => name.startsWith(`nasmesh-system_nasmesh-${component}-`));
      assert.ok(found, `the ${component}'s container runs from the image: ${containers.map(([n]) => n).join(', ')}`);
      assert.equal(found[1], IMAGE);
      assert.equal((await podman('exec', found[0], 'id', '-u')).trim(), '10001');
      await assert.rejects(podman('exec', found[0], 'sh', '-c', 'echo x > /app/written'), /Read-only file system/);
    }
    const warnings = await cluster.kubectl(
      'get',
      'events',
      '--all-namespaces',
      '--field-selector',
      'reason=FailedToUpdateEndpoint',
      '-o',
      'name',
    );
    assert.equal(warnings.trim(), '');
  });

  it("the operator's RBAC grants exactly the calls it made (the API server's audit log)", async () => {
    const rendered = parseAllDocuments(
      await cluster.cluster.helm(['template', 'nasmesh', CHART, '--namespace', 'nasmesh-system', '--kube-version', 'v1.37.2']),
    )
      .map(
        (d) =>
          d.toJS() as {
            kind?: string;
            metadata?: { name?: string };
            rules?: { apiGroups: string[]; resources: string[]; verbs: string[] }[];
          },
      )
      .filter((o) => (o?.kind === 'ClusterRole' || o?.kind === 'Role') && o.metadata?.name?.startsWith('nasmesh-operator'));
    const declared = granted(rendered.flatMap((r) => r.rules ?? []));
    const used = new Set<string>();
    const refused: string[] = [];
    for (const line of readFileSync(auditLog(cluster.cluster.dir), 'utf8').split('\n')) {
      if (!line) continue;
      const e = JSON.parse(line) as {
        user: { username: string };
        verb: string;
        objectRef?: { resource?: string; subresource?: string; apiGroup?: string };
        responseStatus?: { code?: number };
      };
      if (e.user.username !== OPERATOR_USER || !e.objectRef?.resource) continue;
      const resource = `${e.objectRef.apiGroup ?? ''}/${e.objectRef.resource}${e.objectRef.subresource ? `/${e.objectRef.subresource}` : ''}`;
      if (e.responseStatus?.code === 403) refused.push(`${resource}:${e.verb}`);
      used.add(`${resource}:${e.verb}`);
      // A server-side apply that creates its object is a patch the API server also authorises as a create.
      if (e.verb === 'patch' && e.responseStatus?.code === 201) used.add(`${resource}:create`);
    }
    assert.deepEqual(refused, [], 'calls the RBAC refused');
    assert.deepEqual([...used].filter((p) => !declared.has(p)).sort(), [], 'calls the rules do not grant');
    assert.deepEqual([...declared].filter((p) => !used.has(p)).sort(), [], 'grants no call used');
  });

  it("helm uninstall leaves only what the chart documents: the CRD, NATS's volume claim and the leader Lease", async () => {
    await cluster.kubectl('delete', 'nas', '--all', '--all-namespaces', '--timeout=120s');
    await cluster.cluster.helm(['uninstall', 'nasmesh', '--namespace', 'nasmesh-system', '--wait', '--timeout', '2m']);
    // Pods drain on SIGTERM (the controller lets its calls finish) before they go.
    const pods = async () => (await cluster.core.listNamespacedPod({ namespace: 'nasmesh-system' })).items;
    await cluster.waitFor("nasmesh-system's pods gone", async () => ((await pods()).length === 0 ? true : undefined), 120_000);
    const kinds = (await cluster.kubectl('api-resources', '--verbs=list', '--namespaced', '-o', 'name'))
      .trim()
      .split('\n')
      .filter((k) => !k.startsWith('events'));
    const left = (await cluster.kubectl('get', kinds.join(','), '-n', 'nasmesh-system', '-o', 'name', '--ignore-not-found'))
      .trim()
      .split('\n')
      .filter(Boolean);
    // What every namespace has, and what the chart's README says stays.
    const expected = [
      'configmap/kube-root-ca.crt',
      'serviceaccount/default',
      'persistentvolumeclaim/data-nasmesh-nats-0',
      'lease.coordination.k8s.io/nasmesh-operator',
    ];
    assert.deepEqual(
      left.filter((o) => !expected.includes(o)),
      [],
      'left in nasmesh-system',
    );
    const cluster_ = await cluster.kubectl(
      'get',
      'clusterroles,clusterrolebindings,crd',
      '-l',
      'app.kubernetes.io/instance=nasmesh',
      '-o',
      'name',
    );
    assert.equal(cluster_.trim(), '', 'cluster-wide objects of the release left');
    assert.match(await cluster.kubectl('get', 'crd', 'nassearches.nasmesh.io', '-o', 'name'), /nassearches\.nasmesh\.io/);
  });
});
