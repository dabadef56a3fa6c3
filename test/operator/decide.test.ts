import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubernetesObject, V1Job, V1Pod } from '@kubernetes/client-node';
import { documentFromSpec } from '../../services/common/messages/search-document.js';
import { SearchPhase } from '../../services/gen/nasmesh/v1/common.js';
import type { Search } from '../../services/gen/nasmesh/v1/controller.js';
import { type Decision, decide, type Observed, parseSearch, PROGRESS_INTERVAL_MS, RESYNC_MS } from '../../services/operator/decide.js';
import { childName } from '../../services/operator/names.js';
import type { NASSearch, OperatorConfig } from '../../services/operator/types.js';
import type { SearchSpecInput } from '../../src/spec/search-spec.js';
import type { SearchStatus } from '../../src/spec/search-status.js';

const config: OperatorConfig = {
  image: 'nasmesh:test',
  natsUrl: 'nats://nats.nasmesh-system.svc:4222',
  ports: { grpc: 50052, metrics: 9465 },
  insecure: false,
  controller: 'nasmesh-controller.nasmesh-system.svc:50051',
  workerSecret: { namespace: 'nasmesh-system', name: 'nasmesh-mesh' },
};
const meshSecret = { 'tls.crt': 'Y3J0', 'tls.key': 'a2V5', 'ca.crt': 'Y2E=', 'nats-password': 'cHc=', other: 'eA==' };
const now = new Date('2030-01-01T00:00:00Z');

const spec: SearchSpecInput['spec'] = {
  dataset: { name: 'fashion-mnist' },
  space: { name: 'enas-micro', blocks: 2 },
  strategy: { name: 'reinforce' },
  evaluation: { mode: 'weight-sharing', epochs: 2, controllerStepsPerEpoch: 2 },
  budget: { candidates: 4 },
  final: { epochs: 1 },
  workers: { parallelism: 2 },
};

function nasOf(o: { spec?: unknown; status?: SearchStatus; generation?: number } = {}): NASSearch {
  return {
    apiVersion: 'nasmesh.io/v1alpha1',
    kind: 'NASSearch',
    metadata: { name: 'cifar', namespace: 'team-a', uid: '0a1b2c3d-1111-2222-3333-444455556666', generation: o.generation ?? 1 },
    spec: (o.spec ?? spec) as NASSearch['spec'],
    ...(o.status ? { status: o.status } : {}),
  };
}
const base = nasOf();
const ID = 'cifar-0a1b2c3d';

function searchOf(phase: SearchPhase, done = 0, o: { message?: string; spec?: SearchSpecInput['spec'] } = {}): Search {
  return {
    id: ID,
    document: documentFromSpec(parseSearch(nasOf(o.spec ? { spec: o.spec } : {}))),
    phase,
    message: o.message ?? '',
    done,
    total: 4,
  };
}

const running: SearchStatus = { phase: 'Running', searchId: ID, observedGeneration: 1, done: 1, total: 4, progress: '1/4' };
const pod = (status: V1Pod['status'], gpu = 0): V1Pod => ({
  metadata: { name: 'p', labels: { 'nasmesh.io/search': 'cifar' } },
  spec: { containers: [{ name: 'e', resources: gpu ? { limits: { 'nvidia.com/gpu': String(gpu) } } : {} }] },
  status,
});
const unplaced = pod(
  {
    phase: 'Pending',
    conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/4 nodes: Insufficient nvidia.com/gpu' }],
  },
  1,
);
const ready = pod({ phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] });
const finalJob = (condition?: 'Complete' | 'Failed'): V1Job => ({
  metadata: { name: childName(base, 'final-training'), labels: { 'nasmesh.io/search': 'cifar' } },
  status: condition ? { conditions: [{ type: condition, status: 'True', message: 'BackoffLimitExceeded' }] } : {},
});

/** What a test looks at in a decision: kinds (and a Deployment's replicas), status and events in short. */
function summary(d: Decision) {
  const objects = d.objects.map((o: KubernetesObject & { spec?: { replicas?: number } }) =>
    o.kind === 'Deployment' ? `${o.kind}:${o.spec?.replicas}` : o.kind!,
  );
  const conditions = Object.fromEntries((d.status?.conditions ?? []).map((c) => [c.type, `${c.status}/${c.reason}`]));
  return {
    objects,
    register: d.register !== undefined,
    phase: d.status?.phase,
    conditions,
    events: d.events.map((e) => `${e.type}/${e.reason}`),
    watch: d.watch,
    requeueAfterMs: d.requeueAfterMs,
    retry: d.retry !== undefined,
  };
}

const workersUp = ['Secret', 'Deployment:2', 'Deployment:1', 'Service'];
const workersDown = ['Secret', 'Deployment:0', 'Deployment:0', 'Service'];
type Expected = Partial<ReturnType<typeof summary>>;

const cases: [string, Partial<Observed>, Expected][] = [
  [
    'an invalid spec never started: Failed, Valid=False naming the field, a warning, nothing created, not retried',
    { nas: nasOf({ spec: { ...spec, budget: { candidates: -1 } } }) },
    { objects: [], register: false, phase: 'Failed', conditions: { Valid: 'False/InvalidSpec' }, events: ['Warning/InvalidSpec'] },
  ],
  [
    'an invalid change to a running search: Valid=False, it runs on, looked at again',
    { nas: nasOf({ spec: { ...spec, budget: { candidates: -1 } }, status: running, generation: 2 }) },
    {
      objects: [],
      phase: 'Running',
      conditions: { Valid: 'False/InvalidSpec' },
      events: ['Warning/InvalidSpec'],
      requeueAfterMs: RESYNC_MS,
    },
  ],
  ['new: workers first, then register (no status yet)', {}, { objects: workersUp, register: true, phase: undefined, events: [] }],
  [
    'the controller refused it (INVALID_ARGUMENT): Failed, workers to zero, a warning, not retried',
    { registration: { outcome: 'refused', reason: 'InvalidSpec', message: 'spec.evaluation.table: must not contain a .. segment' } },
    {
      objects: workersDown,
      register: false,
      phase: 'Failed',
      conditions: { Valid: 'False/InvalidSpec' },
      events: ['Warning/InvalidSpec'],
      retry: false,
    },
  ],
  [
    'refused before, same generation: nothing at all',
    { nas: nasOf({ status: { phase: 'Failed', observedGeneration: 1, message: 'refused' } }) },
    { objects: [], register: false, phase: undefined, events: [] },
  ],
  [
    'refused before, the spec changed since: tried afresh',
    { nas: nasOf({ status: { phase: 'Failed', observedGeneration: 1, message: 'refused' }, generation: 2 }) },
    { objects: workersUp, register: true },
  ],
  [
    'the controller unreachable: Registered=False and a retry with backoff, the workers stay',
    { registration: { outcome: 'unavailable', message: '14 UNAVAILABLE: No connection established' } },
    {
      objects: workersUp,
      phase: 'Pending',
      conditions: { Valid: 'True/Validated', Registered: 'False/ControllerUnavailable' },
      retry: true,
    },
  ],
  [
    'just registered, no worker ready: Pending, the Registered event, followed',
    { search: searchOf(SearchPhase.PENDING), registration: { outcome: 'created' } },
    {
      objects: workersUp,
      phase: 'Pending',
      conditions: {
        Valid: 'True/Validated',
        Registered: 'True/Registered',
        SpecApplied: 'True/Applied',
        WorkersScheduled: 'True/Scheduled',
      },
      events: ['Normal/Registered', 'Normal/Pending'],
      watch: 'follow',
      requeueAfterMs: RESYNC_MS,
    },
  ],
  [
    'a worker ready: Running',
    { nas: nasOf({ status: { phase: 'Pending', searchId: ID } }), search: searchOf(SearchPhase.RUNNING), pods: [ready] },
    { objects: workersUp, phase: 'Running', events: ['Normal/Running'], watch: 'follow' },
  ],
  [
    'nothing changed since the last status: no write, no event',
    {
      nas: nasOf({ status: decide({ ...observed(), search: searchOf(SearchPhase.RUNNING, 1), pods: [ready] }).status! }),
      search: searchOf(SearchPhase.RUNNING, 1),
      pods: [ready],
    },
    { objects: workersUp, phase: undefined, events: [], requeueAfterMs: RESYNC_MS },
  ],
  [
    'progress alone: the status is written, no event',
    {
      nas: nasOf({ status: decide({ ...observed(), search: searchOf(SearchPhase.RUNNING, 1), pods: [ready] }).status! }),
      search: searchOf(SearchPhase.RUNNING, 2),
      pods: [ready],
    },
    { phase: 'Running', events: [] },
  ],
  [
    'progress alone, half a second after the last write: not written, looked at again when the second is over',
    {
      nas: nasOf({ status: decide({ ...observed(), search: searchOf(SearchPhase.RUNNING, 1), pods: [ready] }).status! }),
      search: searchOf(SearchPhase.RUNNING, 2),
      pods: [ready],
      statusWrittenAt: new Date(now.getTime() - 500),
    },
    { phase: undefined, events: [], requeueAfterMs: PROGRESS_INTERVAL_MS - 500 },
  ],
  [
    'progress alone, a second after the last write: written',
    {
      nas: nasOf({ status: decide({ ...observed(), search: searchOf(SearchPhase.RUNNING, 1), pods: [ready] }).status! }),
      search: searchOf(SearchPhase.RUNNING, 2),
      pods: [ready],
      statusWrittenAt: new Date(now.getTime() - PROGRESS_INTERVAL_MS),
    },
    { phase: 'Running', events: [] },
  ],
  [
    'the search ended a moment after the last write: written at once, with its event',
    {
      nas: nasOf({ status: decide({ ...observed(), search: searchOf(SearchPhase.RUNNING, 3), pods: [ready] }).status! }),
      search: searchOf(SearchPhase.FAILED, 3, { message: 'evaluator crashed' }),
      pods: [ready],
      statusWrittenAt: new Date(now.getTime() - 10),
    },
    { phase: 'Failed', events: ['Warning/Failed'] },
  ],
  [
    'worker pods without a node for GPUs: WorkersScheduled=False/WaitingForGPUs, a warning',
    { nas: nasOf({ status: running }), search: searchOf(SearchPhase.RUNNING, 1), pods: [unplaced] },
    { phase: 'Running', conditions: { WorkersScheduled: 'False/WaitingForGPUs' }, events: ['Warning/WaitingForGPUs'] },
  ],
  [
    'a field other than spec.workers changed while it runs: SpecApplied=False, it runs on',
    {
      nas: nasOf({ status: running, generation: 2 }),
      search: searchOf(SearchPhase.RUNNING, 1, { spec: { ...spec, strategy: { name: 'ppo' } } }),
    },
    { phase: 'Running', conditions: { SpecApplied: 'False/SpecImmutable' } },
  ],
  [
    'succeeded on the controller with a final stage: the Job, workers to zero, Running',
    { nas: nasOf({ status: running }), search: searchOf(SearchPhase.SUCCEEDED, 4) },
    {
      objects: [...workersDown, 'Job'],
      phase: 'Running',
      conditions: { FinalTraining: 'False/Running' },
      events: ['Normal/FinalTraining'],
    },
  ],
  [
    'the final Job completed: Succeeded, forgotten',
    { nas: nasOf({ status: running }), search: searchOf(SearchPhase.SUCCEEDED, 4), jobs: [finalJob('Complete')] },
    {
      objects: [...workersDown, 'Job'],
      phase: 'Succeeded',
      conditions: { FinalTraining: 'True/Completed' },
      events: ['Normal/Succeeded'],
      watch: 'forget',
    },
  ],
  [
    'the final Job failed: Failed, a warning naming the job',
    { nas: nasOf({ status: running }), search: searchOf(SearchPhase.SUCCEEDED, 4), jobs: [finalJob('Failed')] },
    { phase: 'Failed', conditions: { FinalTraining: 'False/JobFailed' }, events: ['Warning/FinalTrainingFailed'], watch: 'forget' },
  ],
  [
    'succeeded without a final stage: Succeeded at once',
    {
      nas: nasOf({ spec: { ...spec, final: undefined }, status: running }),
      search: searchOf(SearchPhase.SUCCEEDED, 4, { spec: { ...spec, final: undefined } }),
    },
    { objects: workersDown, phase: 'Succeeded', events: ['Normal/Succeeded'], watch: 'forget' },
  ],
  [
    'failed on the controller: Failed with its message, a warning',
    { nas: nasOf({ status: running }), search: searchOf(SearchPhase.FAILED, 2, { message: 'every evaluation diverged' }) },
    { objects: workersDown, phase: 'Failed', events: ['Warning/Failed'], watch: 'forget' },
  ],
  [
    'ended before (a restarted operator): workers kept at zero, the controller not needed',
    { nas: nasOf({ status: { ...running, phase: 'Succeeded' } }) },
    { objects: workersDown, register: false, events: [], watch: undefined, requeueAfterMs: undefined },
  ],
];

function observed(o: Partial<Observed> = {}): Observed {
  return { nas: base, config, now, pods: [], jobs: [], meshSecret, ...o };
}

describe('decide: the reconciler from what it observes to what it does', () => {
  for (const [what, o, expected] of cases) {
    it(what, () => {
      const got = summary(decide(observed(o)));
      for (const [k, v] of Object.entries(expected)) {
        if (k === 'conditions') for (const [type, s] of Object.entries(v as object)) assert.equal(got.conditions[type], s, `${k}.${type}`);
        else assert.deepEqual(got[k as keyof typeof got], v, k);
      }
    });
  }

  it('names the field the controller refused, in the status message and the event', () => {
    const d = decide(observed({ registration: { outcome: 'refused', reason: 'InvalidSpec', message: 'spec.evaluation.table: bad' } }));
    assert.match(d.status!.message!, /spec\.evaluation\.table/);
    assert.match(d.events[0]!.message, /spec\.evaluation\.table/);
    assert.equal(d.status!.observedGeneration, 1);
  });

  it("copies only the workers' part of the mesh Secret, and none without one configured", () => {
    const secret = decide(observed()).objects[0] as KubernetesObject & { data: Record<string, string> };
    assert.equal(secret.kind, 'Secret');
    assert.deepEqual(Object.keys(secret.data).sort(), ['ca.crt', 'nats-password', 'tls.crt', 'tls.key']);
    const { workerSecret: _, ...plain } = config;
    assert.ok(!decide(observed({ config: plain, meshSecret: undefined })).objects.some((o) => o.kind === 'Secret'));
  });

  it("keeps a condition's lastTransitionTime while its status holds, and moves it when it flips", () => {
    const first = decide(observed({ nas: nasOf({ status: running }), search: searchOf(SearchPhase.RUNNING, 1), pods: [unplaced] })).status!;
    const later = new Date(now.getTime() + 60_000);
    const placed = decide(
      observed({ nas: nasOf({ status: first }), search: searchOf(SearchPhase.RUNNING, 2), pods: [ready], now: later }),
    ).status!;
    const at = (s: SearchStatus, type: string) => s.conditions!.find((c) => c.type === type)!.lastTransitionTime;
    assert.equal(at(placed, 'Valid'), at(first, 'Valid'));
    assert.equal(at(placed, 'WorkersScheduled'), later.toISOString());
  });
});
