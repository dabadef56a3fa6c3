import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * A service's own registry with Node's process metrics (CPU, memory, event-loop lag, GC, handles). Own registries,
 * not prom-client's global one, so several services can run in one process (tests, embedded mode) without clashing.
 */
export function createRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}
