import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { ONNX_INPUT, ONNX_OUTPUT, samePads } from '../../src/export/onnx-graph.js';
import { onnxModelBytes } from '../../src/export/onnx-export.js';
import { MICRO_OPS } from '../../src/space/enas-micro.js';
import { createSpace } from '../../src/space/registry.js';
import type { SearchSpace } from '../../src/space/types.js';
import { initBackend, tf } from '../../src/tf/backend.js';
import { buildChildNetwork } from '../../src/train/child-network.js';
import type { LayerKind, NetworkConfig } from '../../src/train/types.js';
import { Rng } from '../../src/util/rng.js';

before(async () => {
  await initBackend('cpu');
});

/** Every space, with the ops and options that make each layer kind appear (dilated convs, squeeze-excite, shifts). */
const SPACES: readonly SearchSpace[] = [
  createSpace('nb201'),
  createSpace({ name: 'enas-micro', blocks: 3, ops: [...MICRO_OPS] }),
  createSpace({ name: 'enas-macro', layers: 6 }),
  createSpace({ name: 'mnas', seRatios: [0, 0.25], skipOps: ['none', 'identity'], convOps: ['conv', 'dwconv', 'mbconv_e3'] }),
];

/** Odd sizes, so 'same' padding is uneven and strided layers round up. */
const NETWORK: NetworkConfig = { inputShape: [15, 17, 3], classes: 5, channels: 8, widthMultiplier: 0.25, headChannels: 64 };

/** Trained-looking weights: every weight drawn at random, batch norms' moving variances positive. */
function randomizeWeights(model: tf.LayersModel, rng: Rng): void {
  const values = model.weights.map((w) => {
    const n = w.shape.reduce<number>((a, b) => a * (b ?? 1), 1);
    const positive = w.originalName.includes('moving_variance');
    return tf.tensor(
      Float32Array.from({ length: n }, () => (positive ? 0.5 + rng.next() : rng.next() - 0.5)),
      w.shape as number[],
    );
  });
  model.setWeights(values);
  tf.dispose(values);
}

describe('ONNX export: the layer graph and its trained weights as an ONNX model that onnxruntime runs', () => {
  const exported = new Set<LayerKind>();
  for (const space of SPACES) {
    it(`${space.name}: three random architectures predict what the tfjs model predicts, to 1e-4`, async () => {
      const rng = new Rng(11);
      for (let k = 0; k < 3; k++) {
        const arch = space.sample(rng);
        const { model, spec } = buildChildNetwork(space, arch, NETWORK);
        for (const node of spec.nodes) exported.add(node.kind);
        randomizeWeights(model, rng);
        const images = Float32Array.from({ length: 2 * 15 * 17 * 3 }, () => rng.next());
        const expected = tf.tidy(() => (model.predict(tf.tensor4d(images, [2, 15, 17, 3])) as tf.Tensor).dataSync().slice());
        const session = await ort.InferenceSession.create(onnxModelBytes(spec, model));
        const result = await session.run({ [ONNX_INPUT]: new ort.Tensor('float32', images, [2, 15, 17, 3]) });
        const logits = result[ONNX_OUTPUT]!;
        assert.deepEqual(logits.dims, [2, 5]);
        const got = logits.data as Float32Array;
        const worst = Math.max(...Array.from(expected, (e, i) => Math.abs(e - got[i]!)));
        const scale = Math.max(1, ...Array.from(expected, Math.abs));
        assert.ok(worst <= 1e-4 * scale, `${space.encode(arch)}: max difference ${worst} (logits up to ${scale})`);
        await session.release();
        model.dispose();
      }
    });
  }

  it('those architectures had every kind of layer', () => {
    const kinds: LayerKind[] = [
      'input',
      'conv',
      'dwconv',
      'bn',
      'relu',
      'pool',
      'zero',
      'shift',
      'add',
      'multiply',
      'concat',
      'gap',
      'reshape',
      'dense',
    ];
    assert.deepEqual([...exported].sort(), kinds.sort());
  });

  it("refuses a model whose weights are not the architecture's", () => {
    const space = SPACES[0]!;
    const rng = new Rng(2);
    const one = buildChildNetwork(space, space.sample(rng), NETWORK);
    const other = buildChildNetwork(space, space.sample(rng), { ...NETWORK, channels: 16 });
    assert.throws(() => onnxModelBytes(one.spec, other.model), /not those of this architecture/);
    one.model.dispose();
    other.model.dispose();
  });

  it("pads as TensorFlow's 'same' does: the odd pixel after", () => {
    assert.deepEqual(samePads([15, 17, 8], 3, 1, 1), [1, 1, 1, 1]);
    assert.deepEqual(samePads([15, 16, 8], 3, 2, 1), [1, 0, 1, 1]);
    assert.deepEqual(samePads([15, 15, 8], 5, 1, 2), [4, 4, 4, 4]);
    assert.deepEqual(samePads([16, 16, 8], 1, 2, 1), [0, 0, 0, 0]);
  });
});
