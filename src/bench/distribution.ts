/** A sample's summary: what a table of repeated measurements (random cells, seeds) reports. */
export interface Distribution {
  n: number;
  mean: number;
  /** Sample standard deviation (n − 1); 0 for one value. */
  std: number;
  min: number;
  /** Quartiles by linear interpolation between order statistics (R's type 7, NumPy's default). */
  q1: number;
  median: number;
  q3: number;
  max: number;
}

export function describeDistribution(values: readonly number[]): Distribution {
  if (values.length === 0) throw new RangeError('describeDistribution: no values');
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const mean = sorted.reduce((a, b) => a + b, 0) / n;
  const variance = n > 1 ? sorted.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1) : 0;
  const quantile = (q: number) => {
    const at = q * (n - 1);
    const low = Math.floor(at);
    const high = Math.min(n - 1, low + 1);
    return sorted[low]! + (at - low) * (sorted[high]! - sorted[low]!);
  };
  return {
    n,
    mean,
    std: Math.sqrt(variance),
    min: sorted[0]!,
    q1: quantile(0.25),
    median: quantile(0.5),
    q3: quantile(0.75),
    max: sorted[n - 1]!,
  };
}

/** Where `value` falls among `values`, 0 to 100: the share below it, ties counting half. */
export function percentileAmong(value: number, values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('percentileAmong: no values');
  const below = values.filter((v) => v < value).length;
  const ties = values.filter((v) => v === value).length;
  return (100 * (below + ties / 2)) / values.length;
}
