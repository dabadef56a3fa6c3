import { NasmeshError } from '../util/errors.js';
import { type BaselineName, baselineSpec, baselineWidths } from './baseline.js';
import { specCost } from './cost.js';
import type { NetworkConfig, NetworkSpec } from './types.js';

/** How far a baseline's parameter count may be from the searched network's: the comparison is of architecture. */
export const SIZE_TOLERANCE = 0.15;

/** The widest last stage tried: the spec's widest network (1024 channels) at its deepest stage. */
const MAX_CHANNELS = 1024;

export interface SizedBaseline {
  readonly spec: NetworkSpec;
  /** On `config.channels × 2^stage`; see baselineWidths. */
  readonly widthMultiplier: number;
  /** Channels of each stage. */
  readonly channels: readonly number[];
  readonly params: number;
}

/**
 * The baseline `name` in the network `config` (depth, stem stride, input, classes kept), its width scaled so that its
 * parameter count (cost.ts, all parameters) is the nearest it can be to `targetParams`. The last stage, which holds
 * most parameters, is searched one channel at a time (the earlier stages halve it, rounded), by bisection: parameters
 * only grow with the width, so the result is the same on every run. Throws when even the nearest is more than
 * SIZE_TOLERANCE away (a target smaller than the narrowest baseline, or between two widths at a very small one).
 */
export function sizeMatchedBaseline(name: BaselineName, config: NetworkConfig, targetParams: number): SizedBaseline {
  const lastStage = (config.stages ?? 3) - 1;
  const at = (last: number): SizedBaseline => {
    const widthMultiplier = last / (config.channels * 2 ** lastStage);
    const sized = { ...config, widthMultiplier };
    const spec = baselineSpec(name, sized);
    return { spec, widthMultiplier, channels: baselineWidths(sized), params: specCost(spec).params };
  };
  // The narrowest last stage with at least the target's parameters (or the widest tried).
  let low = 1;
  let high = MAX_CHANNELS * 2 ** lastStage;
  while (low < high) {
    const mid = Math.floor((low + high) / 2);
    if (at(mid).params >= targetParams) high = mid;
    else low = mid + 1;
  }
  const above = at(low);
  const below = low > 1 ? at(low - 1) : undefined;
  const error = (b: SizedBaseline) => Math.abs(b.params - targetParams) / targetParams;
  const nearest = below && error(below) <= error(above) ? below : above;
  if (error(nearest) > SIZE_TOLERANCE) {
    const tried = [below, above].flatMap((b) => (b ? [`${b.params.toLocaleString('en-US')} (channels ${b.channels.join(', ')})`] : []));
    throw new NasmeshError(
      `the ${name} baseline cannot be sized to the searched network's ${targetParams.toLocaleString('en-US')} parameters ` +
        `within ±${SIZE_TOLERANCE * 100} %: the nearest widths give ${tried.join(' and ')}; change final.network or drop final.baseline`,
    );
  }
  return nearest;
}
