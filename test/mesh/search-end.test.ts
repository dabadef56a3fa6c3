import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { NatsConnection } from 'nats';
import { SearchSession } from '../../src/search/search-session.js';
import type { SearchSpec } from '../../src/spec/search-spec.js';
import { initBackend } from '../../src/tf/backend.js';
import { Controller } from '../../services/common/grpc/controller-client.js';
import { candidateMessage } from '../../services/common/messages/candidate.js';
import { documentFromSpec } from '../../services/common/messages/search-document.js';
import { searchEventCodec } from '../../services/common/messages/search-event-codec.js';
import { closeNats, connectNats } from '../../services/common/nats/connection.js';
import { SearchEvents } from '../../services/common/nats/events.js';
import { NatsSearchStore } from '../../services/common/nats/nats-search-store.js';
import { RESULTS_STREAM, WORK_STREAM } from '../../services/common/nats/subjects.js';
import type { SearchEventKind } from '../../services/common/nats/types.js';
import { bestCandidate } from '../../services/controller/search-message.js';
import { SearchPhase } from '../../services/gen/nasmesh/v1/common.js';
import type { SearchEvent } from '../../services/gen/nasmesh/v1/events.js';
import { waitFor } from '../services/nats/helpers.js';
import { NatsServer, skipWithoutNatsServer } from '../support/nats-server.js';
import { parsePrometheusText, sampleValue } from '../support/prom-text.js';
import { benchmarkSearch, embeddedCandidates, MeshProcesses, renamed, type ServiceHooks } from './mesh.js';
import { writeSyntheticNb201Table } from './synthetic-table.js';

/** Every event WatchSearch sends, until it ends the stream; fails instead of hanging when it does not end. */
async function watchToEnd(client: Controller, id: string, timeoutMs = 20_000): Promise<SearchEvent[]> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  const events: SearchEvent[] = [];
  try {
    for await (const event of client.watch(id, abort.signal)) events.push(event);
  } catch (e) {
    if (!abort.signal.aborted) throw e;
  } finally {
    clearTimeout(timer);
  }
  assert.ok(!abort.signal.aborted, `WatchSearch ${id} did not end within ${timeoutMs} ms; last event: ${events.at(-1)?.event?.$case}`);
  return events;
}

/**
 * How a search's end reaches its watchers when the controller that ended it did not get to tell them: it died after
 * storing the final phase and before its `finished` event was published, or never published one.
 */
describe('mesh: the end of a search', { skip: skipWithoutNatsServer, timeout: 300_000 }, () => {
  let dir: string;
  let table: string;
  let search: SearchSpec;
  let nats: NatsServer;
  let nc: NatsConnection;
  const mesh = new MeshProcesses(() => nats.url);
  const start = async (name: 'controller' | 'evaluator', extra: string[] = [], hooks: ServiceHooks = {}) => {
    const service = await mesh.start(name, extra, hooks);
    return { service, client: mesh.connect(service) };
  };

  before(async () => {
    await initBackend();
    dir = mkdtempSync(join(tmpdir(), 'nasmesh-search-end-'));
    table = writeSyntheticNb201Table(dir);
    search = benchmarkSearch('ended', table, 6);
    nats = await NatsServer.start();
    nc = await connectNats({ servers: nats.url, name: 'test' });
  });

  after(async () => {
    await mesh.stopAll();
    await closeNats(nc);
    await nats.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('ends WatchSearch of a search stored as ended whose end event was never published', async () => {
    // What a controller leaves when it dies after storing `succeeded` and before publishing `finished`: the search,
    // its candidates and their events.
    const candidates = await embeddedCandidates(search);
    const store = await NatsSearchStore.open(nc);
    const events = await SearchEvents.open(nc, searchEventCodec);
    const publish = (id: string, event: NonNullable<SearchEvent['event']>, kind: SearchEventKind, key: string | number) =>
      events.publish(id, kind, { searchId: id, time: new Date(), event }, String(key));
    await SearchSession.create(store, 'ended', search);
    await publish('ended', { $case: 'created', value: { document: documentFromSpec(search) } }, 'created', 'created');
    for (const c of candidates) {
      assert.ok(await store.putCandidate('ended', c));
      const candidate = candidateMessage(search.spec.space, c);
      const value = { candidate, done: c.index + 1, total: candidates.length, bestReward: 0, error: '' };
      await publish('ended', { $case: 'candidateEvaluated', value }, 'evaluated', c.index);
    }
    const stored = (await store.getSearch('ended'))!;
    await store.putSearch({ ...stored, phase: 'succeeded', updatedAt: new Date().toISOString() });
    // And one that failed without its `failed` event: none of its events were published.
    await SearchSession.create(store, 'failed-quietly', { ...search, metadata: { name: 'failed-quietly' } });
    const failing = (await store.getSearch('failed-quietly'))!;
    await store.putSearch({ ...failing, phase: 'failed', message: 'the table went away', updatedAt: new Date().toISOString() });

    const { client } = await start('controller');
    const watched = await watchToEnd(client, 'ended');
    assert.deepEqual(
      watched.map((e) => e.event?.$case),
      ['created', ...candidates.map(() => 'candidateEvaluated'), 'finished'],
      'the replay first, then the end',
    );
    const end = watched.at(-1)!.event;
    assert.ok(end?.$case === 'finished');
    assert.equal(end.value.phase, SearchPhase.SUCCEEDED);
    assert.equal(end.value.candidates, candidates.length);
    assert.equal(end.value.best?.index, bestCandidate(candidates)?.index);
    // The end is in the stream now: a second watcher replays it like any other event, and it is there once.
    assert.equal((await watchToEnd(client, 'ended')).at(-1)?.event?.$case, 'finished');
    assert.ok(await events.has('ended', 'finished'));

    const failed = await watchToEnd(client, 'failed-quietly');
    assert.deepEqual(
      failed.map((e) => e.event?.$case),
      ['failed'],
    );
    assert.ok(failed[0]!.event?.$case === 'failed');
    assert.equal(failed[0]!.event.value.message, 'the table went away');
  });

  it('leaves nothing of a cancelled search queued: its jobs are purged, the one being evaluated is stopped', async () => {
    const { client } = await start('controller');
    // Each evaluation takes 5 s: the first step's four jobs are one held and three queued when the search is cancelled.
    const { service: evaluator } = await start('evaluator', [], { evaluationDelayMs: 5000 });
    const evaluation = { mode: 'benchmark', table, candidatesPerStep: 4 };
    await client.createSearch(renamed(benchmarkSearch('cancelled', table, 8, { evaluation }), 'cancelled'));
    const metric = async (name: string, labels: Record<string, string> = {}) =>
      sampleValue(parsePrometheusText(await evaluator.scrape()), name, { search: 'cancelled', ...labels }) ?? 0;
    const taken = () => metric('nasmesh_evaluation_queue_wait_seconds_count');
    await waitFor('the first job taken', async () => (await taken()) === 1);
    const cancelled = Date.now();
    assert.equal((await client.cancelSearch('cancelled')).phase, SearchPhase.CANCELLED);
    const evaluated = () => metric('nasmesh_evaluation_duration_seconds_count', { mode: 'benchmark' });
    await waitFor('the held evaluation stopped', async () => (await evaluated()) === 1);
    assert.ok(Date.now() - cancelled < 4_500, 'stopped when its search ended, not after its 5 s');
    // Long enough for the evaluator to have taken and finished a queued job, had one been left.
    await new Promise((r) => setTimeout(r, 6_000));
    assert.equal(await taken(), 1, 'no queued job of the cancelled search was evaluated');
    const jsm = await nc.jetstreamManager();
    const work = await jsm.streams.info(WORK_STREAM, { subjects_filter: '>' });
    assert.equal(work.state.messages, 0, `jobs left: ${JSON.stringify(work.state.subjects)}`);
    const results = await jsm.streams.info(RESULTS_STREAM, { subjects_filter: '>' });
    assert.equal(results.state.messages, 0, `results left: ${JSON.stringify(results.state.subjects)}`);
  });
});
