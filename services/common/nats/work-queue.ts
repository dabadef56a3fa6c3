import type { JetStreamClient, JetStreamManager, NatsConnection } from 'nats';
import { jsonCodec } from './codec.js';
import { deleteDurable } from './durable.js';
import { keyHeaders } from './job-key.js';
import { publishOnce } from './publish.js';
import { retryTransient } from './retry.js';
import { ensureStream, WORK_STREAM_CONFIG } from './streams.js';
import { jobMsgId, searchJobsFilter, searchOfWorkSubject, WORK_STREAM, workSubject } from './subjects.js';
import type { Codec, JobKey, PublishResult } from './types.js';

export interface WorkQueueOptions<J> {
  /** Jobs of one kind go to the workers of that kind (`evaluate-benchmark`, ...). */
  readonly kind: string;
  readonly codec?: Codec<J>;
}

/** The controller's side of the work queue: submits jobs to the `NASMESH_WORK` stream. */
export class WorkQueue<J> {
  private constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly kind: string,
    private readonly codec: Codec<J>,
  ) {}

  static async open<J>(nc: NatsConnection, options: WorkQueueOptions<J>): Promise<WorkQueue<J>> {
    const jsm = await nc.jetstreamManager();
    await ensureStream(jsm, WORK_STREAM_CONFIG);
    return new WorkQueue(nc.jetstream(), jsm, options.kind, options.codec ?? jsonCodec<J>());
  }

  /**
   * Queues a job for (search, candidate) under the message id `<searchId>.<index>`: a job submitted again (a
   * controller that restarted and re-sends what it has no result for) within the duplicate window is dropped and
   * reported as `duplicate`. Retries through a nats-server restart.
   */
  submitJob(job: J, key: JobKey): Promise<PublishResult> {
    const subject = workSubject(this.kind, key.searchId);
    return publishOnce(this.js, subject, this.codec.encode(job), jobMsgId(key), keyHeaders(key));
  }

  /**
   * Removes the search's jobs that are still queued, of every kind: a search that ended wants no more evaluations.
   * A job a worker holds now is removed from the stream too: its ack then changes nothing, and a worker that has
   * heard of the search's end (WorkQueueConsumerOptions.ended) publishes no result for it.
   */
  async purge(searchId: string): Promise<void> {
    const filter = searchJobsFilter(searchId);
    await retryTransient(() => this.jsm.streams.purge(WORK_STREAM, { filter }));
  }

  /**
   * Deletes the consumers of the search's own workers (evaluators started with `--search`), of every kind: a search
   * that ended leaves none behind. Workers of the search that are still up hear of its end and stay idle.
   */
  async deleteSearchConsumers(searchId: string): Promise<void> {
    const names = await retryTransient(async () => {
      const found: string[] = [];
      for await (const c of this.jsm.consumers.list(WORK_STREAM)) {
        if (searchOfWorkSubject(c.config.filter_subject ?? '') === searchId) found.push(c.name);
      }
      return found;
    });
    await Promise.all(names.map((name) => retryTransient(() => deleteDurable(this.jsm, WORK_STREAM, name))));
  }
}
