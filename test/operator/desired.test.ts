import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { desiredEvaluators } from '../../services/operator/desired/evaluators.js';
import { desiredFinalTraining } from '../../services/operator/desired/final-training.js';
import { desiredSupernetTrainer, supernetTrainerAddress } from '../../services/operator/desired/supernet-trainer.js';
import { desiredWorkerSecret } from '../../services/operator/desired/worker-secret.js';
import { childName, searchId } from '../../services/operator/names.js';
import type { NASSearch, OperatorConfig } from '../../services/operator/types.js';
import { type SearchSpecInput, searchSpecSchema } from '../../src/spec/search-spec.js';

const config: OperatorConfig = {
  image: 'nasmesh:test',
  natsUrl: 'nats://nats.nasmesh-system.svc:4222',
  ports: { grpc: 50052, metrics: 9465 },
  insecure: false,
  controller: 'nasmesh-controller.nasmesh-system.svc:50051',
};

function nas(name: string, spec: SearchSpecInput['spec']): NASSearch {
  return {
    apiVersion: 'nasmesh.io/v1alpha1',
    kind: 'NASSearch',
    metadata: { name, namespace: 'team-a', uid: '0a1b2c3d-1111-2222-3333-444455556666', generation: 1 },
    spec,
  };
}

const enas: SearchSpecInput['spec'] = {
  dataset: { name: 'fashion-mnist' },
  space: { name: 'enas-micro', blocks: 2 },
  strategy: { name: 'reinforce' },
  evaluation: { mode: 'weight-sharing', epochs: 2, controllerStepsPerEpoch: 2 },
  budget: { candidates: 4 },
  final: { epochs: 1 },
  workers: {
    parallelism: 3,
    resources: { cpu: '2', memory: '4Gi', gpu: 1 },
    nodeSelector: { 'nasmesh.io/pool': 'gpu' },
    priorityClassName: 'research',
    dataVolume: { claimName: 'datasets', mountPath: '/datasets' },
  },
};

const parse = (n: NASSearch) =>
  searchSpecSchema.parse({ apiVersion: n.apiVersion, kind: n.kind, metadata: { name: searchId(n) }, spec: n.spec });

describe('operator: desired objects', () => {
  it('names stay DNS labels however long the NASSearch name, and the search id carries the uid', () => {
    const long = nas('a'.repeat(60), enas);
    for (const n of [searchId(long), childName(long, 'supernet-trainer'), childName(long, 'evaluator')]) {
      assert.ok(n.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(n), n);
    }
    assert.equal(searchId(nas('cifar', enas)), 'cifar-0a1b2c3d');
    assert.notEqual(childName(nas(`${'a'.repeat(50)}x`, enas), 'evaluator'), childName(nas(`${'a'.repeat(50)}y`, enas), 'evaluator'));
  });

  it("evaluators: parallelism pods asking for GPUs, tolerating the GPU taint, only this search's jobs, zero once ended", () => {
    const n = nas('cifar', enas);
    const d = desiredEvaluators(n, parse(n), config, true);
    assert.equal(d.spec!.replicas, 3);
    assert.equal(desiredEvaluators(n, parse(n), config, false).spec!.replicas, 0);
    const pod = d.spec!.template.spec!;
    const c = pod.containers[0]!;
    assert.deepEqual(c.resources, { requests: { cpu: '2', memory: '4Gi' }, limits: { memory: '4Gi', 'nvidia.com/gpu': '1' } });
    assert.deepEqual(pod.tolerations, [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    assert.deepEqual(pod.nodeSelector, { 'nasmesh.io/pool': 'gpu' });
    assert.equal(pod.priorityClassName, 'research');
    assert.equal(pod.automountServiceAccountToken, false);
    assert.deepEqual(c.command, ['nasmesh']);
    assert.deepEqual(c.args!.slice(0, 2), ['serve', 'evaluator']);
    assert.deepEqual(c.args!.slice(-4), ['--modes', 'weight-sharing', '--search', 'cifar-0a1b2c3d']);
    assert.ok(c.args!.includes(config.natsUrl));
    // The data volume is its only data root; plaintext only when the operator itself is started --insecure.
    assert.deepEqual(c.args!.slice(c.args!.indexOf('--data-root'), c.args!.indexOf('--data-root') + 2), ['--data-root', '/datasets']);
    assert.ok(!c.args!.includes('--insecure'));
    assert.ok(
      desiredEvaluators(n, parse(n), { ...config, insecure: true }, true).spec!.template.spec!.containers[0]!.args!.includes('--insecure'),
    );
    // Relative dataset and table paths resolve inside the data volume.
    assert.equal(c.workingDir, '/datasets');
    assert.deepEqual(pod.volumes, [{ name: 'data', persistentVolumeClaim: { claimName: 'datasets', readOnly: true } }]);
    assert.deepEqual(c.volumeMounts, [{ name: 'data', mountPath: '/datasets', readOnly: true }]);
    assert.deepEqual(d.metadata!.ownerReferences, [
      { apiVersion: 'nasmesh.io/v1alpha1', kind: 'NASSearch', name: 'cifar', uid: n.metadata.uid, controller: true },
    ]);
    assert.deepEqual(d.spec!.selector.matchLabels, { 'nasmesh.io/search': 'cifar', 'nasmesh.io/component': 'evaluator' });
    for (const [k, v] of Object.entries(d.spec!.selector.matchLabels!)) assert.equal(d.spec!.template.metadata!.labels![k], v);
  });

  it('a search without GPUs gets no GPU limit and no GPU toleration', () => {
    const n = nas('bench', {
      space: { name: 'nb201' },
      strategy: { name: 'random' },
      evaluation: { mode: 'benchmark', table: 't.csv' },
      budget: { candidates: 5 },
    });
    const pod = desiredEvaluators(n, parse(n), config, true).spec!.template.spec!;
    assert.deepEqual(pod.containers[0]!.resources, {});
    assert.equal(pod.tolerations, undefined);
    assert.equal(pod.containers[0]!.image, 'nasmesh:test');
    assert.equal(desiredEvaluators(n, parse(n), config, true).spec!.replicas, 1);
  });

  it('supernet trainer: one pod, recreated not rolled, behind the Service the controller is told about', () => {
    const n = nas('cifar', enas);
    const [deployment, service] = desiredSupernetTrainer(n, parse(n), config, true);
    assert.equal(deployment.spec!.replicas, 1);
    assert.equal(deployment.spec!.strategy!.type, 'Recreate');
    assert.deepEqual(service.spec!.selector, deployment.spec!.selector.matchLabels);
    assert.equal(supernetTrainerAddress(n, config), `cifar-supernet-trainer.team-a.svc:${config.ports.grpc}`);
    assert.equal(desiredSupernetTrainer(n, parse(n), config, false)[0].spec!.replicas, 0);
  });

  it("final training: a Job on the workers' resources running `nasmesh final` for the search, never restarted in place", () => {
    const n = nas('cifar', enas);
    const job = desiredFinalTraining(n, parse(n), config);
    const pod = job.spec!.template.spec!;
    assert.equal(pod.restartPolicy, 'Never');
    assert.deepEqual(pod.containers[0]!.args, ['final', 'cifar-0a1b2c3d', '--nats', config.natsUrl, '--data-root', '/datasets']);
    assert.equal(pod.containers[0]!.resources!.limits!['nvidia.com/gpu'], '1');
    assert.equal(pod.containers[0]!.readinessProbe, undefined);
  });

  it('with the mesh Secret, workers serve and dial with TLS and its shared name, and probe /readyz (gRPC probes speak no TLS)', () => {
    const n = nas('cifar', enas);
    const secure = { ...config, workerSecret: { namespace: 'nasmesh-system', name: 'nasmesh-mesh' } };
    const [trainer] = desiredSupernetTrainer(n, parse(n), secure, true);
    const pod = trainer.spec!.template.spec!;
    const args = pod.containers[0]!.args!;
    const value = (flag: string) => args[args.indexOf(flag) + 1];
    assert.equal(value('--tls-cert'), '/var/run/nasmesh/mesh/tls.crt');
    assert.equal(value('--tls-server-name'), 'nasmesh-mesh');
    assert.equal(value('--nats-password-file'), '/var/run/nasmesh/mesh/nats-password');
    assert.equal(value('--trusted-controller'), secure.controller);
    assert.ok(!args.includes('--insecure'));
    assert.deepEqual(pod.containers[0]!.readinessProbe!.httpGet, { path: '/readyz', port: 'metrics' });
    const secret = desiredWorkerSecret(n, {
      'tls.crt': 'Yw==',
      'tls.key': 'aw==',
      'ca.crt': 'YQ==',
      'nats-password': 'cA==',
      'admin-token': 'dA==',
    });
    assert.deepEqual(pod.volumes!.find((v) => v.name === 'mesh')!.secret!.secretName, secret.metadata!.name);
    assert.deepEqual(Object.keys(secret.data!).sort(), ['ca.crt', 'nats-password', 'tls.crt', 'tls.key'], 'the admin token stays behind');
    assert.equal(secret.metadata!.namespace, 'team-a');
    assert.throws(() => desiredWorkerSecret(n, { 'tls.crt': 'Yw==' }), /lacks tls\.key, ca\.crt, nats-password/);
  });
});
