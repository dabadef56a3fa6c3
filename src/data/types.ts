/** Public types of the dataset layer. Pixels stay raw bytes until a batch is built, to keep 60k×784 samples small. */

export const DATASET_NAMES = ['mnist', 'fashion-mnist', 'cifar10', 'idx'] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];

/** Height, width, channels of one sample. */
export type Shape = readonly [h: number, w: number, c: number];

/**
 * A set of samples. `images` is NHWC, one sample = h*w*c values: bytes 0..255 (Uint8Array), or floats already in
 * [0, 1] pixel units (Float32Array). `labels[i]` is the class of sample i.
 */
export interface Split {
  images: Uint8Array | Float32Array;
  labels: Uint8Array;
  count: number;
}

export interface Dataset {
  name: string;
  train: Split;
  test: Split;
  classes: number;
  shape: Shape;
}

/** Per-channel mean/std in [0, 1] pixel units, computed on the training split only (no leakage from validation). */
export interface ChannelStats {
  mean: Float32Array;
  std: Float32Array;
}

/** Training-time augmentation: random crop after zero padding of `pad` pixels (0 = off), random horizontal flip. */
export interface Augmentation {
  pad: number;
  flip: boolean;
}

/** A dataset ready for a search: `train` has had `validation` carved out of it (and `subset` applied). */
export interface LoadedDataset extends Dataset {
  validation: Split;
  stats: ChannelStats;
  augment: Augmentation;
}

export interface Batch {
  /** count × h × w × c floats, normalised when stats were given, else pixels in [0, 1]. */
  x: Float32Array;
  /** Class indices, int32 as tf.oneHot expects. */
  y: Int32Array;
  count: number;
}

interface BatchBase {
  /** Visit samples in a fresh random order each epoch (default true). */
  shuffle?: boolean;
  normalize?: ChannelStats;
}

/** Augmentation needs the sample geometry, so `shape` is required with it. */
export type BatchOptions = (BatchBase & { augment?: undefined; shape?: Shape }) | (BatchBase & { augment: Augmentation; shape: Shape });
