import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LatencyProfiler, localHardwareProfile, profilerLatencySource } from '../../src/latency/index.js';
import type { LatencyQuery, LatencySource } from '../../src/latency/types.js';
import { createReward } from '../../src/reward/reward-function.js';
import { latencyMeasurement } from '../../src/reward/spec.js';
import { runEmbeddedSearch } from '../../src/search/embedded-search.js';
import { LatencyMeasuringBackend } from '../../src/search/latency-measuring-backend.js';
import type { CandidateRecord } from '../../src/search/types.js';
import { parseSearchSpec } from '../../src/spec/load.js';
import type { SearchSpec } from '../../src/spec/search-spec.js';
import { MemorySearchStore } from '../../src/store/memory-store.js';
import { initBackend, tf } from '../../src/tf/backend.js';
import type { NetworkConfig } from '../../src/train/types.js';
import { range, runSession, ScriptedBackend, SEARCH_ID, tableBackend, writeNb201Table } from './session-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'nasmesh-latency-'));
let table = '';
let profiler: LatencyProfiler;
before(async () => {
  await initBackend();
  table = writeNb201Table(dir);
  profiler = new LatencyProfiler(localHardwareProfile(tf.getBackend()), { warmup: 1 });
});
after(() => rmSync(dir, { recursive: true, force: true }));

const MNAS = '{objective: mnas, targetLatencyMs: 2, mode: soft, latency: {repeats: 3}}';

/** A latency source over the real profiler that remembers which architectures it was asked about. */
class CountingSource implements LatencySource {
  readonly asked: string[] = [];
  constructor(private readonly inner: LatencySource) {}
  latencyMs(query: LatencyQuery, signal?: AbortSignal): Promise<number> {
    this.asked.push(query.architecture.arch);
    return this.inner.latencyMs(query, signal);
  }
}

/** The reward of a record recomputed from its own metrics: what the mnas formula says it must be. */
const expectedReward = (search: SearchSpec, r: CandidateRecord) => createReward(search.spec.reward)(r);

describe('latency for the MnasNet reward', () => {
  it('embedded: every candidate of an mnas search carries its measured latency, and its reward is ACC × (LAT/T)^w', async () => {
    const search = parseSearchSpec(`apiVersion: nasmesh.io/v1alpha1
kind: NASSearch
metadata: {name: tiny-mnas}
spec:
  seed: 3
  dataset: {name: mnist, validation: {size: 64, seed: 0}, subset: 128}
  space: {name: enas-macro, layers: 2, channels: 4}
  strategy: {name: reinforce, batchSize: 2, units: 16}
  evaluation: {mode: standalone, epochs: 1, batchSize: 64, workers: 1}
  reward: ${MNAS}
  budget: {candidates: 4}
  network: {channels: 4, stages: 2}
`);
    const out = join(dir, 'embedded');
    const summary = await runEmbeddedSearch(search, { outDir: out });
    const records = readFileSync(join(out, 'candidates.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as CandidateRecord);
    assert.equal(records.length, 4);
    for (const r of records) {
      assert.ok(r.latencyMs !== undefined && r.latencyMs > 0 && Number.isFinite(r.latencyMs), JSON.stringify(r));
      assert.equal(r.reward, expectedReward(search, r));
      // Soft mode: w = -0.07 on both sides of the target.
      assert.ok(Math.abs(r.reward - r.accuracy * (r.latencyMs / 2) ** -0.07) < 1e-12);
    }
    assert.equal(summary.bestCandidate?.latencyMs, [...records].sort((a, b) => b.reward - a.reward)[0]!.latencyMs);
  });

  it('resumed: stored candidates keep their stored latency; only the others are measured', async () => {
    const search = parseSearchSpec(`apiVersion: nasmesh.io/v1alpha1
kind: NASSearch
metadata: {name: ${SEARCH_ID}}
spec:
  seed: 5
  dataset: {name: cifar10, path: unused}
  space: {name: nb201}
  strategy: {name: reinforce, batchSize: 4, units: 16}
  evaluation: {mode: benchmark, table: '${table}', candidatesPerStep: 3}
  reward: ${MNAS}
  budget: {candidates: 12}
`);
    const network: NetworkConfig = { inputShape: [8, 8, 3], classes: 10, channels: 4, cellsPerStage: 1, stages: 1 };
    const options = { space: search.spec.space, network, measurement: latencyMeasurement(search.spec.reward)! };
    const store = new MemorySearchStore();
    // Step 3 holds candidates 6-8: 6 is stored, then the controller dies.
    const firstSource = new CountingSource(profilerLatencySource(profiler));
    const first = new LatencyMeasuringBackend(new ScriptedBackend(tableBackend(search), { crashAfter: 7 }), firstSource, options);
    await assert.rejects(runSession(search, { store, backend: first }), /controller killed/);
    const stored = await store.listCandidates(SEARCH_ID);
    assert.deepEqual(
      stored.map((c) => c.index),
      range(7),
    );

    // A profiler of its own: its cache cannot answer for the first run's measurements.
    const fresh = new LatencyProfiler(profiler.hardware, { warmup: 1 });
    const secondSource = new CountingSource(profilerLatencySource(fresh));
    const second = new LatencyMeasuringBackend(tableBackend(search), secondSource, options);
    const resumed = await runSession(search, { store, backend: second });
    assert.deepEqual(
      resumed.map((c) => c.index),
      range(12),
    );
    assert.deepEqual(resumed.slice(0, 7), stored, 'the stored candidates, latency included, are reused as stored');
    assert.deepEqual(
      secondSource.asked,
      resumed.slice(7).map((c) => c.architecture.arch),
      'only the unstored candidates are measured',
    );
    for (const r of resumed) {
      assert.ok(r.latencyMs! > 0);
      assert.equal(r.reward, expectedReward(search, r));
    }
  });

  it('a failed measurement fails the search, naming the candidate and the cause', async () => {
    const search = parseSearchSpec(`apiVersion: nasmesh.io/v1alpha1
kind: NASSearch
metadata: {name: ${SEARCH_ID}}
spec:
  dataset: {name: cifar10, path: unused}
  space: {name: nb201}
  strategy: {name: random}
  evaluation: {mode: benchmark, table: '${table}'}
  reward: ${MNAS}
  budget: {candidates: 3}
`);
    // A network the profiler refuses: inputs of no pixels.
    const network = { inputShape: [0, 8, 3], classes: 10, channels: 4 } as unknown as NetworkConfig;
    const backend = new LatencyMeasuringBackend(tableBackend(search), profilerLatencySource(profiler), {
      space: search.spec.space,
      network,
      measurement: latencyMeasurement(search.spec.reward)!,
    });
    const store = new MemorySearchStore();
    await assert.rejects(runSession(search, { store, backend }), /candidate 0: measuring its latency failed: network\.inputShape\.0: /);
    assert.equal((await store.getSearch(SEARCH_ID))?.phase, 'failed');
    assert.deepEqual(await store.listCandidates(SEARCH_ID), []);
  });

  it('an accuracy reward measures nothing', () => {
    assert.equal(latencyMeasurement({ objective: 'accuracy' }), undefined);
    assert.deepEqual(latencyMeasurement({ objective: 'mnas', targetLatencyMs: 5, mode: 'soft' }), { batchSize: 1, repeats: 20 });
  });
});
