import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { selectParents } from '../../src/strategy/nsga2.js';
import type { Observation } from '../../src/strategy/types.js';

const at = (i: number, accuracy: number, latencyMs?: number): Observation => ({
  arch: [i],
  reward: accuracy,
  objectives: { accuracy, ...(latencyMs !== undefined ? { latencyMs } : {}) },
});
const picked = (observations: Observation[], size: number) => selectParents(observations, size).map((p) => p.observation.arch[0]);

describe('NSGA-II parent selection over accuracy (up) and latency (down)', () => {
  // 0..3 form the first front (each better on one objective); 4 and 5 are dominated by 1; 6 by everyone.
  const observations = [at(0, 90, 10), at(1, 92, 20), at(2, 94, 40), at(3, 95, 80), at(4, 91, 30), at(5, 90, 25), at(6, 80, 90)];

  const cases: [string, number, number[]][] = [
    ['the whole first front, then the second', 6, [0, 3, 1, 2, 5, 4]],
    ['the first front alone when it fills the population', 4, [0, 3, 1, 2]],
    ['a front cut by crowding distance: its extremes first', 2, [0, 3]],
    ['everything, the dominated by all last', 7, [0, 3, 1, 2, 5, 4, 6]],
  ];
  for (const [what, size, expected] of cases) {
    it(what, () => assert.deepEqual(picked(observations, size).sort(), [...expected].sort()));
  }

  it('ranks fronts: 0 for the non-dominated, 1 for the next', () => {
    const ranks = Object.fromEntries(selectParents(observations, 7).map((p) => [p.observation.arch[0], p.rank]));
    assert.deepEqual(ranks, { 0: 0, 1: 0, 2: 0, 3: 0, 4: 1, 5: 1, 6: 2 });
  });

  it('without latency, the single objective is the accuracy: the best survive', () => {
    const plain = [90, 93, 91, 95, 92].map((a, i) => ({ arch: [i], reward: a }));
    assert.deepEqual(picked(plain, 2).sort(), [1, 3]);
  });
});
