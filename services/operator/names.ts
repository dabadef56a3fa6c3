import { createHash } from 'node:crypto';
import type { Component, NASSearch } from './types.js';

/** DNS-1123 labels (Service names, the controller's search ids) are at most 63 characters. */
const MAX_LABEL = 63;

/**
 * `<base>-<suffix>` within 63 characters: a base too long is cut and given a short hash of itself, so two long names
 * that share a prefix stay apart.
 */
function label(base: string, suffix: string): string {
  const whole = `${base}-${suffix}`;
  if (whole.length <= MAX_LABEL) return whole;
  const hash = createHash('sha256').update(base).digest('hex').slice(0, 6);
  const room = MAX_LABEL - suffix.length - hash.length - 2;
  return `${base.slice(0, room).replace(/-+$/, '')}-${hash}-${suffix}`;
}

/**
 * The controller's id of the search: its name and the start of its uid, so a NASSearch deleted and created again
 * under the same name is a new search, and searches of the same name in two namespaces never meet.
 */
export function searchId(nas: NASSearch): string {
  return label(nas.metadata.name!, nas.metadata.uid!.replace(/-/g, '').slice(0, 8));
}

/** Name of the search's Deployment, Service or Job of a component, e.g. `cifar-search-evaluator`. */
export function childName(nas: NASSearch, component: Component): string {
  return label(nas.metadata.name!, component);
}

/** The reconcile-queue key of a NASSearch. */
export function searchKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}
