import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { NASSEARCH, type NASSearch } from './types.js';

export type EventType = 'Normal' | 'Warning';

/**
 * Kubernetes Events about NASSearches (what `kubectl describe nas` lists). The operator records one when a search's
 * status changes, so they are few and each is created anew: the operator needs no right to read or patch events.
 */
export class EventRecorder {
  private readonly api: CoreV1Api;

  constructor(
    kc: KubeConfig,
    private readonly component: string,
    private readonly log: (line: string) => void,
  ) {
    this.api = kc.makeApiClient(CoreV1Api);
  }

  /** Best effort: an event that cannot be written is logged, never fails a reconcile. */
  async record(nas: NASSearch, type: EventType, reason: string, message: string): Promise<void> {
    const namespace = nas.metadata.namespace!;
    const now = new Date();
    try {
      await this.api.createNamespacedEvent({
        namespace,
        body: {
          metadata: { generateName: `${nas.metadata.name}.`, namespace },
          involvedObject: {
            apiVersion: NASSEARCH.apiVersion,
            kind: NASSEARCH.kind,
            name: nas.metadata.name,
            namespace,
            uid: nas.metadata.uid,
          },
          type,
          reason,
          message: message.slice(0, 1024),
          source: { component: this.component },
          reportingComponent: this.component,
          reportingInstance: this.component,
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        },
      });
    } catch (e) {
      this.log(`event ${reason} on ${namespace}/${nas.metadata.name}: ${String(e)}`);
    }
  }
}
