import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubernetesObject } from '@kubernetes/client-node';
import { DESIRED_ANNOTATION, desiredHash, holdsDesired, mustApply } from '../../services/operator/drift.js';

const desired = {
  replicas: 2,
  template: {
    spec: { containers: [{ name: 'evaluator', image: 'nasmesh:1', args: ['serve', 'evaluator'], ports: [{ containerPort: 50051 }] }] },
  },
};

describe('holdsDesired: a live object against what the operator applied', () => {
  const cases: [string, unknown, boolean][] = [
    ['as applied', structuredClone(desired), true],
    [
      "with the API server's defaults added",
      {
        ...structuredClone(desired),
        strategy: { type: 'RollingUpdate' },
        template: {
          spec: {
            restartPolicy: 'Always',
            containers: [
              {
                ...desired.template.spec.containers[0],
                imagePullPolicy: 'IfNotPresent',
                ports: [{ containerPort: 50051, protocol: 'TCP' }],
              },
            ],
          },
        },
      },
      true,
    ],
    ['scaled by hand', { ...structuredClone(desired), replicas: 0 }, false],
    [
      'another image set by hand',
      { ...desired, template: { spec: { containers: [{ ...desired.template.spec.containers[0], image: 'other:2' }] } } },
      false,
    ],
    [
      'a container added by hand',
      { ...desired, template: { spec: { containers: [...desired.template.spec.containers, { name: 'x' }] } } },
      false,
    ],
    [
      'an argument removed',
      { ...desired, template: { spec: { containers: [{ ...desired.template.spec.containers[0], args: ['serve'] }] } } },
      false,
    ],
    ['gone', undefined, false],
  ];
  for (const [what, live, holds] of cases) it(what, () => assert.equal(holdsDesired(live, desired), holds));

  it('takes the empty values the API server omits as set', () => {
    const withEmpty = { replicas: 0, template: { spec: { tolerations: [], nodeSelector: {}, hostNetwork: false, subdomain: '' } } };
    assert.equal(holdsDesired({ template: { spec: {} } }, withEmpty), true);
    assert.equal(holdsDesired({ replicas: 1, template: { spec: {} } }, withEmpty), false);
  });

  it('takes resource quantities in the canonical form the API server returns', () => {
    const withResources = { containers: [{ name: 'e', resources: { requests: { cpu: '0.5' } } }] };
    assert.equal(holdsDesired({ containers: [{ name: 'e', resources: { requests: { cpu: '500m' } } }] }, withResources), true);
  });
});

describe('mustApply: whether the reconciler applies a desired object', () => {
  const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'e' }, spec: desired };
  const hash = desiredHash(deployment);
  const live = (spec: unknown, applied = hash) => ({
    ...deployment,
    metadata: { name: 'e', annotations: { [DESIRED_ANNOTATION]: applied } },
    spec,
  });
  const job = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'f' }, spec: { template: { spec: { restartPolicy: 'Never' } } } };
  const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { 'ca.crt': 'QQ==' } };
  const cases: [string, KubernetesObject, Parameters<typeof mustApply>[2], boolean][] = [
    ['not there yet', deployment, { live: undefined }, true],
    ['as last applied', deployment, { live: live(structuredClone(desired)) }, false],
    ['applied before this change of the desired state', deployment, { live: live(structuredClone(desired), 'older') }, true],
    ['scaled by hand since (the annotation stays)', deployment, { live: live({ ...structuredClone(desired), replicas: 0 }) }, true],
    [
      'a Job changed by hand: its template cannot change, so it is left',
      job,
      { live: { ...job, metadata: { name: 'f', annotations: { [DESIRED_ANNOTATION]: desiredHash(job) } }, spec: {} } as KubernetesObject },
      false,
    ],
    ['a Secret applied with this hash (not readable: remembered)', secret, { lastApplied: desiredHash(secret) }, false],
    ['a Secret not remembered (first time, or the memory expired: deleted by hand comes back)', secret, { lastApplied: undefined }, true],
    [
      'a Secret whose source rotated',
      secret,
      { lastApplied: desiredHash({ ...secret, data: { 'ca.crt': 'Qg==' } } as KubernetesObject) },
      true,
    ],
  ];
  for (const [what, d, seen, must] of cases) it(what, () => assert.equal(mustApply(d, desiredHash(d), seen), must));
});
