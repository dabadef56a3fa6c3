/** A point of the accuracy–latency plane: accuracy is maximised, latency minimised. */
export interface AccuracyLatency {
  readonly accuracy: number;
  readonly latency: number;
}

/**
 * The area the points dominate, bounded by the reference point (an accuracy no better and a latency no better than
 * every point's): the hypervolume indicator of their front in two objectives. Sorted by latency, each point on the
 * front adds the strip between its accuracy and the previous front point's.
 */
export function hypervolume(points: Iterable<AccuracyLatency>, reference: AccuracyLatency): number {
  const sorted = [...points]
    .filter((p) => p.accuracy > reference.accuracy && p.latency < reference.latency)
    .sort((a, b) => a.latency - b.latency || b.accuracy - a.accuracy);
  let volume = 0;
  let floor = reference.accuracy;
  for (const p of sorted) {
    if (p.accuracy <= floor) continue;
    volume += (reference.latency - p.latency) * (p.accuracy - floor);
    floor = p.accuracy;
  }
  return volume;
}
