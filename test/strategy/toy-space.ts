import { DecisionSpace } from '../../src/space/decision-space.js';
import type { Architecture, Decision } from '../../src/space/types.js';

/** A toy space for strategy sanity tests: `length` decisions of `choices` options each. */
export class ToySpace extends DecisionSpace {
  readonly name = 'nb201' as const;

  constructor(length: number, choices: number) {
    const decisions: Decision[] = Array.from({ length }, (_, i) => ({
      name: `d${i}`,
      kind: 'op',
      choices: Array.from({ length: choices }, (_, c) => `c${c}`),
      node: `n${i}`,
    }));
    super(decisions, {});
  }
}

/** Reward: the fraction of decisions equal to a hidden target. */
export const matchFraction = (target: Architecture) => (arch: Architecture) =>
  arch.reduce((n, a, i) => n + (a === target[i] ? 1 : 0), 0) / target.length;
