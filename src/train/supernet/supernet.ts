import type { EnasMicroSpace, MicroCell } from '../../space/enas-micro.js';
import type { Architecture } from '../../space/types.js';
import { tensorsInHostMemory, tf } from '../../tf/backend.js';
import { Rng } from '../../util/rng.js';
import { dilateDepthwiseFilter } from '../depthwise-conv-layer.js';
import { nativeBatchNormTraining } from '../kernels/tensorflow/batch-norm.js';
import { MICRO_STEM_MULTIPLIER } from '../spec.js';
import { sgdStep, sgdStepTensors } from './sgd-step.js';
import { WeightStore } from './weights.js';

/** Network and optimiser settings of an ENAS micro supernet. */
export interface SupernetConfig {
  /** Input image [height, width, channels]. */
  readonly inputShape: readonly [number, number, number];
  readonly classes: number;
  /** Channels of the first stage's cells (the stem has MICRO_STEM_MULTIPLIER times as many); x2 at each reduction. */
  readonly channels: number;
  /** Stride of the stem conv, as NetworkConfig.stemStride. Default 1. */
  readonly stemStride?: number;
  /** Normal cells per stage. Default 1. */
  readonly cellsPerStage?: number;
  /** Stages; a reduction cell sits between consecutive stages. Default 3. */
  readonly stages?: number;
  /** Seed of the weight initialisation. Default 0. */
  readonly seed?: number;
  /** SGD with (Nesterov) momentum, as ENAS. Defaults: lr 0.05, momentum 0.9, nesterov, weight decay 1e-4, clip 5. */
  readonly learningRate?: number;
  readonly momentum?: number;
  readonly nesterov?: boolean;
  readonly weightDecay?: number;
  /** Global-norm gradient clipping; 0 disables it. */
  readonly clipNorm?: number;
}

/** A minibatch as src/data/batches.ts yields it: normalised NHWC floats and class labels. */
export interface SupernetBatch {
  readonly x: Float32Array;
  readonly y: Int32Array;
  readonly count: number;
}

export interface TrainSharedResult {
  /** Cross-entropy of each step (before its update). */
  readonly losses: number[];
  readonly archs: Architecture[];
  /** Global gradient norm of each step, before clipping. */
  readonly gradNorms: number[];
}

/** Where a cell input comes from: the stem (fixed channels) or an earlier cell (its concat of unused blocks). */
type Source =
  { readonly kind: 'stem'; readonly channels: number } | { readonly kind: 'cell'; readonly cell: number; readonly filters: number };

interface CellPlan {
  readonly reduction: boolean;
  readonly filters: number;
  readonly inputs: readonly [Source, Source];
  /** Input 0 is at twice the resolution of input 1 (it precedes a reduction): factorized reduce instead of 1x1. */
  readonly reduceInput0: boolean;
}

/** A feature map plus, for a cell output, the concatenated block states (to pick the matching weight rows). */
interface State {
  readonly t: tf.Tensor4D;
  readonly concat: readonly number[] | null;
}

const BN_EPS = 1e-5;
const KERNEL = /_(\d)x\d$/;

function kernelOf(op: string): number {
  const k = KERNEL.exec(op)?.[1];
  if (k === undefined) throw new Error(`op '${op}' names no kernel size`);
  return Number(k);
}

/**
 * The ENAS weight-sharing supernet of the enas-micro space (Pham et al. 2018), written as functional tfjs-core ops
 * over a store of tf.Variables: a forward pass runs only the sampled architecture's ops, so only their weights
 * get gradients.
 *
 * Layout (as src/train/spec.ts builds a child network): stem 3x3 conv-BN (MICRO_STEM_MULTIPLIER x channels);
 * `stages` stages of `cellsPerStage` normal cells with a reduction cell (channels x2) between stages; each cell reads
 * the two previous cells; ReLU before global pooling. The weights are shared per cell position, block, input slot
 * and op (ENAS shares them further per chosen input; here one set serves every input choice of a slot). Cell outputs
 * concatenate the unused blocks, so their width varies with the architecture; as in ENAS, the 1x1 preprocessing
 * convs of the next cells (and the classifier) hold rows for all B blocks and use those of the blocks present. Batch
 * norm always uses batch statistics (ENAS trains and rewards with is_training=True); there are no moving averages.
 */
export class Supernet {
  readonly store: WeightStore;
  readonly config: Required<SupernetConfig>;
  private readonly plan: CellPlan[];
  private readonly blocks: number;
  private readonly momentum = new Map<string, tf.Tensor>();
  /** The SGD update runs in JavaScript where the weights are in host memory, as tensor ops where they are on a GPU. */
  private readonly updateOnHost = tensorsInHostMemory();
  /** Shared-weight updates done so far. */
  steps = 0;
  /** SGD step size; may be changed between steps (a schedule). */
  learningRate: number;

  constructor(
    readonly space: EnasMicroSpace,
    config: SupernetConfig,
  ) {
    this.config = {
      stemStride: 1,
      cellsPerStage: 1,
      stages: 3,
      seed: 0,
      learningRate: 0.05,
      momentum: 0.9,
      nesterov: true,
      weightDecay: 1e-4,
      clipNorm: 5,
      ...config,
    };
    this.learningRate = this.config.learningRate;
    this.blocks = space.config.blocks;
    this.plan = planCells(this.config);
    this.store = new WeightStore(new Rng(this.config.seed));
    this.createWeights();
  }

  /** Number of cells (normal and reduction) in the network. */
  get cellCount(): number {
    return this.plan.length;
  }

  /** Key prefix of the weights of op `op` at cell `cell`, block `block`, input slot `slot` (0 or 1). */
  static opKey(cell: number, block: number, slot: number, op: string): string {
    return `cell${cell}/block${block}/slot${slot}/${op}`;
  }

  // ---- weights -------------------------------------------------------------------------------------------------

  private bnWeights(key: string, c: number): void {
    this.store.create(`${key}/gamma`, [c], { kind: 'const', value: 1 });
    this.store.create(`${key}/beta`, [c], { kind: 'const', value: 0 });
  }

  private convWeights(key: string, k: number, cin: number, cout: number): void {
    this.store.create(key, [k, k, cin, cout], { kind: 'he', fanIn: k * k * cin });
  }

  private dwWeights(key: string, k: number, c: number): void {
    this.store.create(key, [k, k, c, 1], { kind: 'he', fanIn: k * k });
  }

  private frWeights(key: string, cin: number, cout: number): void {
    const half = Math.floor(cout / 2);
    this.convWeights(`${key}/a`, 1, cin, half);
    this.convWeights(`${key}/b`, 1, cin, cout - half);
    this.bnWeights(`${key}/bn`, cout);
  }

  private sourceChannels(s: Source): number {
    return s.kind === 'stem' ? s.channels : this.blocks * s.filters;
  }

  private createWeights(): void {
    const { inputShape, channels, classes } = this.config;
    const stem = channels * MICRO_STEM_MULTIPLIER;
    this.convWeights('stem/conv', 3, inputShape[2], stem);
    this.bnWeights('stem/bn', stem);
    this.plan.forEach((cell, i) => {
      const f = cell.filters;
      const [in0, in1] = cell.inputs;
      if (cell.reduceInput0) this.frWeights(`cell${i}/pre0/fr`, this.sourceChannels(in0), f);
      else {
        this.convWeights(`cell${i}/pre0/conv`, 1, this.sourceChannels(in0), f);
        this.bnWeights(`cell${i}/pre0/bn`, f);
      }
      this.convWeights(`cell${i}/pre1/conv`, 1, this.sourceChannels(in1), f);
      this.bnWeights(`cell${i}/pre1/bn`, f);
      for (let b = 0; b < this.blocks; b++) {
        for (let slot = 0; slot < 2; slot++) {
          for (const op of this.space.config.ops) this.opWeights(Supernet.opKey(i, b, slot, op), op, f, cell.reduction);
        }
      }
    });
    const last = this.plan.length - 1;
    const lastFilters = this.plan[last]!.filters;
    const fanIn = this.blocks * lastFilters;
    this.store.create('classifier/w', [fanIn, classes], { kind: 'uniform', fanIn });
    this.store.create('classifier/b', [classes], { kind: 'const', value: 0 });
  }

  private opWeights(key: string, op: string, f: number, reduction: boolean): void {
    if (op.startsWith('sep_conv_')) {
      const k = kernelOf(op);
      for (const half of [1, 2]) {
        this.dwWeights(`${key}/dw${half}`, k, f);
        this.convWeights(`${key}/pw${half}`, 1, f, f);
        this.bnWeights(`${key}/bn${half}`, f);
      }
    } else if (op.startsWith('dil_conv_')) {
      this.dwWeights(`${key}/dw`, kernelOf(op), f);
      this.convWeights(`${key}/pw`, 1, f, f);
      this.bnWeights(`${key}/bn`, f);
    } else if (op.startsWith('conv_')) {
      this.convWeights(`${key}/conv`, kernelOf(op), f, f);
      this.bnWeights(`${key}/bn`, f);
    } else if (op === 'identity' || op === 'skip_connect') {
      // Only a reducing identity (a cell input in a reduction cell) has weights: a factorized reduce.
      if (reduction) this.frWeights(`${key}/fr`, f, f);
    } else if (op !== 'avg_pool_3x3' && op !== 'max_pool_3x3') {
      throw new Error(`supernet: unsupported op '${op}'`);
    }
  }

  // ---- forward -------------------------------------------------------------------------------------------------

  private w(key: string): tf.Variable {
    return this.store.get(key);
  }

  private bn(x: tf.Tensor4D, key: string): tf.Tensor4D {
    const native = nativeBatchNormTraining(x, this.w(`${key}/gamma`) as tf.Tensor1D, this.w(`${key}/beta`) as tf.Tensor1D, BN_EPS);
    if (native !== null) return native.y;
    const { mean, variance } = tf.moments(x, [0, 1, 2], true);
    const norm = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, BN_EPS)));
    return tf.add(tf.mul(norm, this.w(`${key}/gamma`)), this.w(`${key}/beta`)) as tf.Tensor4D;
  }

  /** Rows of a [1, 1, B*cin, cout] kernel for the blocks present in `concat` (all of it for the stem). */
  private rows(key: string, concat: readonly number[] | null): tf.Tensor4D {
    const w = this.w(key) as tf.Tensor4D;
    if (concat === null) return w;
    const cin = (w.shape[2] ?? 0) / this.blocks;
    const cout = w.shape[3] ?? 0;
    const parts = concat.map((s) => tf.slice(w, [0, 0, (s - 2) * cin, 0], [1, 1, cin, cout]));
    return parts.length === 1 ? parts[0]! : tf.concat(parts, 2);
  }

  private factorizedReduce(x: tf.Tensor4D, key: string, concat: readonly number[] | null): tf.Tensor4D {
    const r = tf.relu(x);
    const shifted = tf.pad(tf.slice(r, [0, 1, 1, 0], [-1, -1, -1, -1]), [
      [0, 0],
      [0, 1],
      [0, 1],
      [0, 0],
    ]);
    const a = tf.conv2d(r, this.rows(`${key}/a`, concat), 2, 'same');
    const b = tf.conv2d(shifted as tf.Tensor4D, this.rows(`${key}/b`, concat), 2, 'same');
    return this.bn(tf.concat([a, b], 3), `${key}/bn`);
  }

  private reluConvBn(s: State, key: string): tf.Tensor4D {
    return this.bn(tf.conv2d(tf.relu(s.t), this.rows(`${key}/conv`, s.concat), 1, 'same'), `${key}/bn`);
  }

  /** Depthwise conv with dilation 2, through the explicitly dilated filter that child networks use too. */
  private dilatedDepthwise(x: tf.Tensor4D, key: string): tf.Tensor4D {
    return tf.depthwiseConv2d(x, dilateDepthwiseFilter(this.w(key) as tf.Tensor4D, [2, 2]), 1, 'same');
  }

  private op(op: string, x: tf.Tensor4D, key: string, stride: 1 | 2): tf.Tensor4D {
    if (op.startsWith('sep_conv_')) {
      let h = x;
      for (const half of [1, 2]) {
        const dw = tf.depthwiseConv2d(tf.relu(h), this.w(`${key}/dw${half}`) as tf.Tensor4D, half === 1 ? stride : 1, 'same');
        h = this.bn(tf.conv2d(dw, this.w(`${key}/pw${half}`) as tf.Tensor4D, 1, 'same'), `${key}/bn${half}`);
      }
      return h;
    }
    if (op.startsWith('dil_conv_')) {
      // As src/train/ops.ts: a reducing DilConv puts the stride on the pointwise conv.
      const dw = this.dilatedDepthwise(tf.relu(x), `${key}/dw`);
      return this.bn(tf.conv2d(dw, this.w(`${key}/pw`) as tf.Tensor4D, stride, 'same'), `${key}/bn`);
    }
    if (op.startsWith('conv_')) {
      return this.bn(tf.conv2d(tf.relu(x), this.w(`${key}/conv`) as tf.Tensor4D, stride, 'same'), `${key}/bn`);
    }
    if (op === 'avg_pool_3x3') return tf.avgPool(x, 3, stride, 'same');
    if (op === 'max_pool_3x3') return tf.maxPool(x, 3, stride, 'same');
    if (op === 'identity' || op === 'skip_connect') {
      return stride === 1 ? x : this.factorizedReduce(x, `${key}/fr`, null);
    }
    throw new Error(`supernet: unsupported op '${op}'`);
  }

  private cell(i: number, cell: MicroCell, s0: State, s1: State): State {
    const plan = this.plan[i]!;
    const p0 = plan.reduceInput0 ? this.factorizedReduce(s0.t, `cell${i}/pre0/fr`, s0.concat) : this.reluConvBn(s0, `cell${i}/pre0`);
    const states: tf.Tensor4D[] = [p0, this.reluConvBn(s1, `cell${i}/pre1`)];
    cell.blocks.forEach((block, b) => {
      const terms = block.inputs.map((input, slot) => {
        const stride = plan.reduction && input < 2 ? 2 : 1;
        return this.op(block.ops[slot]!, states[input]!, Supernet.opKey(i, b, slot, block.ops[slot]!), stride);
      });
      states.push(tf.add(terms[0]!, terms[1]!));
    });
    const outs = cell.concat.map((s) => states[s]!);
    return { t: outs.length === 1 ? outs[0]! : tf.concat(outs, 3), concat: cell.concat };
  }

  /**
   * Logits [batch, classes] of `arch` with the shared weights; `x` is NHWC (a Float32Array is reshaped to the
   * input shape). Batch norm uses batch statistics whatever `training` says (no moving averages are kept); the flag
   * is there for callers and future regularisers (drop-path).
   */
  forward(arch: Architecture, x: tf.Tensor4D | Float32Array, training = true): tf.Tensor2D {
    void training;
    const cells = this.space.cells(arch);
    return tf.tidy(() => {
      const input = x instanceof Float32Array ? this.input(x) : x;
      const stem: State = {
        t: this.bn(tf.conv2d(input, this.w('stem/conv') as tf.Tensor4D, this.config.stemStride, 'same'), 'stem/bn'),
        concat: null,
      };
      let s0 = stem;
      let s1 = stem;
      this.plan.forEach((p, i) => {
        [s0, s1] = [s1, this.cell(i, p.reduction ? cells.reduce : cells.normal, s0, s1)];
      });
      const pooled = tf.mean(tf.relu(s1.t), [1, 2]) as tf.Tensor2D;
      const w = this.rows2d('classifier/w', s1.concat);
      return tf.add(tf.matMul(pooled, w), this.w('classifier/b')) as tf.Tensor2D;
    });
  }

  private rows2d(key: string, concat: readonly number[] | null): tf.Tensor2D {
    const w = this.w(key) as tf.Tensor2D;
    if (concat === null) return w;
    const [rowsAll, cout] = w.shape;
    const cin = rowsAll / this.blocks;
    const parts = concat.map((s) => tf.slice(w, [(s - 2) * cin, 0], [cin, cout]));
    return parts.length === 1 ? parts[0]! : tf.concat(parts, 0);
  }

  private input(x: Float32Array): tf.Tensor4D {
    const [h, w, c] = this.config.inputShape;
    const n = x.length / (h * w * c);
    if (!Number.isInteger(n)) throw new RangeError(`input of ${x.length} values is no whole number of ${h}x${w}x${c} images`);
    return tf.tensor4d(x, [n, h, w, c]);
  }

  /** Mean softmax cross-entropy of `arch` on a batch. */
  loss(arch: Architecture, batch: SupernetBatch): tf.Scalar {
    return tf.tidy(() => this.crossEntropy(this.forwardBatch(arch, batch, true), batch));
  }

  private forwardBatch(arch: Architecture, batch: SupernetBatch, training: boolean): tf.Tensor2D {
    return this.forward(arch, batch.x.subarray(0, batch.count * this.sampleSize()), training);
  }

  private crossEntropy(logits: tf.Tensor2D, batch: SupernetBatch): tf.Scalar {
    const labels = tf.oneHot(tf.tensor1d(batch.y.subarray(0, batch.count), 'int32'), this.config.classes);
    return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
  }

  /** Number of rows of `logits` whose arg-max is the batch's label. */
  private correct(logits: tf.Tensor2D, batch: SupernetBatch): tf.Scalar {
    const labels = tf.tensor1d(batch.y.subarray(0, batch.count), 'int32');
    return tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), labels), 'float32'));
  }

  private sampleSize(): number {
    const [h, w, c] = this.config.inputShape;
    return h * w * c;
  }

  // ---- training ------------------------------------------------------------------------------------------------

  /**
   * `steps` steps of shared-weight training: each samples an architecture, takes a minibatch, and applies one SGD
   * step to the weights that architecture uses (the others get no gradient and no update, not even momentum or
   * weight decay).
   */
  trainShared(steps: number, nextBatch: () => SupernetBatch, sampleArch: () => Architecture): TrainSharedResult {
    const losses: number[] = [];
    const archs: Architecture[] = [];
    const gradNorms: number[] = [];
    for (let s = 0; s < steps; s++) {
      const arch = sampleArch();
      const batch = nextBatch();
      const { loss, norm } = this.step(arch, batch);
      losses.push(loss);
      gradNorms.push(norm);
      archs.push(arch);
    }
    return { losses, archs, gradNorms };
  }

  /**
   * One SGD step of `arch` on `batch`; returns the loss and the training accuracy (fraction) before the update, and
   * the unclipped gradient norm.
   */
  step(arch: Architecture, batch: SupernetBatch): { loss: number; norm: number; accuracy: number } {
    const { clipNorm } = this.config;
    const { loss, norm, scale, correct, grads } = tf.tidy(() => {
      let correct: tf.Scalar | undefined;
      const { value, grads } = tf.variableGrads(() => {
        const logits = this.forwardBatch(arch, batch, true);
        // The accuracy comes from the step's own forward pass, so reporting it costs no second pass.
        correct = tf.keep(this.correct(logits, batch));
        return this.crossEntropy(logits, batch);
      }, this.store.variables());
      const used: [string, tf.Tensor][] = [];
      for (const [tfName, g] of Object.entries(grads)) {
        const key = this.store.keyOf(tfName);
        if (key !== undefined) used.push([key, g]);
      }
      const norm = tf.sqrt(tf.addN(used.map(([, g]) => tf.sum(tf.square(g))))) as tf.Scalar;
      const scale: tf.Scalar = clipNorm > 0 ? tf.minimum(1, tf.div(clipNorm, tf.add(norm, 1e-6))) : tf.scalar(1);
      return { loss: value, norm, scale, correct: correct!, grads: used };
    });
    const settings = { ...this.config, learningRate: this.learningRate };
    const clipScale = this.updateOnHost ? scale.dataSync()[0]! : 0;
    for (const [key, g] of grads) {
      const w = this.store.get(key);
      const prev = this.momentum.get(key);
      const next = this.updateOnHost
        ? hostTensors(
            w.shape,
            sgdStep(
              w.dataSync() as Float32Array,
              g.dataSync() as Float32Array,
              prev?.dataSync() as Float32Array | undefined,
              clipScale,
              settings,
            ),
          )
        : tf.tidy(() => sgdStepTensors(w, g, prev, scale, settings));
      w.assign(next.weight);
      next.weight.dispose();
      if (next.momentum) {
        prev?.dispose();
        this.momentum.set(key, next.momentum);
      }
    }
    const out = {
      loss: loss.dataSync()[0]!,
      norm: norm.dataSync()[0]!,
      accuracy: batch.count === 0 ? 0 : correct.dataSync()[0]! / batch.count,
    };
    tf.dispose([loss, norm, scale, correct, ...grads.map(([, g]) => g)]);
    this.steps++;
    return out;
  }

  /** Accuracy in [0, 1] of `arch` with the shared weights on a (validation) minibatch: ENAS's reward. */
  getReward(arch: Architecture, batch: SupernetBatch): number {
    const correct = tf.tidy(() => this.correct(this.forwardBatch(arch, batch, false), batch));
    const n = correct.dataSync()[0]!;
    correct.dispose();
    return batch.count === 0 ? 0 : n / batch.count;
  }

  // ---- state ---------------------------------------------------------------------------------------------------

  /** Momentum buffers by weight key (for checkpoints). */
  momentumEntries(): [string, tf.Tensor][] {
    return [...this.momentum.entries()];
  }

  /** Replaces the momentum buffers (takes ownership of the tensors). */
  setMomentum(entries: readonly (readonly [string, tf.Tensor])[]): void {
    for (const m of this.momentum.values()) m.dispose();
    this.momentum.clear();
    for (const [key, t] of entries) {
      if (!this.store.has(key)) throw new Error(`momentum for unknown weight '${key}'`);
      this.momentum.set(key, t);
    }
  }

  dispose(): void {
    for (const m of this.momentum.values()) m.dispose();
    this.momentum.clear();
    this.store.dispose();
  }
}

function planCells(config: Required<SupernetConfig>): CellPlan[] {
  const plan: CellPlan[] = [];
  const stem: Source = { kind: 'stem', channels: config.channels * MICRO_STEM_MULTIPLIER };
  // Resolution level (number of reductions so far) of each source.
  let s0: { src: Source; level: number } = { src: stem, level: 0 };
  let s1 = s0;
  for (let s = 0; s < config.stages; s++) {
    const filters = config.channels * 2 ** s;
    const kinds = [...(s > 0 ? [true] : []), ...Array.from({ length: config.cellsPerStage }, () => false)];
    for (const reduction of kinds) {
      if (s0.level - s1.level < -1) throw new Error('supernet: a cell input is more than one reduction away');
      const i = plan.length;
      plan.push({ reduction, filters, inputs: [s0.src, s1.src], reduceInput0: s0.level < s1.level });
      const out = { src: { kind: 'cell', cell: i, filters } as Source, level: s1.level + (reduction ? 1 : 0) };
      [s0, s1] = [s1, out];
    }
  }
  return plan;
}

/** sgdStep's arrays as tensors of `shape`. */
function hostTensors(shape: number[], next: { weight: Float32Array; momentum: Float32Array | undefined }) {
  return { weight: tf.tensor(next.weight, shape, 'float32'), momentum: next.momentum && tf.tensor(next.momentum, shape, 'float32') };
}
