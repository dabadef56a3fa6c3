import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { createStrategy } from '../../src/strategy/registry.js';
import type { Strategy } from '../../src/strategy/types.js';
import { initBackend } from '../../src/tf/backend.js';
import { matchFraction, ToySpace } from './toy-space.js';

before(async () => {
  await initBackend();
});

const space = new ToySpace(10, 3);
const reward = matchFraction([2, 0, 1, 1, 0, 2, 2, 1, 0, 2]);
/** The entropy of the uniform distribution over the toy space: 10 decisions of 3 choices. */
const MAX_ENTROPY = 10 * Math.log(3);

function round(strategy: Strategy, batch = 5): void {
  strategy.observe(strategy.propose(batch).map((arch) => ({ arch, reward: reward(arch) })));
}

function withStrategy(name: string, options: unknown, seed: number, body: (s: Strategy) => void): void {
  const strategy = createStrategy(name, space, options, seed);
  try {
    body(strategy);
  } finally {
    strategy.dispose();
  }
}

describe('strategy stats', () => {
  for (const name of ['reinforce', 'ppo'] as const) {
    it(`${name}: entropy from the first proposal on, baseline from the first policy update on`, () => {
      withStrategy(name, { batchSize: 10 }, 1, (s) => {
        assert.deepEqual(s.stats(), {});
        round(s);
        const first = s.stats();
        assert.ok(first.entropy! > 0 && first.entropy! <= MAX_ENTROPY, `entropy ${first.entropy}`);
        assert.equal(first.baseline, undefined, 'no update yet after 5 of 10 observations');
        round(s);
        const { baseline } = s.stats();
        // Rank-normalised rewards are quantiles, so their moving average is one too.
        assert.ok(baseline !== undefined && baseline >= 0 && baseline <= 1, `baseline ${baseline}`);
      });
    });

    it(`${name}: a flat policy reports the uniform entropy; a trained one reports far less`, () => {
      // Logits divided by a huge temperature are all ~0: every decision is uniform.
      withStrategy(name, { temperature: 1e6 }, 2, (s) => {
        round(s);
        assert.ok(Math.abs(s.stats().entropy! - MAX_ENTROPY) < 1e-3, `${s.stats().entropy} vs ${MAX_ENTROPY}`);
      });
      withStrategy(name, undefined, 2, (s) => {
        round(s);
        const initial = s.stats().entropy!;
        for (let r = 0; r < 120; r++) round(s);
        const trained = s.stats().entropy!;
        assert.ok(trained < 0.6 * initial, `entropy ${initial} → ${trained}`);
      });
    });
  }

  it('qlearning: uniform entropy while ε = 1, lower once ε has decayed and the Q-table learned', () => {
    withStrategy('qlearning', { epsilonStart: 1, epsilonEnd: 1 }, 3, (s) => {
      round(s);
      assert.equal(s.stats().epsilon, 1);
      assert.ok(Math.abs(s.stats().entropy! - MAX_ENTROPY) < 1e-9);
    });
    withStrategy('qlearning', { epsilonDecaySteps: 50 }, 3, (s) => {
      for (let r = 0; r < 40; r++) round(s);
      const { entropy, epsilon, baseline } = s.stats();
      assert.ok(Math.abs(epsilon! - 0.1) < 1e-12, `ε ${epsilon}`);
      assert.ok(entropy! < 0.5 * MAX_ENTROPY, `entropy ${entropy}`);
      assert.equal(baseline, undefined, 'Q-learning has no baseline');
    });
  });

  for (const name of ['random', 'evolution']) {
    it(`${name} has no policy, so reports nothing`, () => {
      withStrategy(name, undefined, 4, (s) => {
        for (let r = 0; r < 10; r++) round(s);
        assert.deepEqual(s.stats(), {});
      });
    });
  }

  for (const name of ['reinforce', 'ppo', 'qlearning']) {
    it(`${name}: stats survive checkpoint → JSON → restore`, () => {
      withStrategy(name, undefined, 5, (original) => {
        for (let r = 0; r < 3; r++) round(original);
        withStrategy(name, undefined, 99, (restored) => {
          restored.restore(JSON.parse(JSON.stringify(original.checkpoint())));
          assert.deepEqual(restored.stats(), original.stats());
          round(original);
          round(restored);
          assert.deepEqual(restored.stats(), original.stats());
        });
      });
    });
  }
});
