import assert from 'node:assert/strict';
import type { CandidateRecord } from '../../../src/search/types.js';
import { describe, it } from 'node:test';
import { EndedSearches } from '../../../services/common/nats/ended-searches.js';
import { SearchEvents } from '../../../services/common/nats/events.js';
import { ResultsConsumer } from '../../../services/common/nats/results-consumer.js';
import { RESULTS_STREAM, WORK_STREAM } from '../../../services/common/nats/subjects.js';
import { WorkQueueConsumer } from '../../../services/common/nats/work-consumer.js';
import { WorkQueue } from '../../../services/common/nats/work-queue.js';
import { skipWithoutNatsServer } from '../../support/nats-server.js';
import { type Job, record, suiteNatsServer, waitFor } from './helpers.js';

/**
 * What is left of a search that ended (cancelled, failed) in the work queue and the results stream: its controller
 * purges both; workers drop its jobs, and the result of the one they held when it ended.
 */
describe('work queue: a search that ended', { skip: skipWithoutNatsServer, timeout: 60_000 }, () => {
  const { connections } = suiteNatsServer();

  it('leaves none of its jobs and results queued, and no worker evaluates them', async () => {
    const kind = 'ending';
    const controller = await connections.connect('controller');
    const queue = await WorkQueue.open<Job>(controller, { kind });
    const events = await SearchEvents.open(controller);
    const results = await ResultsConsumer.start<CandidateRecord>(controller, 'cancelled', async () => {});
    await results.stop();

    const workerConnection = await connections.connect('worker');
    const ended = new EndedSearches(workerConnection);
    const started: string[] = [];
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const worker = await WorkQueueConsumer.start<Job, CandidateRecord>(
      workerConnection,
      async (job, { key }) => {
        started.push(`${key.searchId}.${key.index}`);
        if (key.searchId === 'cancelled') await held;
        return record(key.index, job.n);
      },
      { kind, ended: (id) => ended.has(id) },
    );

    for (const index of [0, 1, 2]) await queue.submitJob({ n: index }, { searchId: 'cancelled', index });
    await waitFor('the first job taken', () => started.length === 1);
    // The search ends: its `finished` event goes out, then the controller purges what is queued for it.
    await events.publish('cancelled', 'finished', { phase: 'cancelled' }, 'end');
    await waitFor('the worker to hear of it', () => ended.has('cancelled'));
    await queue.purge('cancelled');
    await results.destroy();
    release();
    // A stale controller's job of the ended search, then another search's: the worker takes them in this order.
    await queue.submitJob({ n: 7 }, { searchId: 'cancelled', index: 7 });
    await queue.submitJob({ n: 5 }, { searchId: 'other', index: 0 });
    const jsm = await controller.jetstreamManager();
    const resultsOf = async () => (await jsm.streams.info(RESULTS_STREAM, { subjects_filter: '>' })).state.subjects ?? {};
    await waitFor("the other search's result", async () => (await resultsOf())['nasmesh.result.other'] === 1);
    await worker.stop();
    ended.stop();

    assert.deepEqual(started, ['cancelled.0', 'other.0'], 'the purged jobs and the late one were not evaluated');
    assert.deepEqual(await resultsOf(), { 'nasmesh.result.other': 1 }, 'the held job published no result');
    const work = await jsm.streams.info(WORK_STREAM, { subjects_filter: '>' });
    assert.equal(work.state.messages, 0, `jobs left: ${JSON.stringify(work.state.subjects)}`);
  });
});
