import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { BenchmarkEvaluator, NB201_CIFAR10_NETWORK, tableNetwork } from '../../src/search/benchmark-evaluator.js';
import { createSpace } from '../../src/space/registry.js';
import { parseSearchSpec } from '../../src/spec/load.js';
import { architectureCost } from '../../src/train/cost.js';
import { ValidationError } from '../../src/util/errors.js';
import { benchmarkSpec, writeNb201Table } from './session-helpers.js';

const space = createSpace({ name: 'nb201' });
const dir = mkdtempSync(join(tmpdir(), 'nasmesh-bench-eval-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const table = writeNb201Table(dir);

const ALL_CONV = '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|';
const NO_WEIGHTS = '|none~0|+|skip_connect~0|avg_pool_3x3~1|+|none~0|skip_connect~1|none~2|';

/** Within `tol` relative to `expected`. */
const near = (actual: number, expected: number, tol: number, label: string) =>
  assert.ok(Math.abs(actual - expected) <= tol * expected, `${label}: ${actual} is not within ${tol * 100} % of ${expected}`);

describe("benchmark mode: each candidate costs what it costs in the table's network", () => {
  it("NAS-Bench-201's CIFAR-10 network: NATS-Bench's published parameters and multiply-adds, largest and smallest", () => {
    // NATS-Bench (topology, CIFAR-10): 1.5313 M parameters and 220.11 M FLOPs (multiply-adds) with every edge a
    // 3x3 conv; 0.0733 M and 7.78 M where no edge has weights (the stem, reduction blocks and classifier remain).
    const big = architectureCost(space, space.decode(ALL_CONV), NB201_CIFAR10_NETWORK);
    near(big.trainableParams, 1.5313e6, 1e-3, 'all nor_conv_3x3 parameters');
    near(big.macs, 220.11e6, 1e-4, 'all nor_conv_3x3 multiply-adds');
    const small = architectureCost(space, space.decode(NO_WEIGHTS), NB201_CIFAR10_NETWORK);
    near(small.trainableParams, 0.0733e6, 1e-3, 'weightless cell parameters');
    near(small.macs, 7.78e6, 1e-3, 'weightless cell multiply-adds');
  });

  it('nb201 defaults to that network; tableNetwork names another; the evaluator records its cost', async () => {
    const search = benchmarkSpec(table, 'random');
    assert.equal(search.spec.evaluation.mode, 'benchmark');
    if (search.spec.evaluation.mode !== 'benchmark') return;
    assert.deepEqual(tableNetwork(search.spec.evaluation, space), NB201_CIFAR10_NETWORK);
    const arch = space.decode(ALL_CONV);
    const byDefault = await new BenchmarkEvaluator(table, space, tableNetwork(search.spec.evaluation, space)).evaluate(arch);
    const cost = architectureCost(space, arch, NB201_CIFAR10_NETWORK);
    assert.deepEqual([byDefault.params, byDefault.flops], [cost.params, cost.macs]);

    const cifar100 = { inputShape: [32, 32, 3], classes: 100, channels: 16, cellsPerStage: 5, stages: 3 };
    const other = parseSearchSpec(`apiVersion: nasmesh.io/v1alpha1
kind: NASSearch
metadata: {name: t}
spec:
  space: {name: nb201}
  strategy: {name: random}
  evaluation: {mode: benchmark, table: '${table}', tableNetwork: ${JSON.stringify(cifar100)}}
  budget: {candidates: 4}
`);
    if (other.spec.evaluation.mode !== 'benchmark') assert.fail('benchmark mode expected');
    const wider = await new BenchmarkEvaluator(table, space, tableNetwork(other.spec.evaluation, space)).evaluate(arch);
    // 90 more classes: 64 x 90 classifier weights and 90 biases more; the same multiply-adds but the classifier's.
    assert.equal(wider.params - byDefault.params, 64 * 90 + 90);
    assert.equal(wider.flops - byDefault.flops, 64 * 90);
    assert.equal(wider.accuracy, byDefault.accuracy);
  });

  it('a space without a known benchmark network records no cost', async () => {
    const micro = createSpace({ name: 'enas-micro', blocks: 2 });
    assert.equal(tableNetwork({ mode: 'benchmark', table, candidatesPerStep: 1 }, micro), undefined);
  });

  it('a malformed tableNetwork is refused, naming the field', () => {
    const spec = (network: string) => `apiVersion: nasmesh.io/v1alpha1
kind: NASSearch
metadata: {name: t}
spec:
  space: {name: nb201}
  strategy: {name: random}
  evaluation: {mode: benchmark, table: t.csv, tableNetwork: ${network}}
  budget: {candidates: 4}
`;
    const refused = (network: string, field: string) =>
      assert.throws(
        () => parseSearchSpec(spec(network)),
        (e: unknown) => e instanceof ValidationError && e.field === field,
        network,
      );
    refused('{inputShape: [32, 32], classes: 10, channels: 16, cellsPerStage: 5, stages: 3}', 'spec.evaluation.tableNetwork.inputShape');
    refused(
      '{inputShape: [32, 32, 3], classes: 10, channels: 16, cellsPerStage: 17, stages: 3}',
      'spec.evaluation.tableNetwork.cellsPerStage',
    );
    refused('{inputShape: [32, 32, 3], classes: 10, channels: 16, stages: 3}', 'spec.evaluation.tableNetwork.cellsPerStage');
  });
});
