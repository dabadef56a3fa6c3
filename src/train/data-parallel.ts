import type { Worker } from 'node:worker_threads';
import { batches } from '../data/batches.js';
import type { LoadedDataset } from '../data/types.js';
import { type BackendName, tf } from '../tf/backend.js';
import { NasmeshError } from '../util/errors.js';
import { Rng } from '../util/rng.js';
import { siblingModule, startWorker } from '../util/worker.js';
import { specToModel } from './child-network.js';
import { cosineRate, type FitResult, type TrainingProgress } from './fit.js';
import type { NetworkSpec } from './types.js';

export interface ReplicaSetup {
  spec: NetworkSpec;
  name: string;
  seed: number;
  learningRate: number;
  backend: BackendName;
  inputShape: readonly [number, number, number];
  classes: number;
}

/** `apply`: the averaged gradient of the previous step, applied before anything else. */
export type ToReplica =
  | { type: 'step'; apply?: Float32Array; learningRate: number; x: Float32Array; y: Int32Array; count: number }
  | { type: 'weights'; apply?: Float32Array; learningRate: number };

export type FromReplica =
  | { type: 'ready' }
  | { type: 'grads'; loss: number; count: number; grads: Float32Array }
  | { type: 'weights'; weights: Float32Array[] }
  | { type: 'error'; message: string };

export interface DataParallelOptions {
  epochs: number;
  batchSize: number;
  /** Initial Adam learning rate, decayed to zero by a cosine schedule. */
  learningRate: number;
  seed: number;
  /**
   * Replicas (worker threads); each batch is split into this many contiguous shards. Part of the result, not just
   * of the speed: batch norm normalises each shard with its own statistics, as in PyTorch's DistributedDataParallel.
   */
  replicas: number;
  backend: BackendName;
  onEpoch?: (epoch: number, loss: number) => void;
  /** Once before the first batch and after every batch, for progress displays. */
  onBatch?: (progress: TrainingProgress) => void;
}

/**
 * Synchronous data-parallel training (Adam, softmax cross-entropy) of the network `spec` from a seeded
 * initialisation on all replicas: every step each replica computes the gradient of its shard, the shard gradients
 * are averaged (weighted by shard size, so the result is the whole batch's mean-loss gradient) and every replica
 * applies the same update. Returns the trained model in this thread, with the replicas' batch-norm moving
 * statistics averaged.
 */
export async function fitDataParallel(
  spec: NetworkSpec,
  name: string,
  data: LoadedDataset,
  opts: DataParallelOptions,
): Promise<{ model: tf.LayersModel } & FitResult> {
  const setup: ReplicaSetup = {
    spec,
    name,
    seed: opts.seed,
    learningRate: opts.learningRate,
    backend: opts.backend,
    inputShape: data.shape,
    classes: data.classes,
  };
  const replicas = await Promise.all(Array.from({ length: opts.replicas }, () => Replica.start(setup)));
  try {
    const rng = new Rng(opts.seed ^ 0x5eed);
    const augmented = data.augment.pad > 0 || data.augment.flip;
    const totalSteps = opts.epochs * Math.ceil(data.train.count / opts.batchSize);
    const losses: number[] = [];
    let step = 0;
    let pending: Float32Array | undefined;
    let learningRate = opts.learningRate;
    opts.onBatch?.({ step, steps: totalSteps, epoch: 0, epochs: opts.epochs });
    for (let epoch = 0; epoch < opts.epochs; epoch++) {
      let total = 0;
      let seen = 0;
      const stream = batches(
        data.train,
        opts.batchSize,
        rng,
        augmented ? { augment: data.augment, shape: data.shape, normalize: data.stats } : { normalize: data.stats },
      );
      for (const batch of stream) {
        const sample = batch.x.length / batch.count;
        const shardSize = Math.ceil(batch.count / replicas.length);
        const shards = replicas.map((_, r) => {
          const from = Math.min(batch.count, r * shardSize);
          const to = Math.min(batch.count, from + shardSize);
          return { x: batch.x.slice(from * sample, to * sample), y: batch.y.slice(from, to), count: to - from };
        });
        const apply = pending;
        const results = await Promise.all(
          replicas.map((replica, r) =>
            shards[r]!.count === 0 && !apply ? null : replica.step({ type: 'step', apply, learningRate, ...shards[r]! }),
          ),
        );
        learningRate = cosineRate(opts.learningRate, ++step, totalSteps);
        pending = average(results.filter((g) => g !== null && g.count > 0) as { loss: number; count: number; grads: Float32Array }[]);
        const loss = results.reduce((s, g) => s + (g && g.count > 0 ? g.loss * g.count : 0), 0) / batch.count;
        if (!Number.isFinite(loss))
          return {
            model: await collect(replicas, spec, name, pending, learningRate),
            losses,
            diverged: `loss became ${loss} in epoch ${epoch + 1} after ${seen} samples`,
          };
        total += loss * batch.count;
        seen += batch.count;
        opts.onBatch?.({ step, steps: totalSteps, epoch, epochs: opts.epochs, loss: total / seen });
      }
      losses.push(total / seen);
      opts.onEpoch?.(epoch, total / seen);
    }
    return { model: await collect(replicas, spec, name, pending, learningRate), losses };
  } finally {
    await Promise.all(replicas.map((r) => r.close()));
  }
}

/** Shard gradients weighted by shard size: the gradient of the whole batch's mean loss. */
function average(results: readonly { count: number; grads: Float32Array }[]): Float32Array {
  const total = results.reduce((n, r) => n + r.count, 0);
  const out = new Float32Array(results[0]!.grads.length);
  for (const { count, grads } of results) {
    const w = count / total;
    for (let i = 0; i < out.length; i++) out[i] = out[i]! + w * grads[i]!;
  }
  return out;
}

/** Applies the last update everywhere and builds the model here: trainable weights from replica 0, moving statistics averaged. */
async function collect(replicas: Replica[], spec: NetworkSpec, name: string, apply: Float32Array | undefined, learningRate: number) {
  const all = await Promise.all(replicas.map((r) => r.weights(apply, learningRate)));
  const model = specToModel(spec, name);
  const trainable = new Set(model.trainableWeights.map((w) => w.originalName));
  const weights = model.weights.map((w, i) => {
    const values = all[0]![i]!;
    if (!trainable.has(w.originalName)) {
      for (let r = 1; r < all.length; r++) {
        const other = all[r]![i]!;
        for (let k = 0; k < values.length; k++) values[k] = values[k]! + other[k]!;
      }
      for (let k = 0; k < values.length; k++) values[k] = values[k]! / all.length;
    }
    return tf.tensor(values, w.shape as number[]);
  });
  model.setWeights(weights);
  tf.dispose(weights);
  return model;
}

class Replica {
  private waiting: { resolve: (m: FromReplica) => void; reject: (e: Error) => void } | undefined;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (m: FromReplica) => {
      const w = this.waiting;
      this.waiting = undefined;
      if (m.type === 'error') w?.reject(new NasmeshError(`data-parallel replica failed: ${m.message}`));
      else w?.resolve(m);
    });
    worker.on('error', (e) => this.waiting?.reject(e));
  }

  static async start(setup: ReplicaSetup): Promise<Replica> {
    const replica = new Replica(startWorker(siblingModule('data-parallel-worker', import.meta.url), setup));
    await replica.next();
    return replica;
  }

  async step(m: Extract<ToReplica, { type: 'step' }>) {
    const transfer = [m.x.buffer as ArrayBuffer];
    const reply = await this.send(m, transfer);
    if (reply.type !== 'grads') throw new NasmeshError(`replica answered ${reply.type} to a step`);
    return reply;
  }

  async weights(apply: Float32Array | undefined, learningRate: number): Promise<Float32Array[]> {
    const reply = await this.send({ type: 'weights', apply, learningRate });
    if (reply.type !== 'weights') throw new NasmeshError(`replica answered ${reply.type} to a weights request`);
    return reply.weights;
  }

  close(): Promise<number> {
    return this.worker.terminate();
  }

  private send(m: ToReplica, transfer: ArrayBuffer[] = []): Promise<FromReplica> {
    const reply = this.next();
    this.worker.postMessage(m, transfer);
    return reply;
  }

  private next(): Promise<FromReplica> {
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }
}
