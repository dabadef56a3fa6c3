import { setTimeout as sleep } from 'node:timers/promises';
import { type ServiceError, status } from '@grpc/grpc-js';
import { ClientSecurity } from '../common/security/client-security.js';
import type { LatencyQuery, LatencySource } from '../../src/latency/types.js';
import { NasmeshError } from '../../src/util/errors.js';
import { architectureMessage } from '../common/messages/architecture.js';
import type { NetworkConfig } from '../gen/nasmesh/v1/common.js';
import { LatencyProfilerClient, type ProfileArchitectureResponse } from '../gen/nasmesh/v1/latency_profiler.js';

export interface RemoteLatencyOptions {
  /**
   * Deadline of one call. The profiler measures one network at a time for every search, so a call may wait behind
   * a whole step's candidates of several searches. Default 2 minutes.
   */
  readonly deadlineMs?: number;
  /** How long UNAVAILABLE (profiler restarting or not up yet) is retried before the candidate fails. Default 1 minute. */
  readonly retryForMs?: number;
  /** TLS and bearer token of the calls; plaintext without. */
  readonly security?: ClientSecurity;
}

const FIRST_BACKOFF_MS = 200;
const MAX_BACKOFF_MS = 5_000;

/** The latency-profiler service (`--latency-profiler host:port`) as the controller's LatencySource. */
export class RemoteLatencyProfiler implements LatencySource {
  private readonly client: LatencyProfilerClient;
  private readonly deadlineMs: number;
  private readonly retryForMs: number;
  private readonly security: ClientSecurity;

  constructor(
    readonly address: string,
    options: RemoteLatencyOptions = {},
  ) {
    this.security = options.security ?? ClientSecurity.plaintext();
    this.security.assertCanCall(address);
    this.client = new LatencyProfilerClient(address, this.security.credentials, this.security.options);
    this.deadlineMs = options.deadlineMs ?? 120_000;
    this.retryForMs = options.retryForMs ?? 60_000;
  }

  async latencyMs(query: LatencyQuery, signal?: AbortSignal): Promise<number> {
    const started = Date.now();
    for (let backoff = FIRST_BACKOFF_MS; ; backoff = Math.min(2 * backoff, MAX_BACKOFF_MS)) {
      signal?.throwIfAborted();
      try {
        return (await this.call(query, signal)).medianMs;
      } catch (e) {
        signal?.throwIfAborted();
        const error = e as ServiceError;
        if (error.code !== status.UNAVAILABLE || Date.now() - started + backoff > this.retryForMs) {
          throw new NasmeshError(`latency-profiler at ${this.address}: ${error.message}`);
        }
        // The timer's own AbortError would hide why the caller aborted.
        await sleep(backoff, undefined, signal ? { signal } : {}).catch(() => signal?.throwIfAborted());
      }
    }
  }

  close(): void {
    this.client.close();
  }

  private call(query: LatencyQuery, signal?: AbortSignal): Promise<ProfileArchitectureResponse> {
    const request = {
      architecture: architectureMessage(query.space, query.architecture),
      network: networkMessage(query.network),
      hardwareProfile: '',
      batchSize: query.batchSize,
      repeats: query.repeats,
    };
    return new Promise((resolve, reject) => {
      const call = this.client.profileArchitecture(
        request,
        this.security.metadata(),
        { deadline: Date.now() + this.deadlineMs },
        (e, r) => {
          signal?.removeEventListener('abort', cancel);
          if (e) reject(e);
          else resolve(r);
        },
      );
      // Cancelling the call stops the measurement on the profiler too.
      const cancel = () => call.cancel();
      signal?.addEventListener('abort', cancel, { once: true });
    });
  }
}

function networkMessage(n: LatencyQuery['network']): NetworkConfig {
  return {
    inputShape: [...n.inputShape],
    classes: n.classes,
    channels: n.channels,
    ...(n.cellsPerStage !== undefined ? { cellsPerStage: n.cellsPerStage } : {}),
    ...(n.stages !== undefined ? { stages: n.stages } : {}),
    ...(n.widthMultiplier !== undefined ? { widthMultiplier: n.widthMultiplier } : {}),
    ...(n.headChannels !== undefined ? { headChannels: n.headChannels } : {}),
    ...(n.stemStride !== undefined ? { stemStride: n.stemStride } : {}),
  };
}
