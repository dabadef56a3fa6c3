import { type LoadOptions, readDataset } from './load.js';
import type { DatasetSpec } from './spec.js';
import type { Shape } from './types.js';

/** Sample shape and class count of the built-in datasets, which never change (test/data checks them against the loaders). */
const FIXED: Partial<Record<DatasetSpec['name'], { shape: Shape; classes: number }>> = {
  mnist: { shape: [28, 28, 1], classes: 10 },
  'fashion-mnist': { shape: [28, 28, 1], classes: 10 },
  cifar10: { shape: [32, 32, 3], classes: 10 },
};

/**
 * A dataset's sample shape and class count, for a process that needs the network's geometry but trains nothing (the
 * mesh controller measuring latency): built-in ones without reading a file, `idx` by reading its files once (within
 * `opts.roots` when set).
 */
export async function datasetGeometry(spec: DatasetSpec, opts: LoadOptions = {}): Promise<{ shape: Shape; classes: number }> {
  const fixed = FIXED[spec.name];
  if (fixed) return fixed;
  const { shape, classes } = await readDataset(spec, opts);
  return { shape, classes };
}
