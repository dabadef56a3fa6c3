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
