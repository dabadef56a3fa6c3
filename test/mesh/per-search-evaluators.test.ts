import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { credentials, type ServiceError, status } from '@grpc/grpc-js';
import type { JetStreamManager, NatsConnection } from 'nats';
import { SearchSession } from '../../src/search/search-session.js';
import type { CandidateRecord } from '../../src/search/types.js';
import { initBackend } from '../../src/tf/backend.js';
import type { Controller } from '../../services/common/grpc/controller-client.js';
import { closeNats, connectNats } from '../../services/common/nats/connection.js';
import { NatsSearchStore } from '../../services/common/nats/nats-search-store.js';
import { WORK_STREAM } from '../../services/common/nats/subjects.js';
import { SearchPhase } from '../../services/gen/nasmesh/v1/common.js';
import { EvaluationJob, EvaluatorClient } from '../../services/gen/nasmesh/v1/evaluator.js';
import { waitFor } from '../services/nats/helpers.js';
import { NatsServer, skipWithoutNatsServer } from '../support/nats-server.js';
import { parsePrometheusText, sampleValue } from '../support/prom-text.js';
import {
  benchmarkSearch,
  embeddedCandidates,
  MeshProcesses,
  outcome,
  renamed,
  type ServiceProcess,
  waitForPhase,
  watchedCandidates,
  type ServiceHooks,
} from './mesh.js';
import { writeSyntheticNb201Table } from './synthetic-table.js';

const CANDIDATES = 8;

/** The work queue's consumers: name → the subject it takes. */
async function workConsumers(jsm: JetStreamManager): Promise<Record<string, string>> {
  const consumers: Record<string, string> = {};
  for await (const c of jsm.consumers.list(WORK_STREAM)) consumers[c.name] = c.config.filter_subject ?? '';
  return consumers;
}

/**
 * Evaluators started for one search (`serve evaluator --search <id>`, as the operator runs a search's own evaluator
 * pods): each takes its search's jobs only, from a consumer of its own that is gone once the search ended, after
 * which the evaluator stays up and quiet until stopped.
 */
describe('mesh: per-search evaluators', { skip: skipWithoutNatsServer, timeout: 300_000 }, () => {
  let dir: string;
  let table: string;
  let nats: NatsServer;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let client: Controller;
  const mesh = new MeshProcesses(() => nats.url);
  const evaluator = (search: string, hooks: ServiceHooks = {}) =>
    mesh.start('evaluator', ['--modes', 'benchmark', '--search', search], hooks);
  const expected = new Map<string, CandidateRecord[]>();

  before(async () => {
    await initBackend();
    dir = mkdtempSync(join(tmpdir(), 'nasmesh-per-search-'));
    table = writeSyntheticNb201Table(dir);
    for (const [id, seed] of [
      ['alpha', 1],
      ['beta', 2],
    ] as const) {
      expected.set(id, await embeddedCandidates(benchmarkSearch(id, table, CANDIDATES, { seed })));
    }
    nats = await NatsServer.start();
    nc = await connectNats({ servers: nats.url, name: 'test' });
    jsm = await nc.jetstreamManager();
    client = mesh.connect(await mesh.start('controller'));
  });
  after(async () => {
    await mesh.stopAll();
    await closeNats(nc);
    await nats.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  const metric = async (service: ServiceProcess, search: string) =>
    sampleValue(parsePrometheusText(await service.scrape()), 'nasmesh_evaluation_queue_wait_seconds_count', { search }) ?? 0;

  it("runs two searches at once, each on its own evaluator, which sees only its search's jobs", async () => {
    const evaluators = {
      alpha: await evaluator('alpha', { evaluationDelayMs: 20 }),
      beta: await evaluator('beta', { evaluationDelayMs: 20 }),
    };
    assert.deepEqual(await workConsumers(jsm), {
      'workers-evaluate-benchmark-alpha': 'nasmesh.work.evaluate-benchmark.alpha',
      'workers-evaluate-benchmark-beta': 'nasmesh.work.evaluate-benchmark.beta',
    });
    await Promise.all(
      ['alpha', 'beta'].map((id, i) => client.createSearch(renamed(benchmarkSearch(id, table, CANDIDATES, { seed: i + 1 }), id))),
    );
    for (const id of ['alpha', 'beta'] as const) {
      await waitForPhase(() => client, id, SearchPhase.SUCCEEDED);
      assert.deepEqual(outcome(await watchedCandidates(client, id)), outcome(expected.get(id)!));
    }
    assert.equal(await metric(evaluators.alpha, 'alpha'), CANDIDATES);
    assert.equal(await metric(evaluators.alpha, 'beta'), 0, 'the evaluator of alpha took no job of beta');
    assert.equal(await metric(evaluators.beta, 'beta'), CANDIDATES);
    assert.equal(await metric(evaluators.beta, 'alpha'), 0, 'the evaluator of beta took no job of alpha');
    // Nor does its Evaluate RPC.
    const rpc = new EvaluatorClient(evaluators.alpha.address, credentials.createInsecure());
    try {
      await assert.rejects(
        new Promise((resolve, reject) =>
          rpc.evaluate(EvaluationJob.fromPartial({ searchId: 'beta', index: 0 }), (e, r) => (e ? reject(e) : resolve(r))),
        ),
        (e: ServiceError) =>
          e.code === status.INVALID_ARGUMENT && /^searchId: 'beta' is not alpha, the one search this evaluator serves/.test(e.details),
      );
    } finally {
      rpc.close();
    }

    // Once the searches ended, nothing of them is left in the work queue, and their evaluators idle, quietly.
    await waitFor('the per-search consumers deleted', async () => Object.keys(await workConsumers(jsm)).length === 0);
    for (const [id, service] of Object.entries(evaluators)) {
      await waitFor(`the evaluator of ${id} to idle`, () =>
        service.log.includes(`search ${id} ended: this evaluator takes no more jobs and idles`),
      );
    }
    // A worker still pulling from its deleted consumer would have reported an error by now (its pulls fail in ~2 s).
    await new Promise((r) => setTimeout(r, 3_000));
    for (const service of Object.values(evaluators)) {
      assert.deepEqual(await Promise.race([service.exited, 'running']), 'running', service.log);
      assert.doesNotMatch(service.log, /evaluator: /, 'no errors after the end');
    }
    assert.deepEqual(await workConsumers(jsm), {});
  });

  it('starts idle, with no consumer, for a search that ended before it', async () => {
    const late = await evaluator('alpha');
    await waitFor('it to idle', () => late.log.includes('search alpha has ended: this evaluator takes no more jobs'));
    assert.deepEqual(await workConsumers(jsm), {});
  });

  it('creates its consumer again when it is deleted while the search runs, and idles when it was deleted for its end', async () => {
    const own = await evaluator('epsilon');
    await jsm.consumers.delete(WORK_STREAM, 'workers-evaluate-benchmark-epsilon');
    await waitFor('the consumer created again', async () => 'workers-evaluate-benchmark-epsilon' in (await workConsumers(jsm)));
    assert.match(own.log, /the work-queue consumer of search epsilon \(benchmark\) was deleted while the search runs; creating it again/);
    // The search is stored as ended, and its end event never reached the evaluator (say it was cut off from NATS).
    const store = await NatsSearchStore.open(nc);
    const search = benchmarkSearch('epsilon', table, CANDIDATES);
    await SearchSession.create(store, 'epsilon', search);
    await store.putSearch({ ...(await store.getSearch('epsilon'))!, phase: 'cancelled', updatedAt: new Date().toISOString() });
    await jsm.consumers.delete(WORK_STREAM, 'workers-evaluate-benchmark-epsilon');
    await waitFor('it to idle', () => own.log.includes('search epsilon has ended: this evaluator takes no more jobs'));
    await new Promise((r) => setTimeout(r, 3_000));
    assert.deepEqual(await workConsumers(jsm), {});
    assert.equal(own.log.match(/evaluator: /g)?.length, 1, `one error, when the consumer went away while the search ran:\n${own.log}`);
    await own.kill();
  });

  it('refuses to mix per-search and shared evaluators on one NATS, naming the consumers in the way', async () => {
    // The evaluator of a search not created yet waits for its jobs.
    const own = await evaluator('gamma');
    await assert.rejects(
      mesh.start('evaluator', ['--modes', 'benchmark']),
      /per-search consumers take some of them \(workers-evaluate-benchmark-gamma\)/,
    );
    await own.kill();
    await jsm.consumers.delete(WORK_STREAM, 'workers-evaluate-benchmark-gamma');
    await mesh.start('evaluator', ['--modes', 'benchmark']);
    await assert.rejects(evaluator('delta'), /search delta: shared consumers take those of every search \(workers-evaluate-benchmark\)/);
  });
});
