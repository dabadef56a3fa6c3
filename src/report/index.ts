export { loadResults } from './load-results.js';
export { renderReport } from './render-report.js';
export type { ReportCandidate, ReportData, ReportFinal, ReportFinalist } from './types.js';
