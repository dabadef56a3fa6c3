import { batches } from '../data/batches.js';
import type { LoadedDataset } from '../data/types.js';
import type { Strategy } from '../strategy/types.js';
import type { Architecture, SearchSpace } from '../space/types.js';
import type { Supernet } from '../train/supernet/supernet.js';
import type { Rng } from '../util/rng.js';

export interface Finalist {
  readonly arch: Architecture;
  /** Shared-weight accuracy on the derive sample of the validation split. */
  readonly reward: number;
}

/**
 * ENAS's derive step, made less noisy: the search's best-rewarded architectures and `samples` fresh draws from the
 * final policy are re-scored with the shared weights on `images` validation images (one search reward is a single
 * 64-image minibatch, whose noise would otherwise pick the luckiest candidate), best first, distinct. `onScored`:
 * the candidates scored so far of all, as the step starts and after each, for progress displays.
 */
export function deriveFinalists(
  space: SearchSpace,
  net: Supernet,
  strategy: Strategy,
  searched: readonly Architecture[],
  data: LoadedDataset,
  opts: { samples: number; images: number },
  rng: Rng,
  onScored?: (done: number, total: number) => void,
): Finalist[] {
  const seen = new Set<string>();
  const archs = [...searched, ...strategy.sample(opts.samples)].filter((a) => {
    const key = space.hash(a);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const sample = batches(data.validation, Math.min(opts.images, data.validation.count), rng, { normalize: data.stats }).next().value;
  if (!sample) return archs.map((arch) => ({ arch, reward: 0 }));
  onScored?.(0, archs.length);
  return archs
    .map((arch, i) => {
      const reward = net.getReward(arch, sample);
      onScored?.(i + 1, archs.length);
      return { arch, reward };
    })
    .sort((a, b) => b.reward - a.reward);
}
