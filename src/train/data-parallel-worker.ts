import { parentPort, workerData } from 'node:worker_threads';
import { initBackend, tf } from '../tf/backend.js';
import { Rng } from '../util/rng.js';
import { specToModel } from './child-network.js';
import type { ReplicaSetup, ToReplica, FromReplica } from './data-parallel.js';
import { FusedAdam } from './fused-adam.js';
import { seedKernels } from './seeded-init.js';

/**
 * One data-parallel replica: its own backend and copy of the model. Per step it first applies the averaged gradient
 * of the previous step (so every replica stays identical), then returns the gradient of its shard of the next batch.
 */
const setup = workerData as ReplicaSetup;
await initBackend(setup.backend);
const model = specToModel(setup.spec, setup.name);
seedKernels(model, new Rng(setup.seed));
const variables = model.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
const optimizer = new FusedAdam(setup.learningRate);
const post = (m: FromReplica, transfer: ArrayBuffer[] = []) => parentPort!.postMessage(m, transfer);

function apply(grads: Float32Array | undefined, learningRate: number): void {
  if (!grads) return;
  optimizer.setLearningRate(learningRate);
  let offset = 0;
  optimizer.step(
    variables,
    variables.map((v) => grads.subarray(offset, (offset += v.size))),
  );
}

parentPort!.on('message', (m: ToReplica) => {
  try {
    apply(m.apply, m.learningRate);
    if (m.type === 'weights') {
      const weights = model.getWeights().map((w) => w.dataSync() as Float32Array);
      post(
        { type: 'weights', weights },
        weights.map((w) => w.buffer as ArrayBuffer),
      );
      return;
    }
    const x = tf.tensor4d(m.x, [m.count, ...setup.inputShape]);
    const labels = tf.tidy(() => tf.oneHot(tf.tensor1d(m.y, 'int32'), setup.classes));
    const { value, grads } = tf.variableGrads(
      () => tf.losses.softmaxCrossEntropy(labels, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar,
      variables,
    );
    const flat = new Float32Array(variables.reduce((n, v) => n + v.size, 0));
    let offset = 0;
    for (const v of variables) {
      flat.set(grads[v.name]!.dataSync() as Float32Array, offset);
      offset += v.size;
    }
    const loss = value.dataSync()[0]!;
    tf.dispose([x, labels, value, ...Object.values(grads)]);
    post({ type: 'grads', loss, count: m.count, grads: flat }, [flat.buffer]);
  } catch (e) {
    post({ type: 'error', message: (e as Error).stack ?? String(e) });
  }
});
post({ type: 'ready' });
