import { arch, availableParallelism, cpus } from 'node:os';
import type { HardwareProfile } from './types.js';

/** This machine as a hardware profile; the default name says what the latency depends on most. */
export function localHardwareProfile(backend: string, name?: string): HardwareProfile {
  const cores = availableParallelism();
  return {
    name: name ?? `${arch()}-${backend}-${cores}cpu`,
    backend,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    cpus: cores,
  };
}
