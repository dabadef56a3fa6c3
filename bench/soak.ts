/**
 * Load and chaos soak of the mesh (issue 12): many concurrent benchmark searches on a controller and 4 evaluators
 * while a seeded chaos loop kills (SIGKILL or SIGTERM) and restarts evaluators, the controller and the nats-server;
 * then every search is let finish and checked against the same search run embedded, candidate by candidate, in the
 * store and in the events stream. Runs secured (TLS, client certificates, tokens, NATS credentials) unless
 * --plaintext. A script, not a timed test: test/mesh/soak.test.ts runs a short one in `make test`.
 *
 * Run: npm run bench:soak -- [--minutes 10] [--json out.json] [--concurrency 20] [--evaluators 4] [--candidates 20]
 *      [--chaos-every 10] [--seed 1] [--plaintext]
 *
 * The JSON: {searches, candidates, kills, lost, duplicated, rssStartMb, rssEndMb, p99CreateSearchMs,
 * p99GetSearchMs} and the details (mismatched, failedSearches, p50s, kills by target, RSS samples every 5 s).
 * rssStartMb/rssEndMb are the controller's and the evaluators' resident memory together (median over the first
 * minute after warm-up and over the chaos phase's last minute); the first evaluator is never killed, so its own
 * start and end (witnessEvaluatorRss*) show one process's memory over the whole run; the nats-server's is reported
 * apart, since it holds every search's records and grows with them by design.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { initBackend } from '../src/tf/backend.js';
import { runSoak } from './soak-run.js';

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    json: { type: 'string' },
    concurrency: { type: 'string', default: '20' },
    evaluators: { type: 'string', default: '4' },
    candidates: { type: 'string', default: '20' },
    'chaos-every': { type: 'string', default: '10' },
    seed: { type: 'string', default: '1' },
    plaintext: { type: 'boolean', default: false },
  },
});

// Stopped early, the processes it started are stopped too (their 'exit' handlers run on process.exit).
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(130));

// The first evaluator is never killed (it is the witness of a process's memory over time): chaos needs a second.
if (!(Number(args.evaluators) >= 2)) {
  console.error(`--evaluators must be at least 2, not ${args.evaluators}: the first is never killed`);
  process.exit(2);
}
await initBackend();
const report = await runSoak({
  seconds: Number(args.minutes) * 60,
  concurrency: Number(args.concurrency),
  evaluators: Number(args.evaluators),
  candidates: Number(args.candidates),
  chaosEverySeconds: Number(args['chaos-every']),
  seed: Number(args.seed),
  secure: !args.plaintext,
  drainSeconds: 300,
  log: (line) => console.error(line),
});
const { rss: _rss, ...summary } = report;
console.log(JSON.stringify(summary, null, 2));
if (args.json) writeFileSync(args.json, `${JSON.stringify(report, null, 2)}\n`);
process.exit(report.lost === 0 && report.duplicated === 0 && report.mismatched === 0 && report.failedSearches === 0 ? 0 : 1);
