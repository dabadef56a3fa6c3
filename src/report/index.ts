export { loadResults } from './load-results.js';
export { renderReport } from './render-report.js';
export type { ReportCandidate, ReportData, ReportFinal } from './types.js';
