import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { nasSearchCrdYaml } from '../src/spec/crd.js';
import { specReferenceMarkdown } from '../src/spec/reference.js';
import { nasmeshDashboard } from './grafana/dashboard.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const read = (path: string) => () => readFileSync(`${ROOT}${path}`, 'utf8');

/** The alert and recording rules: written by hand here, copied into the chart. */
const RULES = 'deploy/prometheus/nasmesh.rules.yaml';

/**
 * Every checked-in file that is generated from another source, with its content: `make generate` writes them and
 * test/deploy/generated.test.ts fails when one is stale. The chart gets copies because Helm reads only files inside
 * the chart.
 */
export const GENERATED_FILES: readonly { readonly path: string; readonly content: () => string }[] = [
  { path: 'deploy/crds/nassearches.nasmesh.io.yaml', content: nasSearchCrdYaml },
  { path: 'helm/nasmesh/crds/nassearches.nasmesh.io.yaml', content: nasSearchCrdYaml },
  { path: 'docs/spec-reference.md', content: specReferenceMarkdown },
  { path: 'deploy/grafana/nasmesh.json', content: dashboardJson },
  { path: 'helm/nasmesh/files/nasmesh-dashboard.json', content: dashboardJson },
  { path: 'helm/nasmesh/files/nasmesh.rules.yaml', content: read(RULES) },
];

function dashboardJson(): string {
  return `${JSON.stringify(nasmeshDashboard(), null, 2)}\n`;
}
