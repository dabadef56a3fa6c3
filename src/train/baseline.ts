import { GraphBuilder, type T } from './graph.js';
import type { NetworkConfig, NetworkSpec } from './types.js';

export const BASELINES = ['resnet-small'] as const;
export type BaselineName = (typeof BASELINES)[number];

/**
 * A hand-designed network to train beside the search's result in the same harness: a small ResNet (He et al.
 * 2016, CIFAR variant) with `stages` stages of `cellsPerStage` basic blocks, channels doubling at each stage
 * (`baselineWidths`); the stem's stride is the network config's, as for the searched networks it is compared with.
 */
export function baselineSpec(name: BaselineName, config: NetworkConfig): NetworkSpec {
  const g = new GraphBuilder();
  const widths = baselineWidths(config);
  let x: T = g.relu(g.bn(g.conv(g.input(config.inputShape), widths[0]!, 3, config.stemStride ?? 1)));
  widths.forEach((out, stage) => {
    for (let block = 0; block < (config.cellsPerStage ?? 1); block++) {
      const stride = stage > 0 && block === 0 ? 2 : 1;
      const y = g.bn(g.conv(g.relu(g.bn(g.conv(x, out, 3, stride))), out, 3));
      const shortcut = stride === 1 && g.channels(x) === out ? x : g.bn(g.conv(x, out, 1, stride));
      x = g.relu(g.add([y, shortcut]));
    }
  });
  return g.spec(g.dense(g.gap(x), config.classes, config.outputActivation ?? 'linear'));
}

/**
 * Channels of each stage: `channels × 2^stage × widthMultiplier`, rounded, at least 1 (the stem has stage 0's). A
 * fractional multiplier is how the baseline is sized to a searched network's parameter count (size-matched-baseline).
 */
export function baselineWidths(config: NetworkConfig): number[] {
  const m = config.widthMultiplier ?? 1;
  return Array.from({ length: config.stages ?? 3 }, (_, s) => Math.max(1, Math.round(config.channels * 2 ** s * m)));
}
