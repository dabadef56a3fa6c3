import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type ServiceError, status } from '@grpc/grpc-js';
import { createReward } from '../../src/reward/reward-function.js';
import type { CandidateRecord } from '../../src/search/types.js';
import type { SearchSpec } from '../../src/spec/search-spec.js';
import { candidateRecord } from '../../services/common/messages/candidate.js';
import { SearchPhase } from '../../services/gen/nasmesh/v1/common.js';
import { NatsServer, skipWithoutNatsServer } from '../support/nats-server.js';
import { type MetricFamily, parsePrometheusText } from '../support/prom-text.js';
import { benchmarkSearch, renamed, MeshProcesses, waitForPhase, watchedCandidates } from './mesh.js';
import { writeSyntheticNb201Table } from './synthetic-table.js';

const CANDIDATES = 12;

/** Sum of a histogram's `_count` over its label sets: how many observations were made. */
const observations = (families: ReadonlyMap<string, MetricFamily>, histogram: string) =>
  (families.get(histogram)?.samples ?? []).filter((s) => s.name === `${histogram}_count`).reduce((n, s) => n + s.value, 0);

/** Some candidate is at least as accurate, as fast and as small, and strictly better in one of them. */
const dominated = (c: CandidateRecord, all: readonly CandidateRecord[]) =>
  all.some(
    (o) =>
      o.accuracy >= c.accuracy &&
      o.latencyMs! <= c.latencyMs! &&
      o.params <= c.params &&
      (o.accuracy > c.accuracy || o.latencyMs! < c.latencyMs! || o.params < c.params),
  );

/**
 * The MnasNet reward on the mesh: the controller measures each candidate's latency on the latency-profiler process
 * while an evaluator looks its accuracy up (benchmark mode keeps it to seconds; the latency is that of the network
 * the spec's dataset and network describe).
 */
describe('mesh: MnasNet reward with the latency-profiler', { skip: skipWithoutNatsServer, timeout: 300_000 }, () => {
  let dir: string;
  let search: SearchSpec;
  let nats: NatsServer;
  const mesh = new MeshProcesses(() => nats.url);
  const { start, connect } = mesh;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nasmesh-mesh-latency-'));
    search = benchmarkSearch('mnas', writeSyntheticNb201Table(dir), CANDIDATES, {
      // cifar10's geometry is known without its files: the controller reads nothing.
      dataset: { name: 'cifar10', path: join(dir, 'unused') },
      evaluation: { mode: 'benchmark', table: join(dir, 'nb201-synthetic.csv'), candidatesPerStep: 3 },
      reward: { objective: 'mnas', targetLatencyMs: 1, mode: 'soft', latency: { repeats: 3 } },
      network: { channels: 4, cellsPerStage: 1, stages: 2 },
    });
    nats = await NatsServer.start();
  });
  after(async () => {
    await mesh.stopAll();
    await nats?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a controller without --latency-profiler refuses an mnas search with FAILED_PRECONDITION', async () => {
    const plain = connect(await start('controller'));
    await assert.rejects(plain.createSearch(renamed(search, 'refused')), (e: ServiceError) => {
      assert.equal(e.code, status.FAILED_PRECONDITION);
      assert.match(
        e.details,
        /^spec\.reward\.objective: mnas needs measured latency, and this controller was started without --latency-profiler/,
      );
      return true;
    });
    await assert.rejects(plain.getSearch('refused'), { code: status.NOT_FOUND });
    // An accuracy search is still taken.
    const accuracy = renamed({ ...search, spec: { ...search.spec, reward: { objective: 'accuracy' } } }, 'accuracy-only');
    assert.equal((await plain.createSearch(accuracy)).id, 'accuracy-only');
    await plain.cancelSearch('accuracy-only');
  });

  it('measures every candidate on the latency-profiler; rewards are ACC × (LAT/T)^w; GetParetoFront tracks latency', async () => {
    const profiler = await start('latency-profiler');
    const controller = await start('controller', ['--latency-profiler', profiler.address]);
    await start('evaluator');
    const client = connect(controller);

    await client.createSearch(renamed(search, 'e2e'));
    const done = await waitForPhase(() => client, 'e2e', SearchPhase.SUCCEEDED, 240_000);
    assert.equal(done.done, CANDIDATES);
    const candidates = await watchedCandidates(client, 'e2e');
    assert.equal(candidates.length, CANDIDATES);
    const reward = createReward(search.spec.reward);
    for (const c of candidates) {
      assert.ok(c.latencyMs !== undefined && c.latencyMs > 0, `candidate ${c.index} has no latency: ${JSON.stringify(c)}`);
      assert.equal(c.reward, reward(c), `candidate ${c.index}: the reward is not the mnas formula of its metrics`);
    }
    assert.ok(done.best?.latencyMs !== undefined && done.best.latencyMs > 0);

    const front = await client.getParetoFront('e2e');
    assert.deepEqual(front.objectives, ['accuracy', 'latencyMs', 'params'], "latency is measured; params are the table network's");
    const members = front.candidates.map(candidateRecord);
    assert.ok(members.length > 0);
    for (const m of members) assert.ok(!dominated(m, candidates), `front member ${m.index} is dominated`);
    const outside = candidates.filter((c) => !members.some((m) => m.index === c.index));
    for (const c of outside) {
      const twin = members.some((m) => m.accuracy === c.accuracy && m.latencyMs === c.latencyMs && m.params === c.params);
      assert.ok(twin || dominated(c, candidates), `candidate ${c.index} is non-dominated but not on the front`);
    }

    // One measurement per distinct architecture: repeats are answered from the profiler's cache.
    const metrics = parsePrometheusText(await profiler.scrape());
    const distinct = new Set(candidates.map((c) => c.hash)).size;
    assert.equal(observations(metrics, 'nasmesh_latency_profile_duration_seconds'), distinct);
    assert.equal(observations(metrics, 'nasmesh_measured_latency_seconds'), distinct);
  });
});
