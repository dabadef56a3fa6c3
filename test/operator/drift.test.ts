import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { holdsDesired } from '../../services/operator/drift.js';

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
