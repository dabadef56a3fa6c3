export { createRegistry } from './registry.js';
export { ControllerMetrics } from './controller-metrics.js';
export { EvaluatorMetrics, type EvaluationMode } from './evaluator-metrics.js';
export { SupernetMetrics } from './supernet-metrics.js';
export { ProfilerMetrics } from './profiler-metrics.js';
export { OperatorMetrics } from './operator-metrics.js';
export { serveMetrics, type MetricsServer } from './metrics-server.js';
