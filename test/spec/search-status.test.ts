import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SEARCH_STATUS_PHASES, type SearchStatus, searchStatusSchema } from '../../src/spec/search-status.js';
import { parseWith } from '../../src/util/schema.js';

const candidate = { index: 7, architecture: '|nor_conv_3x3~0|+|skip_connect~0|none~1|', hash: 'a1b2', accuracy: 93.5, reward: 0.935 };
const status: SearchStatus = {
  phase: 'Running',
  observedGeneration: 2,
  searchId: 'nb201-benchmark',
  done: 12,
  total: 30,
  progress: '12/30',
  best: { ...candidate, latencyMs: 4.2, params: 113306, flops: 3_700_000 },
  paretoFront: [candidate],
  conditions: [
    { type: 'Ready', status: 'False', observedGeneration: 2, lastTransitionTime: '2026-12-01T20:00:00Z', reason: 'Searching', message: '' },
    {
      type: 'nasmesh.io/Evaluators',
      status: 'True',
      lastTransitionTime: '2026-12-01T20:00:00+01:00',
      reason: 'AllReady',
      message: '2 of 2',
    },
  ],
  results: { objectStore: 'nasmesh-results', prefix: 'default/nb201-benchmark/', files: ['summary.json'], model: 'model/model.json' },
  message: 'evaluating',
  startTime: '2026-12-01T19:59:58Z',
};
const parse = (value: unknown) => parseWith(searchStatusSchema, value, 'status');

describe('NASSearch status', () => {
  it('takes what the operator writes', () => {
    assert.deepEqual(parse(status), status);
    assert.deepEqual(parse({ phase: 'Pending' }), { phase: 'Pending' });
    assert.deepEqual(SEARCH_STATUS_PHASES, ['Pending', 'Running', 'Succeeded', 'Failed', 'Cancelled']);
  });

  it('refuses what Kubernetes would, naming the field', () => {
    assert.throws(
      () => parse({ phase: 'Done' }),
      /status\.phase: invalid value \(allowed: Pending, Running, Succeeded, Failed, Cancelled\)/,
    );
    assert.throws(() => parse({ ...status, done: -1 }), /status\.done: .*>=0/);
    assert.throws(() => parse({ ...status, paretoFront: Array(11).fill(candidate) }), /status\.paretoFront: .*<=10/);
    assert.throws(() => parse({ ...status, best: { ...candidate, params: 1.5 } }), /status\.best\.params/);
    assert.throws(() => parse({ ...status, startTime: 'yesterday' }), /status\.startTime/);
    const condition = status.conditions![0]!;
    assert.throws(() => parse({ ...status, conditions: [{ ...condition, reason: 'not a reason' }] }), /status\.conditions\.0\.reason/);
    assert.throws(() => parse({ ...status, conditions: [{ ...condition, type: 'bad type!' }] }), /status\.conditions\.0\.type/);
    assert.throws(
      () => parse({ ...status, conditions: [{ ...condition, status: 'Maybe' }] }),
      /status\.conditions\.0\.status.*True, False, Unknown/,
    );
    assert.throws(() => parse({ ...status, conditions: [{ ...condition, message: 'm'.repeat(32769) }] }), /status\.conditions\.0\.message/);
    assert.throws(() => parse({ ...status, results: { objectStore: 'x', prefix: 'p' } }), /status\.results\.files/);
  });
});
