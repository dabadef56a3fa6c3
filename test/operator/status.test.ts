import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import { unschedulable, withCondition } from '../../services/operator/status.js';

const pending = (gpus: number, message: string): V1Pod => ({
  spec: { containers: [{ name: 'c', resources: gpus ? { limits: { 'nvidia.com/gpu': String(gpus) } } : {} }] },
  status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message }] },
});

describe('operator: status', () => {
  it("moves a condition's lastTransitionTime only when its status changes", () => {
    const t0 = new Date('2026-01-01T00:00:00Z');
    const t1 = new Date('2026-01-01T00:01:00Z');
    const a = withCondition([], { type: 'Registered', status: 'False', reason: 'Waiting', message: 'm' }, t0);
    const b = withCondition(a, { type: 'Registered', status: 'False', reason: 'Still', message: 'n' }, t1);
    assert.equal(b[0]!.lastTransitionTime, t0.toISOString());
    assert.equal(b[0]!.reason, 'Still');
    const c = withCondition(b, { type: 'Registered', status: 'True', reason: 'Registered', message: 'ok' }, t1);
    assert.equal(c[0]!.lastTransitionTime, t1.toISOString());
    assert.equal(withCondition(c, { type: 'Valid', status: 'True', reason: 'Validated', message: '' }, t1).length, 2);
  });

  it('says the search waits for GPUs when a worker pod asking for GPUs cannot be placed', () => {
    const why = '0/4 nodes are available: 2 Insufficient nvidia.com/gpu, 2 node(s) had untolerated taint.';
    assert.deepEqual(unschedulable([pending(4, why), pending(4, why)]), {
      reason: 'WaitingForGPUs',
      message: `2 worker pods wait for GPUs: ${why}`,
    });
    assert.equal(unschedulable([pending(0, 'Insufficient cpu')])!.reason, 'Unschedulable');
    assert.equal(unschedulable([{ status: { phase: 'Running' } }]), undefined);
  });
});
