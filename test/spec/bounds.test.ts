import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SPEC_MAX_ENTRIES, SPEC_MAXIMA } from '../../src/spec/bounds.js';
import { searchSpecSchema } from '../../src/spec/search-spec.js';
import { ValidationError } from '../../src/util/errors.js';
import { parseWith } from '../../src/util/schema.js';

/** A valid spec section for every bound to be set on: standalone enas-micro with a final stage, PPO's options. */
function spec(): Record<string, unknown> {
  return {
    seed: 1,
    dataset: { name: 'mnist', validation: { size: 100 }, subset: 1000 },
    space: { name: 'enas-micro', channels: 8 },
    strategy: { name: 'ppo', units: 32, batchSize: 4, epochs: 2, replay: { top: 5 } },
    evaluation: { mode: 'standalone', epochs: 1, batchSize: 32, candidatesPerStep: 2, workers: 1, trainSubset: 500 },
    budget: { candidates: 10, maxDurationSeconds: 60 },
    network: { channels: 8, cellsPerStage: 1, stages: 2 },
    final: { topK: 1, epochs: 1, batchSize: 32, replicas: 2, network: { channels: 8, cellsPerStage: 1, stages: 2 } },
    workers: { tolerations: [], nodeSelector: {} },
  };
}

function parse(section: Record<string, unknown>, labels?: Record<string, string>) {
  const document = {
    apiVersion: 'nasmesh.io/v1alpha1',
    kind: 'NASSearch',
    metadata: { name: 't', ...(labels ? { labels } : {}) },
    spec: section,
  };
  return parseWith(searchSpecSchema, document, '');
}

function set(section: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let at = section;
  for (const key of keys.slice(0, -1)) at = (at[key] ??= {}) as Record<string, unknown>;
  at[keys.at(-1)!] = value;
}

/** The spec with `path` set to `value`, for a bound that needs another strategy or evaluation mode. */
function withValue(path: string, value: unknown): Record<string, unknown> {
  const s = spec();
  if (path.startsWith('strategy.') && path === 'strategy.population') s.strategy = { name: 'evolution' };
  if (path.startsWith('strategy.') && ['replayBatch', 'epsilonDecaySteps'].includes(path.split('.')[1]!))
    s.strategy = { name: 'qlearning' };
  if (
    [
      'evaluation.sharedStepsPerEpoch',
      'evaluation.controllerStepsPerEpoch',
      'evaluation.deriveSamples',
      'evaluation.deriveImages',
    ].includes(path)
  ) {
    s.evaluation = { mode: 'weight-sharing', epochs: 1, controllerStepsPerEpoch: 10 };
  }
  if (path.startsWith('evaluation.tableNetwork.')) {
    s.space = { name: 'nb201' };
    s.evaluation = {
      mode: 'benchmark',
      table: 't.csv',
      tableNetwork: { inputShape: [32, 32, 3], classes: 10, channels: 16, cellsPerStage: 5, stages: 3 },
    };
    delete s.final;
  }
  set(s, path, value);
  return s;
}

describe('the documented maxima of a search spec', () => {
  it('every bound accepts its maximum and refuses one more, naming the field', () => {
    for (const [path, max] of SPEC_MAXIMA) {
      // budget.candidates is also bounded by the space and the weight-sharing schedule: checked with its own test.
      if (path === 'budget.candidates' || path === 'evaluation.controllerStepsPerEpoch' || path === 'evaluation.epochs') continue;
      assert.doesNotThrow(() => parse(withValue(path, max)), `${path} = ${max}`);
      assert.throws(
        () => parse(withValue(path, max + 1)),
        (e: unknown) => e instanceof ValidationError && e.field === `spec.${path}` && e.problem === `must be at most ${max}`,
        path,
      );
    }
  });

  it('lists and maps have a most number of entries', () => {
    for (const [path, max] of SPEC_MAX_ENTRIES) {
      const many = path.endsWith('tolerations')
        ? Array.from({ length: max + 1 }, () => ({ key: 'k', operator: 'Exists' }))
        : Object.fromEntries(Array.from({ length: max + 1 }, (_, i) => [`k${i}`, 'v']));
      assert.throws(
        () => parse(withValue(path, many)),
        (e: unknown) => e instanceof ValidationError && e.field === `spec.${path}`,
        path,
      );
    }
  });

  it('the budget never exceeds the space: 2,000,000,000 or 15,626 candidates on NB201 are refused', () => {
    const nb201 = {
      ...spec(),
      space: { name: 'nb201' },
      evaluation: { mode: 'benchmark', table: 't.csv' },
      dataset: undefined,
      final: undefined,
    };
    for (const candidates of [2_000_000_000, 100_001]) {
      assert.throws(() => parse({ ...nb201, budget: { candidates } }), {
        field: 'spec.budget.candidates',
        problem: 'must be at most 100000',
      });
    }
    assert.throws(() => parse({ ...nb201, budget: { candidates: 15_626 } }), {
      field: 'spec.budget.candidates',
      problem: 'must be at most 15625, the number of architectures in the space',
    });
    assert.equal(parse({ ...nb201, budget: { candidates: 15_625 } }).spec.budget.candidates, 15_625);
  });

  it('metadata.labels: at most 64, values of at most 63 characters', () => {
    const many = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v']));
    assert.throws(() => parse(spec(), many), { field: 'metadata.labels' });
    assert.throws(() => parse(spec(), { team: 'x'.repeat(64) }), { field: 'metadata.labels.team' });
    assert.doesNotThrow(() => parse(spec(), { team: 'x'.repeat(63) }));
  });
});
