import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type ServiceError, status } from '@grpc/grpc-js';
import type { CandidateRecord } from '../../src/search/types.js';
import type { SearchSpec } from '../../src/spec/search-spec.js';
import { initBackend } from '../../src/tf/backend.js';
import { Controller } from '../../services/common/grpc/controller-client.js';
import { documentFromSpec } from '../../services/common/messages/search-document.js';
import { SearchPhase } from '../../services/gen/nasmesh/v1/common.js';
import { NatsServer, skipWithoutNatsServer } from '../support/nats-server.js';
import { parsePrometheusText, sampleValue } from '../support/prom-text.js';
import {
  benchmarkSearch,
  embeddedCandidates,
  evaluatedAtLeast,
  evaluatedEventCounts,
  outcome,
  renamed,
  MeshProcesses,
  waitForPhase,
  watchedCandidates,
} from './mesh.js';
import { writeSyntheticNb201Table } from './synthetic-table.js';

/** Candidates per search: enough steps for the policy to move, few enough for a 2-core machine. */
const CANDIDATES = 30;

/**
 * The mesh end to end: a real nats-server, the controller and evaluators as their own processes on 127.0.0.1, a
 * reinforce search over gRPC. Every scenario must end with exactly the candidates (architectures and rewards) of
 * the same search run embedded, each stored and announced once.
 */
describe('mesh: controller and evaluators over NATS', { skip: skipWithoutNatsServer, timeout: 600_000 }, () => {
  let dir: string;
  let search: SearchSpec;
  let expected: CandidateRecord[];
  let nats: NatsServer;
  const mesh = new MeshProcesses(() => nats.url);
  const { start, connect } = mesh;
  /** The finished search: what WatchSearch reported equals the embedded run, and each result's event is stored once. */
  const assertSameAsEmbedded = async (client: Controller, id: string) => {
    const done = await waitForPhase(() => client, id, SearchPhase.SUCCEEDED);
    assert.equal(done.done, CANDIDATES);
    assert.deepEqual(outcome(await watchedCandidates(client, id)), outcome(expected));
    const counts = await evaluatedEventCounts(nats.url, id);
    assert.deepEqual(
      [...counts.keys()].sort((a, b) => a - b),
      expected.map((c) => c.index),
    );
    assert.ok(
      [...counts.values()].every((n) => n === 1),
      `an evaluated event was published twice: ${JSON.stringify([...counts])}`,
    );
    const best = expected.reduce((b, c) => (c.reward > b.reward ? c : b));
    assert.equal(done.best?.index, best.index);
  };

  before(async () => {
    await initBackend();
    dir = mkdtempSync(join(tmpdir(), 'nasmesh-mesh-'));
    search = benchmarkSearch('embedded', writeSyntheticNb201Table(dir), CANDIDATES);
    expected = await embeddedCandidates(search);
    assert.equal(expected.length, CANDIDATES);
  });

  // Each scenario gets its own nats-server and processes.
  const setUp = async () => {
    nats = await NatsServer.start();
  };
  const tearDown = async () => {
    await mesh.stopAll();
    await nats.dispose();
  };
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('runs a search end to end with the embedded result, validates input, and its /metrics move', async () => {
    await setUp();
    try {
      const controller = await start('controller');
      // Slowed a little so that the search is surely still running when it is scraped.
      const evaluators = [await start('evaluator', [], { evaluationDelayMs: 40 }), await start('evaluator', [], { evaluationDelayMs: 40 })];
      const client = connect(controller);

      const bad = renamed(search, 'bad');
      bad.spec = { ...bad.spec, budget: { candidates: 0 } };
      await assert.rejects(client.createSearch(bad), (e: ServiceError) => {
        assert.equal(e.code, status.INVALID_ARGUMENT);
        assert.match(e.details, /^spec\.budget\.candidates: /);
        assert.equal(e.metadata.get('field')[0], 'spec.budget.candidates');
        return true;
      });
      await assert.rejects(
        client.getSearch('Not_An_Id'),
        (e: ServiceError) => e.code === status.INVALID_ARGUMENT && /^searchId: /.test(e.details),
      );
      await assert.rejects(client.getSearch('absent'), { code: status.NOT_FOUND });

      const created = await client.createSearch(renamed(search, 'e2e'));
      assert.equal(created.id, 'e2e');
      assert.deepEqual(created.document, documentFromSpec({ ...search, metadata: { name: 'e2e' } }));
      await assert.rejects(client.createSearch(renamed(search, 'e2e')), { code: status.ALREADY_EXISTS });

      await evaluatedAtLeast(client, 'e2e', 5);
      const during = parsePrometheusText(await controller.scrape());
      const midway = sampleValue(during, 'nasmesh_candidates_evaluated_total', { search: 'e2e' }) ?? 0;
      assert.ok(midway >= 5 && midway < CANDIDATES, `evaluated ${midway} when scraped mid-search`);
      assert.notEqual(sampleValue(during, 'nasmesh_work_queue_depth'), undefined);

      await assertSameAsEmbedded(client, 'e2e');
      const end = parsePrometheusText(await controller.scrape());
      assert.equal(sampleValue(end, 'nasmesh_candidates_evaluated_total', { search: 'e2e' }), CANDIDATES);
      assert.equal(sampleValue(end, 'nasmesh_candidates_proposed_total', { search: 'e2e' }), CANDIDATES);
      assert.equal(sampleValue(end, 'nasmesh_best_reward', { search: 'e2e' }), Math.max(...expected.map((c) => c.reward)));
      assert.ok(sampleValue(end, 'nasmesh_controller_entropy_nats', { search: 'e2e' })! > 0);
      let evaluations = 0;
      for (const evaluator of evaluators) {
        const m = parsePrometheusText(await evaluator.scrape());
        const count = sampleValue(m, 'nasmesh_evaluation_duration_seconds_count', { search: 'e2e', mode: 'benchmark' }) ?? 0;
        assert.equal(sampleValue(m, 'nasmesh_evaluation_queue_wait_seconds_count', { search: 'e2e' }) ?? 0, count);
        evaluations += count;
      }
      assert.equal(evaluations, CANDIDATES, 'every job was evaluated once, by one of the two evaluators');

      const front = await client.getParetoFront('e2e');
      // The table's network (NAS-Bench-201's by default) gives every candidate its parameter count.
      assert.deepEqual(front.objectives, ['accuracy', 'params']);
      assert.equal(front.candidates[0]?.accuracy, Math.max(...expected.map((c) => c.accuracy)));
      assert.ok(front.candidates.every((c) => c.params > 0));
      const snapshot = await client.policySnapshot('e2e');
      assert.equal(snapshot.version, CANDIDATES, 'one policy update per candidate (candidatesPerStep 1)');
      assert.equal(JSON.parse(snapshot.checkpointJson).strategy, 'reinforce');
    } finally {
      await tearDown();
    }
  });

  it('redelivers the job of an evaluator killed while it holds it; every candidate counts once', async () => {
    await setUp();
    try {
      const controller = await start('controller');
      // The slow evaluator holds each job 2 s and tells the server so every 0.5 s: dead, its job returns in 1.5 s.
      const slow = await start('evaluator', ['--ack-wait-ms', '1500'], { evaluationDelayMs: 2000 });
      const client = connect(controller);
      await client.createSearch(renamed(search, 'evaluator-killed'));
      await new Promise((r) => setTimeout(r, 700));
      const held = parsePrometheusText(await slow.scrape());
      assert.equal(
        sampleValue(held, 'nasmesh_evaluation_queue_wait_seconds_count', { search: 'evaluator-killed' }),
        1,
        'it took the first job',
      );
      assert.equal((await client.getSearch('evaluator-killed')).done, 0, 'and had not finished it');
      await slow.kill('SIGKILL');
      await start('evaluator', ['--ack-wait-ms', '1500']);
      await assertSameAsEmbedded(client, 'evaluator-killed');
    } finally {
      await tearDown();
    }
  });

  it('hands back the job of an evaluator stopped with SIGTERM at once, not after its ackWait', async () => {
    await setUp();
    try {
      const controller = await start('controller');
      // Each job takes 3 s; SIGTERM gives it 1 s to finish, then hands it back. ackWait stays at its 30 s default.
      const slow = await start('evaluator', ['--drain-seconds', '1'], { evaluationDelayMs: 3000 });
      const client = connect(controller);
      await client.createSearch(renamed(search, 'evaluator-stopped'));
      await new Promise((r) => setTimeout(r, 700));
      const exited = slow.exited;
      await slow.kill('SIGTERM');
      assert.deepEqual(await exited, [0, null], slow.log);
      assert.equal((await client.getSearch('evaluator-stopped')).done, 0, 'it did not finish the job it held');
      const handedBack = Date.now();
      await start('evaluator');
      await evaluatedAtLeast(client, 'evaluator-stopped', 1);
      assert.ok(Date.now() - handedBack < 15_000, 'the held job came back before its 30 s ackWait');
      await assertSameAsEmbedded(client, 'evaluator-stopped');
    } finally {
      await tearDown();
    }
  });

  for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
    it(`resumes a search whose controller was stopped with ${signal}, losing and repeating nothing`, async () => {
      await setUp();
      try {
        const id = `controller-${signal.toLowerCase()}`;
        let controller = await start('controller', ['--checkpoint-interval-ms', '300']);
        await start('evaluator', [], { evaluationDelayMs: 30 });
        let client = connect(controller);
        await client.createSearch(renamed(search, id));
        await evaluatedAtLeast(client, id, 12);
        const exited = controller.exited;
        await controller.kill(signal);
        // SIGTERM stops the run and exits 0, leaving the search `running` for the next controller.
        if (signal === 'SIGTERM') assert.deepEqual(await exited, [0, null], controller.log);
        const before = (await evaluatedEventCounts(nats.url, id)).size;
        assert.ok(before >= 12 && before < CANDIDATES, `stopped after ${before} candidates`);

        controller = await start('controller', ['--checkpoint-interval-ms', '300']);
        assert.match(controller.log, new RegExp(`resumed ${id}`));
        client = connect(controller);
        await assertSameAsEmbedded(client, id);
      } finally {
        await tearDown();
      }
    });
  }

  it('rides out a nats-server restart mid-search', async () => {
    await setUp();
    try {
      const controller = await start('controller');
      await start('evaluator', [], { evaluationDelayMs: 30 });
      const client = connect(controller);
      await client.createSearch(renamed(search, 'nats-restarted'));
      await evaluatedAtLeast(client, 'nats-restarted', 8);
      assert.equal((await client.getSearch('nats-restarted')).phase, SearchPhase.RUNNING);
      await nats.restart();
      await assertSameAsEmbedded(client, 'nats-restarted');
    } finally {
      await tearDown();
    }
  });
});
