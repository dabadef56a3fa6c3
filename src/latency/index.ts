export { createLatencyProfiler, LatencyProfiler, type LatencyProfilerOptions } from './profiler.js';
export { localHardwareProfile } from './hardware.js';
export { quantile, timeInference } from './measure.js';
export { DEFAULT_REPEATS, parseProfileOptions, type ProfileOptions } from './request.js';
export type { HardwareProfile, LatencyProfile, ProfileRequest } from './types.js';
