import type * as TF from '@tensorflow/tfjs';

export interface KernelTime {
  kernel: string;
  ms: number;
  calls: number;
}

/** The `n` kernels that took longest in a tf.profile, their times and calls summed by name. */
export function topKernels(info: Awaited<ReturnType<typeof TF.profile>>, n = 12): KernelTime[] {
  const byKernel = new Map<string, { ms: number; calls: number }>();
  // Kernels named `…__op` wrap the kernels they call (counted on their own), so they are skipped.
  for (const k of info.kernels.filter((k) => !k.name.endsWith('__op'))) {
    const e = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
    e.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    e.calls += 1;
    byKernel.set(k.name, e);
  }
  return [...byKernel.entries()]
    .map(([kernel, e]) => ({ kernel, ms: Math.round(e.ms * 100) / 100, calls: e.calls }))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, n);
}
