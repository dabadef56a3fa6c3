/**
 * One architecture retrained from scratch in a search spec's final-stage harness (its final epochs, batch size,
 * learning rate and replicas; the spec's seed unless --seed), then the spec's baseline sized to it and trained the
 * same way: what `make run` does with the cell its search picks, for a cell written by hand. Prints both test
 * accuracies, parameter counts and training times.
 *
 * Run: npm run bench:retrain-cell -- --arch 'normal.block0:in0,in1,sep_conv_3x3,sep_conv_3x3|...' [--seed 1]
 *      [--spec deploy/examples/fashion-mnist-enas-micro.yaml] [--ops sep_conv_3x3,...]
 * --arch also takes the name of a paper's cell (src/space/published-cells.ts): `--arch enas`, or
 * `--arch nasnet-a --ops sep_conv_3x3,sep_conv_5x5,sep_conv_7x7,avg_pool_3x3,max_pool_3x3,identity`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { loadDataset } from '../src/data/load.js';
import { retrainTop, trainBaseline } from '../src/search/final-stage.js';
import { directoryResultFiles } from '../src/search/result-files.js';
import { PUBLISHED_CELLS, type PublishedCellName } from '../src/space/published-cells.js';
import { createSpace, type SpaceConfig } from '../src/space/registry.js';
import { loadSearchSpec } from '../src/spec/load.js';
import { initBackend } from '../src/tf/backend.js';
import { datasetNetwork } from '../src/train/dataset-network.js';

const opts = new Command('retrain-cell')
  .requiredOption(
    '--arch <text>',
    `the architecture in its space's text form (as best-architecture.json's \`arch\`), or one of: ${Object.keys(PUBLISHED_CELLS).join(', ')}`,
  )
  .option('--spec <path>', 'the search spec whose final stage and baseline to use', 'deploy/examples/fashion-mnist-enas-micro.yaml')
  .option('--seed <n>', "the harness's seed (default: the spec's)", (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('not a non-negative integer');
    return n;
  })
  .option('--ops <list>', "the space's ops instead of the spec's, comma-separated", (v) => v.split(','))
  .parse()
  .opts<{ arch: string; spec: string; seed?: number; ops?: string[] }>();

const { spec } = loadSearchSpec(opts.spec);
const { final, dataset } = spec;
if (!final?.baseline || !dataset) throw new Error(`${opts.spec}: needs spec.dataset, spec.final and spec.final.baseline`);
const backend = await initBackend(spec.backend);
// createSpace validates the config, so the cast only lets --ops through to the check that names a wrong op.
const space = opts.ops ? createSpace({ ...spec.space, ops: opts.ops } as SpaceConfig, '') : createSpace(spec.space);
const published = Object.hasOwn(PUBLISHED_CELLS, opts.arch) ? PUBLISHED_CELLS[opts.arch as PublishedCellName] : undefined;
const arch = space.decode(published ?? opts.arch);
const data = await loadDataset(dataset);
const network = datasetNetwork(data, final.network ?? spec.network);
const harness = {
  epochs: final.epochs,
  batchSize: final.batchSize,
  learningRate: final.learningRate,
  seed: opts.seed ?? spec.seed,
  replicas: final.replicas,
  backend,
};
// retrainTop exports the model it retrains; it is not wanted here.
const scratch = mkdtempSync(join(tmpdir(), 'nasmesh-retrain-cell-'));
try {
  const { best } = await retrainTop(space, [arch], data, network, harness, directoryResultFiles(scratch));
  const baseline = await trainBaseline(final.baseline, best!.params, data, network, harness);
  const line = (name: string, r: { testAccuracy: number; params: number; seconds: number }) =>
    `${name}: test accuracy ${(100 * r.testAccuracy).toFixed(2)} %, ${r.params} params, trained in ${r.seconds.toFixed(0)} s`;
  console.log(line('cell', best!));
  console.log(line(final.baseline, baseline));
  console.log(`difference: ${(100 * (best!.testAccuracy - baseline.testAccuracy)).toFixed(2)} points (seed ${harness.seed}, ${backend})`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
