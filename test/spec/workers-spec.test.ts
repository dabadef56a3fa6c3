import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSearchSpec } from '../../src/spec/index.js';
import { ValidationError } from '../../src/util/errors.js';

const doc = (workers: string) => `apiVersion: nasmesh.io/v1alpha1
kind: NASSearch
metadata: {name: t}
spec:
  space: {name: nb201}
  strategy: {name: reinforce}
  evaluation: {mode: benchmark, table: benchmarks/nb201.csv}
  budget: {candidates: 5}
  workers:
${workers.replace(/^/gm, '    ')}
`;
function workersOf(workers: string) {
  const parsed = parseSearchSpec(doc(workers), 'w.yaml').spec.workers;
  assert.ok(parsed);
  return parsed;
}

/** The spec is refused with a ValidationError on exactly `field`, whose message matches `problem`. */
function rejects(workers: string, field: string, problem: RegExp) {
  assert.throws(
    () => parseSearchSpec(doc(workers), 'w.yaml'),
    (e: unknown) => {
      assert.ok(e instanceof ValidationError, String(e));
      assert.equal(e.field, field);
      assert.match(e.message, problem);
      assert.ok(e.message.startsWith(`w.yaml: ${field}: `), e.message);
      return true;
    },
  );
}

describe('spec.workers', () => {
  it('is optional, and absent from a spec without it', () => {
    const spec = parseSearchSpec(doc('{}').replace(/ {2}workers:\n.*\n$/, ''), 'w.yaml').spec;
    assert.equal(spec.workers, undefined);
  });

  it('takes the full cluster section, with quantities as strings', () => {
    const workers = workersOf(`parallelism: 2
image: registry/nasmesh:0.1.0
resources: {cpu: 2, memory: 4Gi, gpu: 1}
nodeSelector: {nasmesh.io/pool: gpu}
tolerations:
  - {key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}
  - {key: dedicated, value: nas, effect: NoExecute, tolerationSeconds: 60}
priorityClassName: high
dataVolume: {claimName: nas-data}`);
    assert.deepEqual(workers, {
      parallelism: 2,
      image: 'registry/nasmesh:0.1.0',
      resources: { cpu: '2', memory: '4Gi', gpu: 1 },
      nodeSelector: { 'nasmesh.io/pool': 'gpu' },
      tolerations: [
        { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' },
        { key: 'dedicated', operator: 'Equal', value: 'nas', effect: 'NoExecute', tolerationSeconds: 60 },
      ],
      priorityClassName: 'high',
      dataVolume: { claimName: 'nas-data', mountPath: '/data' },
    });
  });

  it('fills defaults: one evaluator, no GPU, the volume at /data', () => {
    assert.deepEqual(workersOf('{}'), { parallelism: 1, resources: { gpu: 0 } });
    assert.deepEqual(workersOf('dataVolume: {hostPath: /srv/nas-data, mountPath: /mnt/nas}').dataVolume, {
      hostPath: '/srv/nas-data',
      mountPath: '/mnt/nas',
    });
    assert.deepEqual(workersOf('resources: {cpu: 500m, memory: "1.5e9"}').resources, { cpu: '500m', memory: '1.5e9', gpu: 0 });
  });

  it('bounds every number and size, naming the field', () => {
    rejects('resources: {gpu: 100}', 'spec.workers.resources.gpu', /<=16/);
    rejects('resources: {gpu: 0.5}', 'spec.workers.resources.gpu', /expected int/);
    rejects('parallelism: 0', 'spec.workers.parallelism', />=1/);
    rejects('parallelism: 65', 'spec.workers.parallelism', /<=64/);
    rejects(`image: ${'a'.repeat(513)}`, 'spec.workers.image', /<=512/);
    rejects('resources: {cpu: 2GB}', 'spec.workers.resources.cpu', /Kubernetes quantity such as 500m/);
    rejects('resources: {memory: "-1Gi"}', 'spec.workers.resources.memory', /must not be negative/);
    rejects('resources: {cpu: 1.5}', 'spec.workers.resources.cpu', /whole number or a string such as 500m/);
    rejects('resources: {gpus: 1}', 'spec.workers.resources', /gpus/);
    rejects('replicas: 3', 'spec.workers', /replicas/);
  });

  it('checks Kubernetes names, tolerations and the data volume', () => {
    rejects('priorityClassName: High_Priority', 'spec.workers.priorityClassName', /DNS-1123 subdomain/);
    rejects(
      'tolerations: [{key: k, operator: Sometimes}]',
      'spec.workers.tolerations.0.operator',
      /invalid value \(allowed: Exists, Equal\)/,
    );
    rejects('tolerations: [{key: k, operator: Exists, value: v}]', 'spec.workers.tolerations.0.value', /empty when operator is Exists/);
    rejects('tolerations: [{effect: NoSchedule}]', 'spec.workers.tolerations.0.operator', /must be Exists when key is empty/);
    rejects('tolerations: [{key: k, effect: NoSchedule, tolerationSeconds: 5}]', 'spec.workers.tolerations.0.effect', /NoExecute/);
    rejects(
      'tolerations: [{key: k, tolerationSeconds: 1.5, effect: NoExecute}]',
      'spec.workers.tolerations.0.tolerationSeconds',
      /expected int/,
    );
    rejects('dataVolume: {mountPath: /data}', 'spec.workers.dataVolume.claimName', /required: a PersistentVolumeClaim name, or hostPath/);
    rejects('dataVolume: {claimName: nas-data, hostPath: /srv}', 'spec.workers.dataVolume.hostPath', /not allowed with claimName/);
    rejects('dataVolume: {hostPath: srv/data}', 'spec.workers.dataVolume.hostPath', /absolute path/);
    rejects('dataVolume: {claimName: nas-data, mountPath: /data/../etc}', 'spec.workers.dataVolume.mountPath', /must not contain \.\./);
    rejects('dataVolume: {claimName: Nas_Data}', 'spec.workers.dataVolume.claimName', /DNS-1123 subdomain/);
    rejects('nodeSelector: {pool: 1}', 'spec.workers.nodeSelector.pool', /expected string/);
  });
});
