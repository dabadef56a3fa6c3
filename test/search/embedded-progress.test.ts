import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LineProgress } from '../../src/progress/line-progress.js';
import { progressKey } from '../../src/progress/progress-clock.js';
import { runEmbeddedSearch } from '../../src/search/embedded-search.js';
import type { SearchProgress } from '../../src/search/types.js';
import { parseSearchSpec } from '../../src/spec/load.js';
import { initBackend } from '../../src/tf/backend.js';

const dir = mkdtempSync(join(tmpdir(), 'nasmesh-progress-'));
before(async () => {
  await initBackend();
});
after(() => rmSync(dir, { recursive: true, force: true }));

const SHARED_STEPS = 3;
const FINALISTS = 2;
const search = parseSearchSpec(`apiVersion: nasmesh.io/v1alpha1
kind: NASSearch
metadata: {name: tiny-progress}
spec:
  seed: 3
  dataset: {name: mnist, validation: {size: 128, seed: 0}, subset: 384}
  space: {name: enas-micro, blocks: 2, ops: [sep_conv_3x3, max_pool_3x3, identity]}
  strategy: {name: reinforce, batchSize: 2, units: 16}
  evaluation: {mode: weight-sharing, epochs: 2, sharedStepsPerEpoch: ${SHARED_STEPS}, controllerStepsPerEpoch: 2, batchSize: 16, deriveSamples: 2, deriveImages: 32}
  budget: {candidates: 4}
  network: {channels: 4, cellsPerStage: 1, stages: 2}
  final: {topK: 1, finalists: ${FINALISTS}, finalistTraining: {epochs: 1, trainSubset: 96, batchSize: 32}, epochs: 2, batchSize: 64, replicas: 2, baseline: resnet-small}
`);

describe('embedded search progress', () => {
  it('reports every long phase from its start to its end, training batch by batch, worker threads included', async () => {
    const reports: SearchProgress[] = [];
    await runEmbeddedSearch(search, { outDir: join(dir, 'out'), onProgress: (p) => reports.push(p) });

    const byKey = new Map<string, SearchProgress[]>();
    for (const r of reports) byKey.set(progressKey(r), [...(byKey.get(progressKey(r)) ?? []), r]);
    assert.deepEqual([...byKey.keys()].sort(), ['baseline resnet-small', 'derive', 'final 1/1', 'finalists', 'search', 'supernet']);
    for (const [key, rs] of byKey) {
      assert.equal(rs[0]!.done, 0, `${key} reports its start`);
      assert.equal(new Set(rs.map((r) => r.total)).size, 1, `${key} keeps its total`);
      assert.ok(
        rs.every((r, i) => i === 0 || r.done >= rs[i - 1]!.done),
        `${key} only moves forward`,
      );
      assert.equal(rs.at(-1)!.done, rs[0]!.total, `${key} reports its end`);
    }
    const only = (key: string) => byKey.get(key)!;
    assert.equal(only('search')[0]!.total, 4);
    assert.equal(only('supernet')[0]!.total, 2 * SHARED_STEPS);
    assert.deepEqual(
      only('supernet')
        .filter((r) => r.loss !== undefined)
        .map((r) => r.done),
      [1, 2, 3, 4, 5, 6],
    );
    // The retraining and the baseline (data-parallel replicas) and the finalists (evaluator threads): every batch.
    for (const key of ['final 1/1', 'baseline resnet-small']) {
      const rs = only(key);
      assert.deepEqual(
        rs.map((r) => r.done),
        Array.from({ length: rs[0]!.total + 1 }, (_, i) => i),
        key,
      );
      assert.deepEqual(new Set(rs.map((r) => r.detail)), new Set(['epoch 1/2', 'epoch 2/2']), key);
      assert.ok(
        rs.slice(1).every((r) => r.unit === 'batches' && Number.isFinite(r.loss)),
        key,
      );
    }
    const finalists = only('finalists');
    // 96 images in batches of 32, per finalist; each reports its start and every batch.
    assert.equal(finalists[0]!.total, FINALISTS * 3);
    assert.equal(finalists.length, FINALISTS * (3 + 1));
    assert.equal(finalists.at(-1)!.detail, `${FINALISTS}/${FINALISTS} trained`);

    // As `nasmesh run` writes them to a log: lines per phase, each with an ETA, no redrawn bars.
    const written: string[] = [];
    const log = new LineProgress({ write: (text: string) => written.push(text) });
    for (const r of reports) log.update(r);
    const text = written.join('');
    assert.ok(!text.includes('\r'));
    const logged = text.trimEnd().split('\n');
    assert.ok(
      logged.every((l) => / ETA (-|\d+s|\d+m\d\ds)$/.test(l)),
      text,
    );
    for (const key of byKey.keys())
      assert.ok(
        logged.some((l) => l.startsWith(`${key}: `)),
        `${key} in\n${text}`,
      );
  });
});
