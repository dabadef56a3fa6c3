import { type ServiceError, status } from '@grpc/grpc-js';
import { ClientSecurity } from '../common/security/client-security.js';
import type { StrategyCheckpoint } from '../../src/strategy/types.js';
import { NasmeshError } from '../../src/util/errors.js';
import { ControllerClient, GetPolicySnapshotRequest, type PolicySnapshot } from '../gen/nasmesh/v1/controller.js';
import type { PolicySource, PolicyVersion } from '../../src/search/policy-source.js';

/** Statuses that mean "not yet" rather than "never": the wait outlived one call, or the controller is restarting. */
const RETRY = new Set([status.DEADLINE_EXCEEDED, status.UNAVAILABLE]);

/**
 * The policy from the controller at `address` (host:port) through Controller.GetPolicySnapshot. The controller waits
 * for `minVersion` within each call's deadline (`waitMs`); the wait continues over further calls, and through a
 * controller restart, until the policy arrives or the caller aborts.
 */
export class ControllerPolicySource implements PolicySource {
  private readonly client: ControllerClient;

  constructor(
    address: string,
    private readonly security: ClientSecurity = ClientSecurity.plaintext(),
    private readonly waitMs = 30_000,
    private readonly retryDelayMs = 500,
  ) {
    security.assertCanCall(address);
    this.client = new ControllerClient(address, security.credentials, security.options);
  }

  async fetch(searchId: string, minVersion: number, signal: AbortSignal): Promise<PolicyVersion> {
    const request = GetPolicySnapshotRequest.fromPartial({ searchId, minVersion });
    for (;;) {
      signal.throwIfAborted();
      try {
        return parse(await this.call(request, signal));
      } catch (e) {
        if (signal.aborted) throw signal.reason;
        if (!RETRY.has((e as ServiceError).code)) throw e;
        // UNAVAILABLE fails fast; pause so a controller that is down is not asked in a tight loop.
        await new Promise((resolve) => setTimeout(resolve, (e as ServiceError).code === status.UNAVAILABLE ? this.retryDelayMs : 0));
      }
    }
  }

  close(): void {
    this.client.close();
  }

  private call(request: GetPolicySnapshotRequest, signal: AbortSignal): Promise<PolicySnapshot> {
    return new Promise((resolve, reject) => {
      const call = this.client.getPolicySnapshot(request, this.security.metadata(), { deadline: Date.now() + this.waitMs }, (e, r) => {
        signal.removeEventListener('abort', cancel);
        if (e) reject(e);
        else resolve(r);
      });
      const cancel = () => call.cancel();
      signal.addEventListener('abort', cancel, { once: true });
    });
  }
}

function parse(snapshot: PolicySnapshot): PolicyVersion {
  let checkpoint: StrategyCheckpoint;
  try {
    checkpoint = JSON.parse(snapshot.checkpointJson) as StrategyCheckpoint;
  } catch {
    throw new NasmeshError('the controller sent a policy snapshot that is not JSON');
  }
  // Checked field by field when the strategy restores it (src/strategy/checkpoint-schema.ts).
  return { version: snapshot.version, checkpoint };
}
