import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { IncumbentReevaluation } from '../../src/strategy/incumbent-reevaluation.js';
import { createStrategy } from '../../src/strategy/registry.js';
import type { Strategy } from '../../src/strategy/types.js';
import { initBackend } from '../../src/tf/backend.js';
import { Rng } from '../../src/util/rng.js';
import { matchFraction, ToySpace } from './toy-space.js';

before(async () => {
  await initBackend('cpu');
});

describe('IncumbentReevaluation', () => {
  it('asks for the best mean until it has `times` evaluations, one request at a time, and averages what comes back', () => {
    const r = new IncumbentReevaluation(3);
    assert.deepEqual(r.next(1), []);
    assert.equal(r.record({ arch: [0], reward: 0.5 }), undefined);
    assert.equal(r.record({ arch: [1], reward: 1 }), undefined);
    assert.deepEqual(r.next(1), [[1]]);
    assert.deepEqual(r.next(1), [], 'one request in flight');
    assert.equal(r.record({ arch: [1], reward: 0.75 }), 0.875);
    assert.deepEqual(r.next(1), [[1]]);
    assert.equal(r.record({ arch: [1], reward: -0.25 }), 0.5);
    // Tied with [0]'s single draw: the first observed stays ahead, so [0] is the incumbent now.
    assert.deepEqual(r.next(1), [[0]]);
    assert.equal(r.record({ arch: [0], reward: 0.25 }), 0.375);
    assert.deepEqual(r.next(1), [], '[1] leads again, and has had its three evaluations');
    assert.deepEqual(r.next(0), []);
  });

  it('stops for good where the first repeat comes back identical (a noise-free reward)', () => {
    const r = new IncumbentReevaluation(3);
    r.record({ arch: [4], reward: 0.9 });
    assert.deepEqual(r.next(1), [[4]]);
    assert.equal(r.record({ arch: [4], reward: 0.9 }), 0.9);
    r.record({ arch: [5], reward: 0.95 });
    assert.deepEqual(r.next(1), []);
    assert.deepEqual(r.toJSON().noise, 'none');
  });

  it('never asks with times 1, and continues exactly from its JSON', () => {
    const off = new IncumbentReevaluation(1);
    off.record({ arch: [1], reward: 1 });
    assert.deepEqual(off.next(1), []);
    const r = new IncumbentReevaluation(3);
    r.record({ arch: [1], reward: 0.9 });
    r.next(1);
    r.record({ arch: [1], reward: 0.8 });
    const copy = new IncumbentReevaluation(3);
    copy.restore(JSON.parse(JSON.stringify(r.toJSON())));
    assert.deepEqual(copy.next(1), r.next(1));
    assert.deepEqual(copy.toJSON(), r.toJSON());
  });
});

describe('an LSTM controller with incumbentEvaluations', () => {
  const space = new ToySpace(10, 3);
  const reward = matchFraction([2, 0, 1, 1, 0, 2, 2, 1, 0, 2]);

  /** Drives a strategy under reward + N(0, sigma²) per evaluation, honouring its re-evaluation requests. */
  function drive(strategy: Strategy, sigma: number, evaluations: number) {
    const noise = new Rng(5);
    let repeats = 0;
    for (let done = 0; done < evaluations; done++) {
      const again = strategy.reevaluate?.(1) ?? [];
      repeats += again.length;
      const archs = again.length > 0 ? again : strategy.propose(1);
      strategy.observe(archs.map((arch) => ({ arch, reward: reward(arch) + sigma * noise.normal() })));
    }
    return repeats;
  }

  for (const name of ['reinforce', 'ppo'] as const) {
    it(`${name} repeats its incumbents under noise by default, and once without it`, () => {
      const noisy = createStrategy(name, space, {}, 7);
      const clean = createStrategy(name, space, {}, 7);
      const plain = createStrategy(name, space, { incumbentEvaluations: 1 }, 7);
      try {
        assert.ok(drive(noisy, 0.1, 30) > 0);
        assert.equal(drive(clean, 0, 30), 1, 'one repeat shows the reward is noise-free');
        assert.equal(drive(plain, 0.1, 30), 0, 'off at 1');
        // The repeat of a noise-free reward changes nothing the strategy learns from.
        const a = createStrategy(name, space, {}, 11);
        const b = createStrategy(name, space, { incumbentEvaluations: 1 }, 11);
        drive(a, 0, 25);
        drive(b, 0, 24);
        assert.deepEqual(a.propose(3), b.propose(3));
        for (const s of [a, b]) s.dispose();
      } finally {
        for (const s of [noisy, clean, plain]) s.dispose();
      }
    });
  }
});
