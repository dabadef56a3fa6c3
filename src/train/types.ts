/**
 * Child-network types. A child network is first described as a small, framework-free layer graph
 * (`NetworkSpec`); `cost.ts` counts parameters and multiply-adds on that graph and `child-network.ts` turns the same
 * graph into a tfjs-layers functional model, so the two can never disagree about the structure.
 */

/** Width and depth of the network a searched architecture is placed in (a found cell transfers to a bigger one). */
export interface NetworkConfig {
  /** Input image [height, width, channels]. */
  readonly inputShape: readonly [number, number, number];
  readonly classes: number;
  /** Initial width: stem output channels; cell spaces double it at each reduction. */
  readonly channels: number;
  /** Cell spaces (nb201, enas-micro): normal cells per stage. Default 1. */
  readonly cellsPerStage?: number;
  /** Stages (cell spaces and enas-macro); stages - 1 reductions sit between them. Default 3. */
  readonly stages?: number;
  /**
   * mnas: multiplier on the searched block filters and the head width (rounded to multiples of 8); the resnet-small
   * baseline: on every stage's channels (rounded). Default 1.
   */
  readonly widthMultiplier?: number;
  /** mnas: channels of the 1x1 head conv before pooling (before widthMultiplier); 0 drops it. Default 1280. */
  readonly headChannels?: number;
  /**
   * Stride of the stem conv. mnas default 2 (as MnasNet on ImageNet); other spaces default 1. A stride-2 stem
   * quarters the cost of every later layer, the cheap way to fit a search on 28x28 images into a CPU budget.
   */
  readonly stemStride?: number;
  /** Classifier activation: 'linear' gives logits (default), 'softmax' probabilities for sparseCategoricalCrossentropy. */
  readonly outputActivation?: 'linear' | 'softmax';
}

export type Shape = readonly number[];
export type Activation = 'linear' | 'relu' | 'sigmoid' | 'softmax';

/** One layer of the graph. `inputs` are indices of earlier nodes; `shape` is the output shape without batch. */
export type LayerNode = { readonly inputs: readonly number[]; readonly shape: Shape } & (
  | { readonly kind: 'input' }
  | {
      readonly kind: 'conv';
      readonly filters: number;
      readonly kernel: number;
      readonly stride: number;
      readonly dilation: number;
      readonly bias: boolean;
    }
  | { readonly kind: 'dwconv'; readonly kernel: number; readonly stride: number; readonly dilation: number }
  | { readonly kind: 'bn' }
  | { readonly kind: 'relu' }
  | {
      readonly kind: 'pool';
      readonly mode: 'avg' | 'max';
      readonly size: number;
      readonly stride: number;
      readonly padding: 'same' | 'valid';
    }
  /** Multiplies by zero (NB201 'none'). */
  | { readonly kind: 'zero' }
  /** Shifts the image one pixel up-left (crop top-left, zero-pad bottom-right), for factorized reduce. */
  | { readonly kind: 'shift' }
  | { readonly kind: 'add' }
  | { readonly kind: 'multiply' }
  | { readonly kind: 'concat' }
  | { readonly kind: 'gap' }
  | { readonly kind: 'reshape' }
  | { readonly kind: 'dense'; readonly units: number; readonly bias: boolean; readonly activation: Activation }
);

export type LayerKind = LayerNode['kind'];

export interface NetworkSpec {
  readonly nodes: readonly LayerNode[];
  /** Index of the logits node. */
  readonly output: number;
}

export interface NetworkCost {
  /** Trainable + non-trainable; equals tfjs `model.countParams()`. */
  readonly params: number;
  /** Conv kernels, biases, BN gamma/beta, dense weights. */
  readonly trainableParams: number;
  /** BN moving mean and variance. */
  readonly nonTrainableParams: number;
  /** Multiply-adds of convolutions (incl. depthwise) and dense layers for one image; see cost.ts. */
  readonly macs: number;
}
