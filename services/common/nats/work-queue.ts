import type { JetStreamClient, NatsConnection } from 'nats';
import { jsonCodec } from './codec.js';
import { keyHeaders } from './job-key.js';
import { publishOnce } from './publish.js';
import { ensureStream, WORK_STREAM_CONFIG } from './streams.js';
import { jobMsgId, workSubject } from './subjects.js';
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
    private readonly subject: string,
    private readonly codec: Codec<J>,
  ) {}

  static async open<J>(nc: NatsConnection, options: WorkQueueOptions<J>): Promise<WorkQueue<J>> {
    await ensureStream(await nc.jetstreamManager(), WORK_STREAM_CONFIG);
    return new WorkQueue(nc.jetstream(), workSubject(options.kind), options.codec ?? jsonCodec<J>());
  }

  /**
   * Queues a job for (search, candidate) under the message id `<searchId>.<index>`: a job submitted again (a
   * controller that restarted and re-sends what it has no result for) within the duplicate window is dropped and
   * reported as `duplicate`. Retries through a nats-server restart.
   */
  submitJob(job: J, key: JobKey): Promise<PublishResult> {
    return publishOnce(this.js, this.subject, this.codec.encode(job), jobMsgId(key), keyHeaders(key));
  }
}
