import { createStrategy } from '../../../src/strategy/registry.js';
import type { Strategy } from '../../../src/strategy/types.js';
import type { SearchSpace } from '../../../src/space/types.js';
import type { PolicySource, PolicyVersion } from '../../../src/search/policy-source.js';

/**
 * Stands in for the controller (not built yet) behind the PolicySource interface with a real strategy: asked for a
 * version it has not reached, it learns from rewards for a few proposals, as the controller would from an epoch's
 * candidates, and then serves its checkpoint.
 */
export class LearningPolicy implements PolicySource {
  readonly strategy: Strategy;
  readonly asked: number[] = [];
  private version = 0;

  constructor(space: SearchSpace, options: Record<string, unknown>) {
    this.strategy = createStrategy('reinforce', space, options, 1);
  }

  async fetch(_searchId: string, minVersion: number, signal: AbortSignal): Promise<PolicyVersion> {
    signal.throwIfAborted();
    this.asked.push(minVersion);
    while (this.version < minVersion) {
      this.strategy.observe(this.strategy.propose(2).map((arch, i) => ({ arch, reward: i / 2 })));
      this.version++;
    }
    return { version: this.version, checkpoint: this.strategy.checkpoint() };
  }

  close(): void {}
}
