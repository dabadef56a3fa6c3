import { createHash } from 'node:crypto';
import type { KubernetesObject } from '@kubernetes/client-node';

/** Hash of what the operator last applied to an object: equal means nothing to do. */
export const DESIRED_ANNOTATION = 'nasmesh.io/desired-hash';

export function desiredHash(desired: KubernetesObject): string {
  return createHash('sha256').update(stableJson(desired)).digest('hex').slice(0, 16);
}

/**
 * Whether a desired object must be applied: it changed since the last apply, or someone changed the live one by hand
 * since (`kubectl scale` keeps the annotation). An object the operator does not cache (a Secret: it may not read
 * them) is judged by the hash it remembers applying. A Job's template cannot change once created, so a Job is not
 * compared.
 */
export function mustApply(
  desired: KubernetesObject,
  hash: string,
  seen: { readonly live: KubernetesObject | undefined } | { readonly lastApplied: string | undefined },
): boolean {
  if ('lastApplied' in seen) return seen.lastApplied !== hash;
  const { live } = seen;
  if (live?.metadata?.annotations?.[DESIRED_ANNOTATION] !== hash) return true;
  return desired.kind !== 'Job' && !holdsDesired((live as { spec?: unknown }).spec, (desired as { spec?: unknown }).spec);
}

/**
 * Whether a live object still holds every value its desired object sets. The API server adds defaults (a port's
 * protocol, a Deployment's strategy), which do not count; a value someone changed by hand (`kubectl scale`,
 * `kubectl edit`, `kubectl set image`) does, and the operator applies its own again.
 */
export function holdsDesired(live: unknown, desired: unknown): boolean {
  // The API server omits empty values (Go's omitempty): an empty list or object, '', 0 or false set is one not there.
  if (live === undefined && isEmpty(desired)) return true;
  if (Array.isArray(desired)) {
    return Array.isArray(live) && live.length === desired.length && desired.every((d, i) => holdsDesired(live[i], d));
  }
  if (desired !== null && typeof desired === 'object') {
    if (live === null || typeof live !== 'object' || Array.isArray(live)) return false;
    return Object.entries(desired).every(
      // Quantities come back in the API server's canonical form ("0.5" as "500m"): the hash covers them.
      ([key, value]) => value === undefined || key === 'resources' || holdsDesired((live as Record<string, unknown>)[key], value),
    );
  }
  return live === desired;
}

function isEmpty(value: unknown): boolean {
  if (Array.isArray(value)) return value.length === 0;
  if (value !== null && typeof value === 'object') return Object.values(value).every((v) => v === undefined);
  return value === '' || value === 0 || value === false;
}

/** JSON with object keys sorted: equal values give equal text. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
}
