import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { initBackend } from '../../src/tf/backend.js';
import { runSoak } from '../../bench/soak-run.js';
import { skipWithoutNatsServer } from '../support/nats-server.js';

/**
 * The short version of `npm run bench:soak` (bench/soak.ts): concurrent searches while the controller, an evaluator
 * and the nats-server are killed and restarted (one of each first, then at random), all secured. It checks what the
 * soak must show, not how fast: every search ends succeeded with the embedded run's candidates, none lost or
 * announced twice.
 */
describe('soak: concurrent searches through kills of every process', { skip: skipWithoutNatsServer, timeout: 600_000 }, () => {
  it('loses, duplicates and changes no candidate, and every search ends', async (t) => {
    await initBackend();
    const report = await runSoak({
      seconds: 40,
      concurrency: 6,
      evaluators: 2,
      candidates: 8,
      chaosEverySeconds: 8,
      seed: 3,
      secure: true,
      drainSeconds: 180,
      log: (line) => t.diagnostic(line),
    });
    const { rss, ...summary } = report;
    t.diagnostic(JSON.stringify(summary));
    assert.ok(report.searches >= 6, `only ${report.searches} searches`);
    assert.ok(
      report.killsByTarget.controller >= 1 && report.killsByTarget.evaluator >= 1 && report.killsByTarget['nats-server'] >= 1,
      JSON.stringify(report.killsByTarget),
    );
    assert.deepEqual(
      { lost: report.lost, duplicated: report.duplicated, mismatched: report.mismatched, failedSearches: report.failedSearches },
      { lost: 0, duplicated: 0, mismatched: 0, failedSearches: 0 },
    );
    assert.equal(report.candidates, report.searches * 8);
    assert.ok(rss.length > 0);
  });
});
