export { createLatencyProfiler, LatencyProfiler, type LatencyProfilerOptions } from './profiler.js';
export { localHardwareProfile } from './hardware.js';
export { profilerLatencySource } from './profiler-source.js';
export { quantile, timeInference } from './measure.js';
export { DEFAULT_REPEATS, parseProfileOptions, type ProfileOptions } from './request.js';
export type { HardwareProfile, LatencyProfile, LatencyQuery, LatencySource, ProfileRequest } from './types.js';
