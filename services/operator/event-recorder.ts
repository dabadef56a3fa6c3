import { createHash } from 'node:crypto';
import { CoreV1Api, type KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { NASSEARCH, type NASSearch } from './types.js';

export type EventType = 'Normal' | 'Warning';

/**
 * Kubernetes Events about NASSearches (what `kubectl describe nas` lists), as client-go's recorder writes them: the
 * same reason and message on the same object again raises the count of one Event instead of adding another.
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
    const digest = createHash('sha256').update(`${nas.metadata.uid}|${reason}|${message}`).digest('hex').slice(0, 16);
    const name = `${nas.metadata.name}.${digest}`;
    const now = new Date();
    try {
      try {
        const existing = await this.api.readNamespacedEvent({ name, namespace });
        await this.api.patchNamespacedEvent(
          { name, namespace, body: { count: (existing.count ?? 1) + 1, lastTimestamp: now } },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        );
        return;
      } catch (e) {
        if ((e as { code?: number }).code !== 404) throw e;
      }
      await this.api.createNamespacedEvent({
        namespace,
        body: {
          metadata: { name, namespace },
          involvedObject: { apiVersion: NASSEARCH.apiVersion, kind: NASSEARCH.kind, name: nas.metadata.name, namespace, uid: nas.metadata.uid },
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
