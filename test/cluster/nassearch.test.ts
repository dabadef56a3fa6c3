import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CoordinationV1Api, type V1Pod } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { SearchPhase } from '../../services/gen/nasmesh/v1/common.js';
import { workerSecretName } from '../../services/operator/desired/worker-pod.js';
import { searchId } from '../../services/operator/names.js';
import type { NASSearch } from '../../services/operator/types.js';
import { type SearchSpec, searchSpecSchema } from '../../src/spec/search-spec.js';
import { initBackend, tf } from '../../src/tf/backend.js';
import { loadModel } from '../../src/train/export.js';
import { parseWith } from '../../src/util/schema.js';
import { embeddedCandidates, evaluatedEventCounts, nasmeshWithEnv, outcome } from '../mesh/mesh.js';
import { writeSyntheticNb201Table } from '../mesh/synthetic-table.js';
import { TestCluster } from '../support/test-cluster.js';

const ROOT = new URL('../../', import.meta.url).pathname;

/** A NASSearch object of `spec` in `namespace`. */
function nasSearch(namespace: string, name: string, spec: object): NASSearch {
  return { apiVersion: 'nasmesh.io/v1alpha1', kind: 'NASSearch', metadata: { name, namespace }, spec } as NASSearch;
}

/** The engine's view of the same search, for the embedded reference run (`table` overrides where the table is). */
function engineSpec(spec: object, table?: string): SearchSpec {
  const s = structuredClone(spec) as { evaluation: { table?: string } };
  if (table) s.evaluation.table = table;
  return parseWith(
    searchSpecSchema,
    { apiVersion: 'nasmesh.io/v1alpha1', kind: 'NASSearch', metadata: { name: 'reference' }, spec: s },
    '',
  );
}

const onNode = (pods: V1Pod[], prefix: string) => pods.length > 0 && pods.every((p) => p.spec?.nodeName?.startsWith(prefix));
const ready = (p: V1Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

/**
 * The operator on a real control plane (kube-apiserver, controller manager, scheduler from Go modules) with KWOK's
 * GPU and CPU nodes, every nasmesh pod running as a process of this machine: NASSearches applied with kubectl run to
 * the end, their pods where the scheduler puts them, through the faults an operator must survive.
 */
describe('cluster: NASSearch operator', { timeout: 1_800_000 }, () => {
  let cluster: TestCluster;
  let tables: string;
  let table: string;

  /** A benchmark search over the synthetic table, read from a hostPath data volume. */
  const benchmark = (candidates: number, workers: object = {}) => ({
    seed: 11,
    space: { name: 'nb201' },
    strategy: { name: 'reinforce' },
    evaluation: { mode: 'benchmark', table: 'nb201-synthetic.csv' },
    budget: { candidates },
    workers: { parallelism: 2, dataVolume: { hostPath: tables }, ...workers },
  });

  before(async () => {
    // The embedded reference runs in this process: the same backend selection as the services'.
    await initBackend();
    tables = mkdtempSync(join(tmpdir(), 'nasmesh-tables-'));
    // Readable by the workers' user (10001) where pods run from the image; mkdtemp makes it 0700.
    chmodSync(tables, 0o755);
    table = writeSyntheticNb201Table(tables);
    cluster = await TestCluster.start();
  });
  after(async () => {
    await cluster?.stop();
  });

  it('the API server refuses an invalid NASSearch, naming the field', async () => {
    const ns = await cluster.namespace('invalid');
    await assert.rejects(cluster.apply(nasSearch(ns, 'bad', benchmark(-1))), /spec\.budget\.candidates/);
    const wrongMode = { ...benchmark(5), evaluation: { mode: 'training', table: 'x.csv' } };
    await assert.rejects(cluster.apply(nasSearch(ns, 'bad', wrongMode)), /spec\.evaluation\.mode.*supported values/s);
  });

  it("kubectl logs shows what a pod's container printed, through the nodes' kubelet API", async () => {
    const operator = ['-n', 'nasmesh-system', 'deployment/nasmesh-operator'];
    const printed = await cluster.kubectl('logs', ...operator);
    assert.match(printed, /^operator \S+ watching NASSearches/m);
    assert.match(printed, /^metrics on http/m);
    assert.equal((await cluster.kubectl('logs', ...operator, '--tail=1')).trim().split('\n').length, 1);
    await assert.rejects(cluster.kubectl('logs', ...operator, '-c', 'nope'), /nope/);
    // NATS runs as a local process (no registry here serves its image): its output is served the same way.
    assert.match(await cluster.kubectl('logs', '-n', 'nasmesh-system', 'statefulset/nasmesh-nats'), /Server is ready/);
  });

  it("a benchmark search runs on CPU nodes to Succeeded with the embedded run's candidates, a deleted worker pod replaced", async () => {
    const ns = await cluster.namespace('bench');
    const spec = benchmark(600);
    const expected = await embeddedCandidates(engineSpec(spec, table));
    await cluster.apply(nasSearch(ns, 'nb201', spec));
    const running = await cluster.waitFor('10 candidates evaluated', async () => {
      const nas = await cluster.nasSearch(ns, 'nb201');
      return (nas.status?.done ?? 0) >= 10 ? nas : undefined;
    });
    assert.equal(running.status!.phase, 'Running');
    assert.match(await cluster.kubectl('get', 'nas', '-n', ns), /nb201\s+(Running|Succeeded)\s+\S+\s+\d+\/600/);
    const workers = await cluster.searchPods(ns, 'nb201', 'evaluator');
    assert.ok(onNode(workers, 'cpu-node-'), `evaluators on ${workers.map((p) => p.spec?.nodeName)}`);
    const victim = workers[0]!.metadata!.name!;
    await cluster.kubectl('delete', 'pod', '-n', ns, victim, '--wait=false');
    // The ReplicaSet replaces it at once; the search may end before the new pod is ready, which is fine.
    const replaced = await cluster.waitFor('a replacement evaluator', async () => {
      const pods = (await cluster.searchPods(ns, 'nb201', 'evaluator')).filter((p) => p.metadata?.name !== victim);
      return pods.length === 2 && pods.every((p) => p.spec?.nodeName) ? pods : undefined;
    });
    assert.ok(onNode(replaced, 'cpu-node-'));
    const done = await cluster.waitForPhase(ns, 'nb201', 'Succeeded');
    const listed = await cluster.kubectl('get', 'nas', '-n', ns);
    assert.match(listed, /nb201\s+Succeeded\s+\S+\s+600\/600/, listed);

    const id = done.status!.searchId!;
    const out = mkdtempSync(join(tmpdir(), 'nasmesh-results-'));
    const results = await nasmeshWithEnv(cluster.cliEnv, 'results', id, '--out', out);
    assert.equal(results.code, 0, results.stderr);
    const candidates = readFileSync(join(out, 'candidates.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(outcome(candidates), outcome(expected), 'the cluster search is the embedded run');
    const nats = await cluster.nats();
    const counts = await evaluatedEventCounts(nats.url, id, nats.security);
    assert.deepEqual(
      [...counts.values()].filter((n) => n !== 1),
      [],
      'every candidate evaluated exactly once',
    );
    assert.equal(counts.size, 600);
    // Done: the workers are scaled to zero.
    await cluster.waitFor('evaluators gone', async () =>
      (await cluster.searchPods(ns, 'nb201', 'evaluator')).length === 0 ? true : undefined,
    );
  });

  it('a weight-sharing search runs its workers on GPU nodes, then the final-training Job exports a downloadable model', async () => {
    const ns = await cluster.namespace('enas');
    const example = parse(readFileSync(join(ROOT, 'deploy/examples/cluster-enas-fashion-mnist.yaml'), 'utf8')) as NASSearch;
    const expected = await embeddedCandidates(engineSpec(example.spec));
    await cluster.apply(nasSearch(ns, 'enas', example.spec));
    const trainer = await cluster.waitFor('the supernet trainer scheduled', async () => {
      const pods = await cluster.searchPods(ns, 'enas', 'supernet-trainer');
      return pods[0]?.spec?.nodeName ? pods : undefined;
    });
    assert.ok(onNode(trainer, 'gpu-node-'), `trainer on ${trainer[0]!.spec!.nodeName}`);
    const evaluators = await cluster.waitFor('evaluators scheduled', async () => {
      const pods = await cluster.searchPods(ns, 'enas', 'evaluator');
      return pods.length === 2 && pods.every((p) => p.spec?.nodeName) ? pods : undefined;
    });
    assert.ok(onNode(evaluators, 'gpu-node-'));
    const job = await cluster.waitFor(
      'the final-training pod scheduled',
      async () => {
        const pods = await cluster.searchPods(ns, 'enas', 'final-training');
        return pods[0]?.spec?.nodeName ? pods : undefined;
      },
      600_000,
    );
    assert.ok(onNode(job, 'gpu-node-'));
    const done = await cluster.waitForPhase(ns, 'enas', 'Succeeded', 900_000);
    assert.equal(done.status!.conditions!.find((c) => c.type === 'FinalTraining')?.status, 'True');
    assert.equal(done.status!.results?.model, 'model/model.json');

    const out = mkdtempSync(join(tmpdir(), 'nasmesh-results-'));
    const results = await nasmeshWithEnv(cluster.cliEnv, 'results', done.status!.searchId!, '--out', out);
    assert.equal(results.code, 0, results.stderr);
    for (const file of done.status!.results!.files) assert.ok(existsSync(join(out, file)), `${file} downloaded`);
    const candidates = readFileSync(join(out, 'candidates.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(outcome(candidates), outcome(expected), 'the cluster search is the embedded run');
    const model = await loadModel(join(out, 'model'));
    const prediction = model.predict(tf.zeros([1, 28, 28, 1])) as tf.Tensor;
    assert.deepEqual(prediction.shape, [1, 10]);
    model.dispose();
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as {
      best: { testAccuracy: number };
      machine: { backend: string; backendPackage?: string };
    };
    assert.ok(summary.best.testAccuracy > 0);
    // From the image, the final training runs on the native backend built into it.
    if (cluster.cluster.images)
      assert.deepEqual([summary.machine.backend, summary.machine.backendPackage], ['tensorflow', '@tensorflow/tfjs-node']);
  });

  it('an operator restarted mid-search carries on without creating anything twice', async () => {
    const ns = await cluster.namespace('restart');
    await cluster.apply(nasSearch(ns, 'nb201', benchmark(300)));
    await cluster.waitFor('the search running', async () =>
      (await cluster.nasSearch(ns, 'nb201')).status?.phase === 'Running' ? true : undefined,
    );
    const [operator] = await cluster.searchPodsOf('nasmesh-system', 'app.kubernetes.io/component=operator');
    await cluster.kubectl('delete', 'pod', '-n', 'nasmesh-system', operator!.metadata!.name!);
    await cluster.kubectl('rollout', 'status', '-n', 'nasmesh-system', 'deployment/nasmesh-operator', '--timeout=120s');
    await cluster.waitForPhase(ns, 'nb201', 'Succeeded');
    const deployments = await cluster.kubectl('get', 'deployments,services,jobs', '-n', ns, '-l', 'nasmesh.io/search=nb201', '-o', 'name');
    assert.deepEqual(deployments.trim().split('\n'), ['deployment.apps/nb201-evaluator']);
    const replicaSets = await cluster.kubectl('get', 'replicasets', '-n', ns, '-o', 'name');
    assert.equal(replicaSets.trim().split('\n').length, 1, 'one rollout: the template never changed');
    const registered = await cluster.kubectl('get', 'events', '-n', ns, '--field-selector', 'reason=Registered', '-o', 'name');
    assert.equal(registered.trim().split('\n').length, 1, 'registered with the controller once');
  });

  it('with two operator replicas one holds the lease and acts; when it goes the other takes over', async () => {
    await cluster.kubectl('scale', '-n', 'nasmesh-system', 'deployment/nasmesh-operator', '--replicas=2');
    await cluster.kubectl('rollout', 'status', '-n', 'nasmesh-system', 'deployment/nasmesh-operator', '--timeout=120s');
    const leases = cluster.kc.makeApiClient(CoordinationV1Api);
    const holder = async () =>
      (await leases.readNamespacedLease({ name: 'nasmesh-operator', namespace: 'nasmesh-system' })).spec?.holderIdentity;
    const operators = await cluster.searchPodsOf('nasmesh-system', 'app.kubernetes.io/component=operator');
    assert.equal(operators.length, 2);
    const leader = await cluster.waitFor('a lease holder among the replicas', async () => {
      const h = await holder();
      return operators.find((p) => p.metadata!.name === h);
    });
    const leading = async (p: V1Pod) =>
      /^nasmesh_operator_leader (\d)/m.exec(await (await fetch(`http://${p.status!.podIP}:9468/metrics`)).text())?.[1];
    assert.deepEqual(
      await Promise.all(operators.map(leading)),
      operators.map((p) => (p === leader ? '1' : '0')),
    );

    await cluster.kubectl('delete', 'pod', '-n', 'nasmesh-system', leader.metadata!.name!, '--wait=false');
    const follower = operators.find((p) => p !== leader)!;
    await cluster.waitFor(
      'the other replica to take the lease',
      async () => ((await holder()) === follower.metadata!.name ? true : undefined),
      60_000,
    );
    const ns = await cluster.namespace('takeover');
    await cluster.apply(nasSearch(ns, 'small', benchmark(20)));
    await cluster.waitForPhase(ns, 'small', 'Succeeded');
    await cluster.kubectl('scale', '-n', 'nasmesh-system', 'deployment/nasmesh-operator', '--replicas=1');
  });

  it('a search asking for more GPUs than any node has waits, and its condition says so', async () => {
    const ns = await cluster.namespace('gpus');
    await cluster.apply(nasSearch(ns, 'greedy', benchmark(5, { resources: { gpu: 3 } })));
    const nas = await cluster.waitFor('the WaitingForGPUs condition', async () => {
      const n = await cluster.nasSearch(ns, 'greedy');
      const c = n.status?.conditions?.find((x) => x.type === 'WorkersScheduled');
      return c?.status === 'False' && c.reason === 'WaitingForGPUs' ? n : undefined;
    });
    assert.equal(nas.status!.phase, 'Pending');
    assert.match(nas.status!.conditions!.find((x) => x.type === 'WorkersScheduled')!.message, /Insufficient nvidia\.com\/gpu/);
    const described = await cluster.kubectl('describe', 'nas', '-n', ns, 'greedy');
    assert.match(described, /WaitingForGPUs/);
    await cluster.kubectl('delete', 'nas', '-n', ns, 'greedy');
  });

  it('a search the controller refuses fails where kubectl shows it, is not retried, and runs once its spec is fixed', async () => {
    const ns = await cluster.namespace('refused');
    const outside = { ...benchmark(5), evaluation: { mode: 'benchmark', table: '../nb201-synthetic.csv' } };
    await cluster.apply(nasSearch(ns, 'outside', outside));
    const failed = await cluster.waitForPhase(ns, 'outside', 'Failed');
    const valid = failed.status!.conditions!.find((c) => c.type === 'Valid')!;
    assert.equal(valid.status, 'False');
    assert.equal(valid.reason, 'InvalidSpec');
    assert.match(valid.message, /spec\.evaluation\.table: must not contain a '\.\.' segment/);
    assert.equal(failed.status!.observedGeneration, failed.metadata.generation);
    assert.match(await cluster.kubectl('get', 'nas', '-n', ns, 'outside'), /outside\s+Failed/);
    assert.match(await cluster.kubectl('describe', 'nas', '-n', ns, 'outside'), /Warning\s+InvalidSpec.*must not contain/);
    // Not retried: the status stays as it was written, the controller never heard of it.
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal((await cluster.nasSearch(ns, 'outside')).metadata.resourceVersion, failed.metadata.resourceVersion);
    await assert.rejects(cluster.controller().getSearch(searchId(failed)), /NOT_FOUND|not found/i);

    await cluster.kubectl(
      'patch',
      'nas',
      '-n',
      ns,
      'outside',
      '--type=merge',
      '-p',
      '{"spec":{"evaluation":{"table":"nb201-synthetic.csv"}}}',
    );
    const fixed = await cluster.waitForPhase(ns, 'outside', 'Succeeded');
    assert.equal(fixed.status!.conditions!.find((c) => c.type === 'Valid')!.status, 'True');
    assert.equal(fixed.status!.done, 5);
    await cluster.kubectl('delete', 'nas', '-n', ns, 'outside');
  });

  it('a running search refuses a change of what it searches with a condition, takes a change of its workers, undoes a kubectl scale and a deleted Secret, and kubectl delete cancels it', async () => {
    const ns = await cluster.namespace('delete');
    await cluster.apply(nasSearch(ns, 'doomed', benchmark(3000)));
    const running = await cluster.waitFor('candidates evaluated', async () => {
      const n = await cluster.nasSearch(ns, 'doomed');
      return (n.status?.done ?? 0) > 0 ? n : undefined;
    });
    const id = searchId(running);

    await cluster.kubectl(
      'patch',
      'nas',
      '-n',
      ns,
      'doomed',
      '--type=merge',
      '-p',
      '{"spec":{"budget":{"candidates":5},"workers":{"parallelism":3}}}',
    );
    const refused = await cluster.waitFor('the SpecApplied condition', async () => {
      const c = (await cluster.nasSearch(ns, 'doomed')).status?.conditions?.find((x) => x.type === 'SpecApplied');
      return c?.status === 'False' ? c : undefined;
    });
    assert.equal(refused.reason, 'SpecImmutable');
    assert.match(refused.message, /spec\.budget changed after the search started/);
    assert.equal((await cluster.controller().getSearch(id)).total, 3000, 'the search runs on with its budget');
    await cluster.waitFor('a third evaluator', async () => {
      // A pod that failed stays listed beside its replacement (the local cluster's pod IPs are reused, so a new pod can
      // find its address still held by one draining and fail, as a real one whose port is taken would).
      const pods = (await cluster.searchPods(ns, 'doomed', 'evaluator')).filter((p) => p.status?.phase !== 'Failed');
      return pods.length === 3 && pods.every(ready) ? true : undefined;
    });
    // Scaled down by hand, the evaluators return to the spec's parallelism.
    const deployment = (await cluster.kubectl('get', 'deployments', '-n', ns, '-o', 'name'))
      .split('\n')
      .find((d) => d.includes('evaluator'))!;
    await cluster.kubectl('scale', '-n', ns, deployment, '--replicas=1');
    await cluster.waitFor('the evaluators scaled back to 3', async () => {
      const live = JSON.parse(await cluster.kubectl('get', '-n', ns, deployment, '-o', 'json')) as { spec: { replicas: number } };
      return live.spec.replicas === 3 ? true : undefined;
    });
    // The search's copy of the mesh Secret, deleted by hand, comes back (the operator re-applies it after reading the
    // mesh Secret, every 30 s).
    const secret = workerSecretName(running);
    await cluster.kubectl('delete', 'secret', '-n', ns, secret);
    await cluster.waitFor(
      'the mesh Secret copy back',
      async () => ((await cluster.kubectl('get', 'secrets', '-n', ns, '-o', 'name')).includes(`secret/${secret}`) ? true : undefined),
      90_000,
    );

    await cluster.kubectl('delete', 'nas', '-n', ns, 'doomed', '--timeout=60s');
    const search = await cluster.controller().getSearch(id);
    assert.equal(search.phase, SearchPhase.CANCELLED, search.message);
    assert.ok(search.done < 3000);
    await cluster.waitFor(
      "the search's pods gone",
      async () => ((await cluster.searchPods(ns, 'doomed')).length === 0 ? true : undefined),
      120_000,
    );
    assert.equal((await cluster.kubectl('get', 'deployments', '-n', ns, '-o', 'name')).trim(), '');
  });
});
