import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { createSpace } from '../../src/space/registry.js';
import { initBackend } from '../../src/tf/backend.js';
import { baselineSpec } from '../../src/train/baseline.js';
import { specToModel } from '../../src/train/child-network.js';
import { architectureCost, specCost } from '../../src/train/cost.js';
import { SIZE_TOLERANCE, sizeMatchedBaseline } from '../../src/train/size-matched-baseline.js';
import type { NetworkConfig } from '../../src/train/types.js';
import { NasmeshError } from '../../src/util/errors.js';

before(async () => {
  await initBackend('cpu');
});

const fashion = { inputShape: [28, 28, 1], classes: 10 } as const;
const space = createSpace({
  name: 'enas-micro',
  blocks: 5,
  ops: ['sep_conv_3x3', 'sep_conv_5x5', 'avg_pool_3x3', 'max_pool_3x3', 'identity'],
});
/** Every op of both cells the same: `op` indexes the space's ops, inputs the cell's two inputs. */
const uniform = (op: number) => space.decisions.map((d) => (d.kind === 'op' ? op : 0));

describe('the size-matched baseline', () => {
  it('keeps resnet-small as it was at width multiplier 1', () => {
    const net: NetworkConfig = { ...fashion, channels: 16, cellsPerStage: 1, stages: 3, stemStride: 2 };
    assert.equal(specCost(baselineSpec('resnet-small', net)).params, 78_426);
    assert.equal(specCost(baselineSpec('resnet-small', { ...net, widthMultiplier: 1 })).params, 78_426);
  });

  it('comes within ±15 % of searched networks from pools only to convolutions only, in small and large networks', () => {
    const networks: NetworkConfig[] = [
      { ...fashion, channels: 16, cellsPerStage: 1, stages: 3, stemStride: 2 },
      { ...fashion, channels: 4, cellsPerStage: 1, stages: 2 },
      { ...fashion, channels: 32, cellsPerStage: 2, stages: 3 },
    ];
    for (const network of networks) {
      const targets = [uniform(3), uniform(0), uniform(1), space.decisions.map((d, i) => (d.kind === 'op' ? i % 5 : 0))].map(
        (arch) => architectureCost(space, arch, network).params,
      );
      assert.ok(Math.max(...targets) > 4 * Math.min(...targets), 'the cells differ in size');
      for (const target of targets) {
        const sized = sizeMatchedBaseline('resnet-small', network, target);
        assert.ok(Math.abs(sized.params - target) / target <= SIZE_TOLERANCE, `${sized.params} for ${target}`);
        // The parameters counted are the network's: the built model has as many.
        const model = specToModel(sized.spec);
        assert.equal(model.countParams(), sized.params);
        model.dispose();
        assert.deepEqual(
          sized.channels,
          [0, 1, 2].slice(0, network.stages).map((s) => Math.max(1, Math.round(network.channels * 2 ** s * sized.widthMultiplier))),
        );
        // Depth and stem are the network's: only the width changed.
        assert.equal(
          specCost(sized.spec).params,
          specCost(baselineSpec('resnet-small', { ...network, widthMultiplier: sized.widthMultiplier })).params,
        );
      }
    }
  });

  it('picks the nearest width, the same on every call', () => {
    const network: NetworkConfig = { ...fashion, channels: 16, cellsPerStage: 1, stages: 3, stemStride: 2 };
    const a = sizeMatchedBaseline('resnet-small', network, 113_306);
    const b = sizeMatchedBaseline('resnet-small', network, 113_306);
    assert.deepEqual(a.channels, b.channels);
    const last = a.channels.at(-1)!;
    for (const other of [last - 1, last + 1]) {
      const params = specCost(baselineSpec('resnet-small', { ...network, widthMultiplier: other / 64 })).params;
      assert.ok(Math.abs(params - 113_306) >= Math.abs(a.params - 113_306), `last stage ${other} is nearer`);
    }
  });

  it('says so, with the nearest sizes, when no width comes within ±15 %', () => {
    const tiny: NetworkConfig = { ...fashion, channels: 4, cellsPerStage: 1, stages: 2 };
    // Narrower than the narrowest resnet-small (one channel everywhere: 90 parameters).
    assert.throws(
      () => sizeMatchedBaseline('resnet-small', tiny, 60),
      (e: unknown) => {
        assert.ok(e instanceof NasmeshError);
        assert.match(
          e.message,
          /cannot be sized to the searched network's 60 parameters within ±15 %: the nearest widths give 90 \(channels 1, 1\)/,
        );
        return true;
      },
    );
    // Between two widths where one channel more is a large step: 149 and 331 parameters around 230.
    assert.throws(() => sizeMatchedBaseline('resnet-small', tiny, 230), /give 149 \(channels 1, 2\) and 331 \(channels 2, 3\)/);
  });
});
