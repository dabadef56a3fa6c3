import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { createStrategy } from '../../src/strategy/registry.js';
import { STRATEGY_NAMES, type Strategy } from '../../src/strategy/types.js';
import { createSpace } from '../../src/space/registry.js';
import { initBackend } from '../../src/tf/backend.js';
import { ValidationError } from '../../src/util/errors.js';
import { matchFraction, ToySpace } from './toy-space.js';

before(async () => {
  await initBackend();
});

/** Proposes and observes `rounds` batches; returns every (arch, reward) in order. */
function drive(strategy: Strategy, reward: (a: readonly number[]) => number, rounds: number, batch = 5) {
  const seen: { arch: number[]; reward: number }[] = [];
  for (let r = 0; r < rounds; r++) {
    const results = strategy.propose(batch).map((arch) => ({ arch, reward: reward(arch) }));
    strategy.observe(results);
    seen.push(...results);
  }
  return seen;
}

const LEARNERS = ['evolution', 'nsga2', 'reinforce', 'ppo', 'qlearning'] as const;

describe('every strategy on a toy space', () => {
  // 10 decisions × 3 choices: reaching ≥ 0.95 means finding the target itself, 1 of 59,049 architectures, which
  // random search does within this budget about once in a hundred runs.
  const space = new ToySpace(10, 3);
  const target = [2, 0, 1, 1, 0, 2, 2, 1, 0, 2];
  const reward = matchFraction(target);

  for (const name of LEARNERS) {
    it(`${name} learns the hidden target (best ≥ 0.95, late proposals far above chance)`, () => {
      const strategy = createStrategy(name, space, undefined, 7);
      try {
        const seen = drive(strategy, reward, 120);
        const best = Math.max(...seen.map((s) => s.reward));
        const late = seen.slice(-50).reduce((a, s) => a + s.reward, 0) / 50;
        assert.ok(best >= 0.95, `${name}: best ${best}`);
        // Chance level is 1/3 (standard error 0.02 over 50 proposals); a strategy that learned proposes near-target
        // architectures late on, although it must keep proposing new ones.
        assert.ok(late >= 0.5, `${name}: mean reward of the last 50 proposals ${late}`);
      } finally {
        strategy.dispose();
      }
    });
  }

  it('random search stays near chance on the same budget (the yardstick the others beat)', () => {
    const strategy = createStrategy('random', space, undefined, 7);
    const seen = drive(strategy, reward, 120);
    assert.ok(Math.max(...seen.map((s) => s.reward)) < 0.95);
    assert.ok(seen.reduce((a, s) => a + s.reward, 0) / seen.length < 0.4);
  });

  for (const name of STRATEGY_NAMES) {
    it(`${name} never proposes an architecture twice while new ones exist`, () => {
      const strategy = createStrategy(name, space, undefined, 3);
      try {
        const keys = drive(strategy, reward, 40).map((s) => s.arch.join(','));
        assert.equal(new Set(keys).size, keys.length);
      } finally {
        strategy.dispose();
      }
    });

    it(`${name} continues identically after checkpoint → JSON → restore`, () => {
      const original = createStrategy(name, space, undefined, 11);
      const restored = createStrategy(name, space, undefined, 999);
      try {
        drive(original, reward, 7, 3); // leaves a partial batch pending for the LSTM controllers
        restored.restore(JSON.parse(JSON.stringify(original.checkpoint())));
        const a = drive(original, reward, 8, 3);
        const b = drive(restored, reward, 8, 3);
        assert.deepEqual(b, a);
      } finally {
        original.dispose();
        restored.dispose();
      }
    });

    it(`${name}'s checkpoint is a snapshot: what the strategy observes afterwards does not change it`, () => {
      // The controller writes a checkpoint up to a second after taking it (and serves it as the policy snapshot
      // meanwhile): a checkpoint sharing the strategy's live arrays would be written half of one step, half of a later.
      const strategy = createStrategy(name, space, undefined, 11);
      try {
        drive(strategy, reward, 7, 3);
        const checkpoint = strategy.checkpoint();
        const taken = JSON.stringify(checkpoint);
        drive(strategy, reward, 9, 3);
        assert.equal(JSON.stringify(checkpoint), taken);
      } finally {
        strategy.dispose();
      }
    });

    it(`${name} is reproducible from its seed`, () => {
      const runs = [1, 2].map(() => {
        const s = createStrategy(name, space, undefined, 5);
        try {
          return drive(s, reward, 6);
        } finally {
          s.dispose();
        }
      });
      assert.deepEqual(runs[0], runs[1]);
    });
  }

  it('works on every built-in space (attention over earlier nodes, skip decisions)', () => {
    for (const spaceName of ['nb201', 'enas-micro', 'enas-macro', 'mnas'] as const) {
      const s = createSpace(spaceName);
      for (const name of STRATEGY_NAMES) {
        const strategy = createStrategy(name, s, { ...(name === 'reinforce' || name === 'ppo' ? { batchSize: 4 } : {}) }, 1);
        try {
          const archs = drive(strategy, (a) => a.reduce((x, y) => x + y, 0), 3, 4).map((r) => r.arch);
          archs.forEach((arch) => s.validate(arch));
        } finally {
          strategy.dispose();
        }
      }
    }
  });

  it('rejects unknown strategies and bad options naming the field', () => {
    assert.throws(
      () => createStrategy('annealing', space, undefined, 1),
      (e: unknown) => {
        assert.ok(e instanceof ValidationError);
        assert.match(e.message, /spec\.strategy\.name.*allowed: random, evolution, nsga2, reinforce, ppo, qlearning/);
        return true;
      },
    );
    assert.throws(() => createStrategy('ppo', space, { clip: 3 }, 1), /spec\.strategy\.clip/);
    assert.throws(() => createStrategy('reinforce', space, { rewardTransform: 'log' }, 1), /spec\.strategy\.rewardTransform.*rank, raw/);
    assert.throws(() => createStrategy('evolution', space, { population: 5, sampleSize: 9 }, 1), /spec\.strategy\.sampleSize/);
    assert.throws(() => createStrategy('qlearning', space, { epsilonEnd: 2 }, 1), /spec\.strategy\.epsilonEnd/);
  });
});
