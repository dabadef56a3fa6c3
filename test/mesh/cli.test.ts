import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import type { CandidateRecord, SearchSummary } from '../../src/search/types.js';
import { bestCandidate } from '../../services/controller/search-message.js';
import { NatsServer, skipWithoutNatsServer } from '../support/nats-server.js';
import { benchmarkSearch, nasmesh, nasmeshWithEnv, ServiceProcess } from './mesh.js';
import { writeSyntheticNb201Table } from './synthetic-table.js';

/** `nasmesh submit|status|watch|cancel|pareto|results` against a controller process, and `nasmesh final`. */
describe('nasmesh search commands', { skip: skipWithoutNatsServer, timeout: 300_000 }, () => {
  let dir: string;
  let nats: NatsServer;
  const services: ServiceProcess[] = [];
  let controller: string;
  let table: string;
  /** A search file; `edit` may break what the (valid) search says, as a user's typo would. */
  const file = (name: string, candidates: number, edit: (s: { spec: Record<string, unknown> }) => void = () => {}) => {
    const search = JSON.parse(JSON.stringify(benchmarkSearch(name, table, candidates)));
    edit(search);
    const path = join(dir, `${name}.yaml`);
    writeFileSync(path, stringify(search));
    return path;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nasmesh-cli-'));
    table = writeSyntheticNb201Table(dir);
    nats = await NatsServer.start();
    const c = await ServiceProcess.start('controller', nats.url);
    services.push(c, await ServiceProcess.start('evaluator', nats.url, [], { evaluationDelayMs: 100 }));
    controller = c.address;
  });
  after(async () => {
    await Promise.all(services.map((s) => s.kill()));
    await nats.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('submits and watches a search to its end, then reports its status and Pareto front', async () => {
    const submitted = await nasmesh('submit', file('cli-done', 5), '--watch', '--controller', controller);
    assert.equal(submitted.code, 0, submitted.stderr);
    const lines = submitted.stdout.trim().split('\n');
    assert.match(lines[0]!, /^cli-done (pending|running)$/);
    assert.equal(lines.filter((l) => / evaluated #\d+ /.test(l)).length, 5);
    assert.match(lines.at(-1)!, / finished succeeded with 5 candidates, best \d\.\d{4}$/);

    // Without --controller, $NASMESH_CONTROLLER names it.
    const status = await nasmeshWithEnv({ NASMESH_CONTROLLER: controller }, 'status', 'cli-done');
    assert.match(status.stdout, /^cli-done\tsucceeded\t5\/5 best \d\.\d{4} \(#\d+ \|/);
    const pareto = await nasmesh('pareto', 'cli-done', '--controller', controller);
    const rows = pareto.stdout.trim().split('\n');
    assert.deepEqual(rows[0]!.split('\t'), ['index', 'accuracy', 'params', 'reward', 'architecture']);
    assert.ok(rows.length >= 2, pareto.stdout);

    // Its results: the candidates, then what the final stage stores (a spec without `final` still gets a ranking and
    // a summary).
    const out = join(dir, 'cli-done-results');
    const before = await nasmesh('results', 'cli-done', '--out', out, '--controller', controller);
    assert.equal(before.code, 0, before.stderr);
    assert.deepEqual(readdirSync(out), ['candidates.jsonl']);
    const candidates = readFileSync(join(out, 'candidates.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as CandidateRecord);
    assert.deepEqual(
      candidates.map((c) => c.index),
      [0, 1, 2, 3, 4],
    );
    const final = await nasmesh('final', 'cli-done', '--nats', nats.url);
    assert.equal(final.code, 0, final.stderr);
    const after = await nasmesh('results', 'cli-done', '--out', out, '--controller', controller);
    assert.equal(after.code, 0, after.stderr);
    assert.deepEqual(readdirSync(out).sort(), ['best-architectures.json', 'candidates.jsonl', 'summary.json']);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as SearchSummary;
    assert.equal(summary.candidates, 5);
    assert.deepEqual(summary.bestCandidate, bestCandidate(candidates));
    assert.equal(summary.best, null);
    assert.match(after.stdout, /^3 files, \d+ bytes in /m);
  });

  it('cancels a running search, which keeps what it evaluated', async () => {
    assert.equal((await nasmesh('submit', file('cli-cancel', 200), '--controller', controller)).code, 0);
    await new Promise((r) => setTimeout(r, 1500));
    const cancelled = await nasmesh('cancel', 'cli-cancel', '--controller', controller);
    assert.equal(cancelled.code, 0, cancelled.stderr);
    const [, phase, progress] = cancelled.stdout.trim().split('\t');
    assert.equal(phase, 'cancelled');
    const done = Number(progress!.split('/')[0]);
    assert.ok(done > 0 && done < 200, progress);
    const watched = await nasmesh('watch', 'cli-cancel', '--controller', controller);
    assert.match(watched.stdout.trim().split('\n').at(-1)!, new RegExp(` finished cancelled with ${done} candidates`));
    const again = await nasmesh('cancel', 'cli-cancel', '--controller', controller);
    assert.equal(again.stdout, cancelled.stdout, 'cancelling an ended search changes nothing');
  });

  it('reports what the controller refuses, naming the field, with exit code 2', async () => {
    const bad = await nasmesh(
      'submit',
      file('cli-bad', 5, (s) => (s.spec.budget = { candidates: -1 })),
      '--controller',
      controller,
    );
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^nasmesh: INVALID_ARGUMENT: spec\.budget\.candidates: /);
    const missing = await nasmesh('status', 'absent', '--controller', controller);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /NOT_FOUND: no search absent/);
    const noWatch = await nasmesh('watch', 'absent', '--controller', controller);
    assert.equal(noWatch.code, 2);
    assert.match(noWatch.stderr, /NOT_FOUND: no search absent/);
    const noResults = await nasmesh('results', 'absent', '--out', join(dir, 'absent'), '--controller', controller);
    assert.equal(noResults.code, 2);
    assert.match(noResults.stderr, /NOT_FOUND: no search absent/);
    const noFinal = await nasmesh('final', 'absent', '--nats', nats.url);
    assert.equal(noFinal.code, 2);
    assert.match(noFinal.stderr, /^nasmesh: no search absent in the store/);
  });
});
