import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { summaryLines } from '../../cli/summary-lines.js';
import type { CandidateRecord, FinalResult, SearchSummary } from '../../src/search/types.js';

const architecture = (arch: string) => ({ space: 'enas-micro' as const, arch, decisions: {} });

const candidate: CandidateRecord = {
  index: 41,
  architecture: architecture('|searched-best|'),
  hash: 'h',
  reward: 0.5703,
  accuracy: 0.5703,
  params: 90_000,
  flops: 2_000_000,
  seconds: 0.5,
};
const retrained = (arch: string, testAccuracy: number): FinalResult => ({
  architecture: architecture(arch),
  testAccuracy,
  validationAccuracy: testAccuracy - 0.01,
  params: 152_090,
  flops: 4_811_776,
  epochs: 3,
  seconds: 360,
});
const baseline = (testAccuracy: number): FinalResult => ({
  architecture: { baseline: 'resnet-small', sizedToParams: 152_090, widthMultiplier: 1.9, channels: [30, 61, 122] },
  testAccuracy,
  validationAccuracy: testAccuracy,
  params: 151_146,
  flops: 5_000_000,
  epochs: 3,
  seconds: 120,
});
const summary = (fields: Partial<SearchSummary>): SearchSummary => ({
  search: 's',
  seed: 1,
  durationSeconds: 812.25,
  machine: { backend: 'wasm', cpu: 'x', cores: 2, platform: 'linux-x64', node: 'v20' },
  candidates: 80,
  bestCandidate: candidate,
  best: null,
  ...fields,
});

describe("nasmesh run's closing lines", () => {
  it('name the network retrained where it is not the best candidate, and set it against the baseline', () => {
    const lines = summaryLines(
      summary({
        best: retrained('|finalists-pick|', 0.9263),
        baseline: baseline(0.9233),
        kendallTau: { deriveVsShortTraining: 0.4667 },
      }),
    );
    assert.deepEqual(lines, [
      '80 candidates in 812.3 s',
      'best candidate: |searched-best| (reward 0.5703, accuracy 57.03 %)',
      'retrained: |finalists-pick|',
      'best, retrained: test accuracy 92.63 %, 152090 params, 4811776 MACs',
      'baseline resnet-small: test accuracy 92.33 %, 151146 params, 5000000 MACs',
      'retrained best against the baseline: +0.30 points of test accuracy',
      'Kendall τ over the finalists: derive against short training 0.47',
    ]);
  });

  it('say a loss with its sign and a tie without one, and every τ computed, undefined ones too', () => {
    const lost = summaryLines(summary({ best: retrained('|searched-best|', 0.9243), baseline: baseline(0.9261) }));
    assert.equal(lost.includes('retrained: |searched-best|'), false, 'the best candidate itself is not named twice');
    assert.equal(lost.at(-1), 'retrained best against the baseline: -0.18 points of test accuracy');
    const tied = summaryLines(summary({ best: retrained('|a|', 0.92), baseline: baseline(0.92004) }));
    assert.equal(tied.at(-1), 'retrained best against the baseline: 0.00 points of test accuracy');
    const tau = summaryLines(
      summary({ kendallTau: { deriveVsShortTraining: null, deriveVsRetrained: -0.2, shortTrainingVsRetrained: 0.8667 } }),
    );
    assert.equal(
      tau.at(-1),
      'Kendall τ over the finalists: derive against short training undefined, derive against retrained -0.20, short training against retrained 0.87',
    );
    // A standalone search's finalists were ranked by its own reward.
    assert.equal(
      summaryLines(summary({ kendallTau: { deriveVsShortTraining: 0.5 } }), 'search reward').at(-1),
      'Kendall τ over the finalists: search reward against short training 0.50',
    );
  });

  it('without a final stage: the candidates and the best of them, with its latency where the reward measured it', () => {
    const lines = summaryLines(summary({ bestCandidate: { ...candidate, latencyMs: 3.456 } }));
    assert.deepEqual(lines, [
      '80 candidates in 812.3 s',
      'best candidate: |searched-best| (reward 0.5703, accuracy 57.03 %, latency 3.46 ms)',
    ]);
  });
});
