export const REWARD_TRANSFORMS = ['rank', 'raw'] as const;
export type RewardTransform = (typeof REWARD_TRANSFORMS)[number];

/**
 * Maps raw rewards to what the policy gradient sees. `rank` is the reward's mid-rank quantile among every reward
 * seen so far, in [0, 1]: invariant to the reward's scale (accuracy in % or as a fraction, MnasNet products), so
 * one learning rate fits every table and dataset, and a 0.1 % accuracy gain near the top counts as much as a 10 %
 * gain at the bottom.
 */
export class RewardNormalizer {
  private sorted: number[] = [];

  constructor(readonly transform: RewardTransform) {}

  add(reward: number): void {
    this.sorted.splice(upperBound(this.sorted, reward), 0, reward);
  }

  normalize(reward: number): number {
    if (this.transform === 'raw') return reward;
    if (this.sorted.length === 0) return 0.5;
    const below = lowerBound(this.sorted, reward);
    const ties = upperBound(this.sorted, reward) - below;
    return (below + ties / 2) / this.sorted.length;
  }

  /** A copy: `sorted` grows with every reward observed after the snapshot. */
  toJSON(): number[] {
    return [...this.sorted];
  }

  restore(sorted: number[]): void {
    this.sorted = [...sorted];
  }
}

function lowerBound(a: readonly number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function upperBound(a: readonly number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
