import { type KubeConfig, type KubernetesObject, type ListPromise, ListWatch, Watch } from '@kubernetes/client-node';

export interface InformerOptions {
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /** First wait before listing again after an error; doubles up to maxRetryMs. */
  readonly retryMs?: number;
  readonly maxRetryMs?: number;
  readonly onError?: (e: unknown) => void;
}

export interface Informer<T extends KubernetesObject> {
  /** Resolves once the first list is in the cache. */
  readonly synced: Promise<void>;
  list(namespace?: string): readonly T[];
  get(name: string, namespace?: string): T | undefined;
  /** Called for every add, update and delete (with the object as it was last seen). */
  onChange(listener: (obj: T, deleted: boolean) => void): void;
  stop(): Promise<void>;
}

/**
 * A list+watch cache of one resource (client-node's ListWatch): it relists when the API server answers 410 Gone
 * (the resourceVersion it watched from is compacted away), and, where ListWatch gives up on any other error, lists
 * again after a backoff, so a restarted or unreachable API server only delays it.
 */
export function startInformer<T extends KubernetesObject>(
  kc: KubeConfig,
  path: string,
  list: ListPromise<T>,
  o: InformerOptions = {},
): Informer<T> {
  let markSynced!: () => void;
  const synced = new Promise<void>((resolve) => (markSynced = resolve));
  const retryMs = o.retryMs ?? 500;
  let delay = retryMs;
  // setImmediate: ListWatch adds the listed items to its cache right after this resolves.
  const listed: ListPromise<T> = async () => {
    const result = await list();
    delay = retryMs;
    setImmediate(markSynced);
    return result;
  };
  const watch = new ListWatch<T>(path, new Watch(kc), listed, false, o.labelSelector, o.fieldSelector);
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  watch.on('error', (e: unknown) => {
    if (stopped) return;
    o.onError?.(e);
    timer = setTimeout(() => void watch.start(), delay);
    delay = Math.min(delay * 2, o.maxRetryMs ?? 30_000);
  });
  void watch.start();
  return {
    synced,
    list: (namespace) => watch.list(namespace),
    get: (name, namespace) => watch.get(name, namespace),
    onChange(listener) {
      watch.on('add', (obj) => listener(obj, false));
      watch.on('update', (obj) => listener(obj, false));
      watch.on('delete', (obj) => listener(obj, true));
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await watch.stop();
    },
  };
}
