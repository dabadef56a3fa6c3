import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { CandidateRecord } from '../../../src/search/types.js';
import { after, before, describe, it } from 'node:test';
import type { NatsConnection } from 'nats';
import type { SearchStore } from '../../../src/store/types.js';
import { NatsSearchStore } from '../../../services/common/nats/nats-search-store.js';
import { ResultsConsumer } from '../../../services/common/nats/results-consumer.js';
import {
  RESULTS_STREAM,
  resultsConsumerName,
  resultSubject,
  WORK_STREAM,
  workConsumerName,
} from '../../../services/common/nats/subjects.js';
import type { DeliveryContext } from '../../../services/common/nats/types.js';
import { WorkQueueConsumer } from '../../../services/common/nats/work-consumer.js';
import { WorkQueue } from '../../../services/common/nats/work-queue.js';
import { NatsServer, skipWithoutNatsServer } from '../../support/nats-server.js';
import { Connections, type Job, record, waitFor } from './helpers.js';

/**
 * The controller's side: stores each result it is handed. Delivery is at least once (an ack lost in a restart
 * brings a result again); the store's idempotent putCandidate is what makes each candidate count once.
 */
class Controller {
  deliveries = 0;
  stored = 0;
  private consumer?: ResultsConsumer;

  constructor(
    private readonly store: SearchStore,
    private readonly searchId: string,
  ) {}

  async start(nc: NatsConnection): Promise<this> {
    this.consumer = await ResultsConsumer.start<CandidateRecord>(nc, this.searchId, async (result) => {
      this.deliveries++;
      if (await this.store.putCandidate(this.searchId, result)) this.stored++;
    });
    return this;
  }

  stop(): Promise<void> {
    return this.consumer!.stop();
  }

  destroy(): Promise<void> {
    return this.consumer!.destroy();
  }
}

/** A worker's handler that records every job it is handed. */
function recordingHandler(worker: string, handled: Map<number, string[]>, ms = 0) {
  return async (job: Job, { key }: DeliveryContext): Promise<CandidateRecord> => {
    handled.set(key.index, [...(handled.get(key.index) ?? []), worker]);
    await new Promise((r) => setTimeout(r, ms));
    return record(key.index, job.n * 2);
  };
}

describe('work queue', { skip: skipWithoutNatsServer, timeout: 60_000 }, () => {
  let server: NatsServer;
  let store: SearchStore;
  const connections = new Connections(() => server.url);
  before(async () => {
    server = await NatsServer.start();
    store = await NatsSearchStore.open(await connections.connect('store'));
  });
  const controller = async (searchId: string) => new Controller(store, searchId).start(await connections.connect('controller'));
  /** Two workers, each with its own connection as if in its own process. */
  const startWorkers = (kind: string, handled: Map<number, string[]>, ms: number, ackWaitMs?: number) =>
    Promise.all(
      ['a', 'b'].map(async (w) =>
        WorkQueueConsumer.start(await connections.connect(w), recordingHandler(w, handled, ms), {
          kind,
          ...(ackWaitMs && { ackWaitMs }),
        }),
      ),
    );
  after(async () => {
    await connections.closeAll();
    await server?.dispose();
  });

  const stored = async (searchId: string) => (await store.listCandidates(searchId)).map((c) => [c.index, c.reward]);
  const indices = (n: number) => [...Array(n).keys()];

  it('shares jobs between competing workers, each job handled once and stored once', async () => {
    const searchId = 'share';
    const queue = await WorkQueue.open<Job>(await connections.connect('controller'), { kind: 'share' });
    const handled = new Map<number, string[]>();
    const workers = await startWorkers('share', handled, 5);
    const results = await controller(searchId);
    for (const i of indices(40)) {
      assert.equal((await queue.submitJob({ n: i }, { searchId, index: i })).duplicate, false);
    }
    await waitFor('40 results', () => results.stored === 40);
    await Promise.all([...workers.map((w) => w.stop()), results.stop()]);

    assert.deepEqual(
      [...handled.keys()].sort((x, y) => x - y),
      indices(40),
    );
    assert.ok(
      [...handled.values()].every((by) => by.length === 1),
      'a job was handled twice',
    );
    const by = [...handled.values()].flat();
    assert.ok(by.includes('a') && by.includes('b'), 'one worker took every job');
    assert.equal(results.deliveries, 40);
    assert.deepEqual(
      await stored(searchId),
      indices(40).map((i) => [i, i * 2]),
    );
  });

  it('drops a job submitted again under the same key, before and after it was done', async () => {
    const searchId = 'dup';
    const queue = await WorkQueue.open<Job>(await connections.connect('controller'), { kind: 'dup' });
    assert.equal((await queue.submitJob({ n: 1 }, { searchId, index: 0 })).duplicate, false);
    assert.equal((await queue.submitJob({ n: 1 }, { searchId, index: 0 })).duplicate, true);
    const handled = new Map<number, string[]>();
    const worker = await WorkQueueConsumer.start(await connections.connect('w'), recordingHandler('w', handled), {
      kind: 'dup',
    });
    const results = await controller(searchId);
    await waitFor('the result', () => results.stored === 1);
    // A restarted controller re-sends the jobs it has no stored result for; the queue remembers this one.
    assert.equal((await queue.submitJob({ n: 1 }, { searchId, index: 0 })).duplicate, true);
    assert.equal((await queue.submitJob({ n: 2 }, { searchId, index: 1 })).duplicate, false);
    await waitFor('the second result', () => results.stored === 2);
    await Promise.all([worker.stop(), results.stop()]);
    assert.deepEqual(handled.get(0), ['w']);
    assert.equal(results.deliveries, 2);
  });

  it('redelivers the job of a worker killed with SIGKILL after ackWait, and stores one result', async () => {
    const searchId = 'killed';
    const kind = 'killed';
    const ackWaitMs = 1_500;
    const queue = await WorkQueue.open<Job>(await connections.connect('controller'), { kind });
    const script = 'test/services/nats/fixtures/hanging-worker.ts';
    const child = spawn(process.execPath, ['--import', 'tsx', script, server.url, kind, String(ackWaitMs)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    assert.equal((await lines.next()).value, 'ready');
    await queue.submitJob({ n: 21 }, { searchId, index: 0 });
    assert.equal((await lines.next()).value, 'took 0');
    // Its heartbeats hold the job past ackWait; then it dies.
    await new Promise((r) => setTimeout(r, ackWaitMs * 1.5));
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    const killedAt = Date.now();

    const deliveries: DeliveryContext[] = [];
    const worker = await WorkQueueConsumer.start(
      await connections.connect('survivor'),
      async (job: Job, context) => (deliveries.push(context), record(context.key.index, job.n * 2)),
      { kind, ackWaitMs },
    );
    const results = await controller(searchId);
    await waitFor('the redelivered job', () => results.stored === 1);
    const redeliveredAfter = Date.now() - killedAt;
    await Promise.all([worker.stop(), results.stop()]);

    assert.equal(deliveries.length, 1);
    assert.equal(deliveries[0]!.deliveryCount, 2);
    assert.ok(redeliveredAfter < ackWaitMs * 4, `redelivered after ${redeliveredAfter} ms`);
    assert.deepEqual(await stored(searchId), [[0, 42]]);
  });

  it('keeps a job that runs for several ackWaits with its worker, by heartbeats', async () => {
    const searchId = 'long';
    const kind = 'long';
    const queue = await WorkQueue.open<Job>(await connections.connect('controller'), { kind });
    const handled = new Map<number, string[]>();
    const workers = await startWorkers(kind, handled, 3_000, 1_000);
    const results = await controller(searchId);
    await queue.submitJob({ n: 4 }, { searchId, index: 0 });
    await waitFor('the result', () => results.stored === 1);
    await Promise.all([...workers.map((w) => w.stop()), results.stop()]);
    assert.equal(handled.get(0)?.length, 1, `handled by ${handled.get(0)?.join(', ')}`);
  });

  it('lets the last worker started set the shared ackWait', async () => {
    const nc = await connections.connect('w');
    const handler = recordingHandler('w', new Map());
    const first = await WorkQueueConsumer.start(nc, handler, { kind: 'ackwait', ackWaitMs: 1_000 });
    const second = await WorkQueueConsumer.start(nc, handler, { kind: 'ackwait', ackWaitMs: 3_000 });
    await Promise.all([first.stop(), second.stop()]);
    const info = await (await nc.jetstreamManager()).consumers.info(WORK_STREAM, workConsumerName('ackwait'));
    assert.equal(info.config.ack_wait, 3_000_000_000);
  });

  it('retries a job whose handler failed, and drops (reporting it) a job it cannot decode', async () => {
    const searchId = 'failing';
    const kind = 'failing';
    const nc = await connections.connect('controller');
    const queue = await WorkQueue.open<Job>(nc, { kind });
    const errors: Error[] = [];
    const attempts: number[] = [];
    const worker = await WorkQueueConsumer.start(
      await connections.connect('w'),
      async (job: Job, { key, deliveryCount }) => {
        attempts.push(deliveryCount);
        if (deliveryCount === 1) throw new Error('flaky');
        return record(key.index, job.n);
      },
      { kind, retryDelayMs: 100, onError: (err) => errors.push(err) },
    );
    const results = await controller(searchId);
    await nc.jetstream().publish(`nasmesh.work.${kind}.${searchId}`, new TextEncoder().encode('{"n": 1}'));
    await queue.submitJob({ n: 3 }, { searchId, index: 0 });
    await waitFor('the retried job', () => results.stored === 1);
    await Promise.all([worker.stop(), results.stop()]);
    assert.deepEqual(attempts, [1, 2]);
    assert.deepEqual(errors.map((e) => e.constructor.name).sort(), ['CodecError', 'Error']);
    const info = await (await nc.jetstreamManager()).consumers.info(WORK_STREAM, workConsumerName(kind));
    assert.equal(info.num_pending + info.num_ack_pending, 0, 'the undecodable job is still queued');
  });

  it("removes a finished search's durable and the results still queued for it", async () => {
    const searchId = 'gone';
    const nc = await connections.connect('controller');
    const results = await controller(searchId);
    await results.stop();
    const queue = await WorkQueue.open<Job>(nc, { kind: 'gone' });
    const worker = await WorkQueueConsumer.start(nc, recordingHandler('w', new Map()), { kind: 'gone' });
    for (const i of [0, 1]) await queue.submitJob({ n: i }, { searchId, index: i });
    const jsm = await nc.jetstreamManager();
    const subject = resultSubject(searchId);
    const queued = async () => (await jsm.streams.info(RESULTS_STREAM, { subjects_filter: subject })).state.subjects?.[subject] ?? 0;
    await waitFor('the queued results', async () => (await queued()) === 2);
    await worker.stop();
    await results.destroy();
    assert.equal(await queued(), 0);
    await assert.rejects(jsm.consumers.info(RESULTS_STREAM, resultsConsumerName(searchId)), /consumer not found/);
  });

  it('hands a running job back at once when a worker stops', async () => {
    const searchId = 'handback';
    const kind = 'handback';
    const queue = await WorkQueue.open<Job>(await connections.connect('controller'), { kind });
    let taken!: () => void;
    const tookIt = new Promise<void>((r) => (taken = r));
    let aborted = false;
    const first = await WorkQueueConsumer.start(
      await connections.connect('first'),
      (_job: Job, { signal }) =>
        new Promise<CandidateRecord>((_, reject) => {
          taken();
          signal.addEventListener('abort', () => ((aborted = true), reject(new Error('stopped'))));
        }),
      { kind, ackWaitMs: 30_000 },
    );
    await queue.submitJob({ n: 5 }, { searchId, index: 0 });
    await tookIt;
    const handled = new Map<number, string[]>();
    const second = await WorkQueueConsumer.start(await connections.connect('second'), recordingHandler('second', handled), {
      kind,
      ackWaitMs: 30_000,
    });
    const results = await controller(searchId);
    const stoppedAt = Date.now();
    await first.stop();
    await waitFor('the handed-back job', () => results.stored === 1);
    const handedBackAfter = Date.now() - stoppedAt;
    await Promise.all([second.stop(), results.stop()]);

    assert.ok(aborted, "the stopped worker's handler was not told");
    assert.ok(handedBackAfter < 5_000, `handed back after ${handedBackAfter} ms, ackWait is 30 s`);
    assert.deepEqual(handled.get(0), ['second']);
    assert.deepEqual(await stored(searchId), [[0, 10]]);
  });

  it('completes every job exactly once across a nats-server restart', async () => {
    const searchId = 'restart';
    const kind = 'restart';
    const queue = await WorkQueue.open<Job>(await connections.connect('controller'), { kind });
    const handled = new Map<number, string[]>();
    const workers = await startWorkers(kind, handled, 20, 2_000);
    const results = await controller(searchId);
    const submitting = (async () => {
      for (const i of indices(30)) {
        await queue.submitJob({ n: i }, { searchId, index: i });
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    await waitFor('some results', () => results.stored >= 5);
    await server.restart();
    assert.ok(results.stored < 30, 'the restart came after the last job');
    await submitting;
    await waitFor('30 results', () => results.stored === 30, 30_000);
    // Past ackWait: a job or result whose ack the restart lost comes again now, and must not count again.
    await new Promise((r) => setTimeout(r, 2_500));
    await Promise.all([...workers.map((w) => w.stop()), results.stop()]);
    assert.equal(results.stored, 30);

    assert.deepEqual(
      [...handled.keys()].sort((x, y) => x - y),
      indices(30),
    );
    assert.deepEqual(
      await stored(searchId),
      indices(30).map((i) => [i, i * 2]),
    );
  });
});
