import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { buildLatencyTable, fitCorrection, type LatencyTable, predictLatency } from '../../src/latency/latency-table.js';
import { opKey } from '../../src/latency/op-timing.js';
import { spearman, validatePredictor } from '../../src/latency/predictor-validation.js';
import { createSpace } from '../../src/space/registry.js';
import { initBackend } from '../../src/tf/backend.js';
import { networkSpec } from '../../src/train/spec.js';
import type { NetworkConfig } from '../../src/train/types.js';
import { usedNodes } from '../../src/train/used-nodes.js';
import { Rng } from '../../src/util/rng.js';

before(async () => {
  await initBackend('cpu');
});

const space = createSpace({ name: 'enas-micro', blocks: 2, ops: ['sep_conv_3x3', 'max_pool_3x3', 'identity'] });
const network: NetworkConfig = { inputShape: [12, 12, 1], classes: 4, channels: 4, stages: 2 };

describe('latency lookup tables', () => {
  it('keys a node by its kind, inputs, settings and batch', () => {
    const spec = networkSpec(space, space.sample(new Rng(1)), network);
    const conv = usedNodes(spec).find((i) => spec.nodes[i]!.kind === 'conv')!;
    assert.match(opKey(spec, conv, 1), /^conv \d+x\d+x\d+ k\d s\d d1 f\d+ b1$/);
    assert.notEqual(opKey(spec, conv, 1), opKey(spec, conv, 32));
  });

  it('fits the per-node overhead and the intercept of whole networks over the sum of their ops', () => {
    const rows = [100, 150, 220, 300].map((nodes, k) => ({ sum: 10 + k, nodes, measured: 10 + k + 0.02 * nodes + 1.5 }));
    const { perNodeMs, interceptMs } = fitCorrection(rows);
    assert.ok(Math.abs(perNodeMs - 0.02) < 1e-9 && Math.abs(interceptMs - 1.5) < 1e-9, `${perNodeMs} ${interceptMs}`);
    assert.deepEqual(fitCorrection([{ sum: 1, nodes: 5, measured: 3 }]), { perNodeMs: 0, interceptMs: 2 });
    assert.deepEqual(fitCorrection([]), { perNodeMs: 0, interceptMs: 0 });
  });

  it('predicts the corrected sum, and estimates a node it lacks from the nearest of its kind (counted, never zero)', () => {
    const spec = networkSpec(space, space.sample(new Rng(2)), network);
    const nodes = usedNodes(spec).filter((i) => spec.nodes[i]!.kind !== 'input');
    const ops: Record<string, LatencyTable['ops'][string]> = {};
    for (const i of nodes) ops[opKey(spec, i, 1)] = { medianMs: 0.5, cv: 0, work: 1 };
    const table = { ops, batchSize: 1, correction: { perNodeMs: 0.1, interceptMs: 2 } };
    const whole = predictLatency(table, spec);
    assert.equal(whole.unseen, 0);
    assert.ok(Math.abs(whole.latencyMs - (sumOf(spec, ops) + 0.1 * nodes.length + 2)) < 1e-9);
    const relu = nodes.find((i) => spec.nodes[i]!.kind === 'relu')!;
    const { [opKey(spec, relu, 1)]: _, ...lacking } = ops;
    const estimated = predictLatency({ ...table, ops: lacking }, spec);
    assert.ok(estimated.unseen >= 1 && estimated.latencyMs > 0);
  });

  it('builds a table from drawn architectures and validates it on others, with every figure the issue names', async () => {
    const table = await buildLatencyTable({
      space,
      network,
      batchSize: 2,
      profile: 'test',
      backend: 'cpu',
      sampleArchitectures: 4,
      fitArchitectures: 3,
      seed: 0,
      warmup: 1,
      repeats: 3,
    });
    assert.equal(table.fittedOn.length, 3);
    for (const timed of Object.values(table.ops)) assert.ok(timed.medianMs >= 0 && timed.work > 0 && timed.cv >= 0);
    const result = await validatePredictor(table, space, { architectures: 3, seed: 9, warmup: 1, repeats: 3 });
    assert.equal(result.rows.length, 3);
    assert.ok(result.rows.every((r) => !table.fittedOn.includes(space.hash(space.decode(r.architecture)))));
    assert.ok(result.withinTenPercent >= 0 && result.withinTenPercent <= 1);
    assert.ok(result.spearman >= -1 && result.spearman <= 1 && result.rmseMs >= 0 && result.predictMsPerArch > 0);
  });

  it("ranks as Spearman's correlation does, ties at their mean rank", () => {
    assert.equal(spearman([1, 2, 3, 4], [10, 20, 30, 40]), 1);
    assert.equal(spearman([1, 2, 3, 4], [4, 3, 2, 1]), -1);
    assert.ok(Math.abs(spearman([1, 2, 2, 3], [1, 2, 3, 4]) - 0.9486832980505138) < 1e-12);
  });
});

function sumOf(spec: ReturnType<typeof networkSpec>, ops: Record<string, { medianMs: number }>): number {
  return usedNodes(spec)
    .filter((i) => spec.nodes[i]!.kind !== 'input')
    .reduce((s, i) => s + ops[opKey(spec, i, 1)]!.medianMs, 0);
}
