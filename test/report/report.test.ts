import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { reportCommand } from '../../cli/report-command.js';
import { loadResults, renderReport } from '../../src/report/index.js';
import { createSpace } from '../../src/space/registry.js';
import { NasmeshError } from '../../src/util/errors.js';
import { type FixtureCandidate, writeResults } from './results-fixture.js';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function report(opts: Parameters<typeof writeResults>[0]): string {
  const dir = writeResults(opts);
  dirs.push(dir);
  return renderReport(loadResults(dir));
}

/** Rewards that go up and down, so a running best differs from the rewards themselves. */
const REWARDS = [0.3, 0.5, 0.4, 0.45, 0.7, 0.2, 0.65, 0.72, 0.1, 0.71, 0.8, 0.5];
const candidates: FixtureCandidate[] = REWARDS.map((reward, i) => ({ reward, params: 1000 * (i + 1) }));
const stats = REWARDS.map((_, i) => ({ observed: i + 1, entropy: 9.6 - 0.5 * i, ...(i >= 9 && { baseline: 0.6 }) }));

const svgCount = (html: string) => html.match(/<svg[\s>]/g)?.length ?? 0;
/** The SVG group of the mark with this aria-description. */
const mark = (html: string, description: string) => {
  const m = new RegExp(`<g[^>]*aria-description="${description}"[^>]*>(.*?)</g>`, 's').exec(html);
  assert.ok(m, `no mark '${description}'`);
  return m[1]!;
};

describe('report.html', () => {
  it('has one SVG per plot, a summary table, and nothing external', () => {
    const html = report({ candidates, controller: stats });
    assert.equal(svgCount(html), 3);
    assert.match(html, /^<!doctype html>/);
    for (const external of [/<script/i, /\ssrc=/i, /\shref=/i, /<link/i, /@import/i, /url\(/i]) {
      assert.doesNotMatch(html, external);
    }
    assert.match(html, /<code>\|arch~10\|<\/code>/, 'the best candidate');
    assert.match(html, /<code>\|arch~best\|<\/code>: test accuracy 91\.23 %, 1,234 params, 56,789 FLOPs/);
    assert.match(html, /<code>resnet-small<\/code>: test accuracy 87\.65 %/);
    assert.match(html, /final controller entropy<\/th><td>4\.100 nats/);
  });

  it('draws the running best as a monotone staircase through each improvement', () => {
    const d = /<path d="([^"]+)"/.exec(mark(report({ candidates }), 'running best'))![1]!;
    const points = [...d.matchAll(/[ML]([-\d.e]+),([-\d.e]+)/g)].map((m) => [Number(m[1]), Number(m[2])] as const);
    assert.ok(points.length >= REWARDS.length);
    for (let i = 1; i < points.length; i++) {
      assert.ok(points[i]![0] >= points[i - 1]![0], 'x never goes back');
      assert.ok(points[i]![1] <= points[i - 1]![1], 'y never falls (SVG y grows downwards)');
    }
    // The best improves at 0.3, 0.5, 0.7, 0.72 and 0.8: five levels.
    assert.equal(new Set(points.map(([, y]) => y)).size, 5);
    assert.equal((mark(report({ candidates }), 'rewards').match(/<circle/g) ?? []).length, REWARDS.length);
  });

  it('still renders without controller.jsonl, saying why there is no entropy plot', () => {
    const html = report({ candidates });
    assert.equal(svgCount(html), 2);
    assert.match(html, /no controller\.jsonl/);
  });

  it('says a strategy without a policy has no entropy', () => {
    const html = report({ candidates, strategy: 'random', controller: REWARDS.map((_, i) => ({ observed: i + 1 })) });
    assert.equal(svgCount(html), 2);
    assert.match(html, /random strategy has no learned policy/);
  });

  it('highlights the Pareto front over parameters, or latency where measured, and names the axis', () => {
    // (params, accuracy): the front is (1000, 0.5), (2000, 0.7), (4000, 0.9); the others are dominated.
    const pareto: FixtureCandidate[] = [
      { params: 1000, reward: 0.5 },
      { params: 2000, reward: 0.7 },
      { params: 1500, reward: 0.4 },
      { params: 3000, reward: 0.65 },
      { params: 4000, reward: 0.9 },
      { params: 500, reward: 0, diverged: 'NaN loss' },
    ];
    const byParams = report({ candidates: pareto });
    assert.equal((mark(byParams, 'pareto front').match(/<circle/g) ?? []).length, 3);
    assert.equal((mark(byParams, 'all points').match(/<circle/g) ?? []).length, 5, 'diverged left out');
    assert.match(byParams, /parameters/);
    assert.match(byParams, /latency was not measured/);
    assert.match(byParams, /Validation accuracy against/);
    // Weight sharing's accuracies are the shared weights' (their parameter counts are computed, not trained).
    const shared = report({ candidates: pareto, evaluation: { mode: 'weight-sharing', epochs: 1 } });
    assert.match(shared, /Shared-weight validation accuracy against parameter count/);
    assert.equal((mark(shared, 'pareto front').match(/<circle/g) ?? []).length, 3);

    const byLatency = report({ candidates: pareto.map((c, i) => ({ ...c, latencyMs: 10 - i })) });
    assert.match(byLatency, /latency \(ms\)/);
    assert.doesNotMatch(byLatency, /latency was not measured/);
    // Only accuracy and latency count now: 0.9 at 6 ms, the fastest, is more accurate than every slower candidate.
    assert.equal((mark(byLatency, 'pareto front').match(/<circle/g) ?? []).length, 1);
  });

  it('says so when the candidates have no cost to plot (benchmark look-ups)', () => {
    const html = report({ candidates: REWARDS.map((reward) => ({ reward })), controller: stats });
    assert.equal(svgCount(html), 2);
    assert.match(html, /No cost to plot accuracy against/);
  });

  it('names the machine the results were computed on, where summary.json records it', () => {
    const machine = {
      backend: 'tensorflow',
      backendPackage: '@tensorflow/tfjs-node',
      intraOpThreads: 1,
      cpu: 'AMD EPYC <9654>',
      cpuModelId: 'family 25, model 17',
      cpuExtensions: ['avx2', 'fma', 'avx512f'],
      cores: 2,
      platform: 'linux-x64',
      node: 'v20.19.2',
    };
    const row = /<tr><th>machine<\/th><td>(.*?)<\/td><\/tr>/.exec(report({ candidates, summaryFields: { machine } }));
    assert.equal(
      row?.[1],
      'tensorflow (@tensorflow/tfjs-node, 1 intra-op thread) on AMD EPYC &#60;9654&#62; (family 25, model 17), 2 cores, linux-x64 (avx2 fma avx512f), Node v20.19.2',
    );
    const { cpuModelId: _, ...withoutId } = machine;
    assert.match(report({ candidates, summaryFields: { machine: withoutId } }), /on AMD EPYC &#60;9654&#62;, 2 cores/);
    const gpuPackage = { ...machine, backendPackage: '@tensorflow/tfjs-node-gpu' };
    assert.match(report({ candidates, summaryFields: { machine: { ...gpuPackage, gpu: false } } }), /tfjs-node-gpu, no GPU found, 1 intra/);
    assert.match(report({ candidates, summaryFields: { machine: { ...gpuPackage, gpu: true } } }), /tfjs-node-gpu, GPU, 1 intra/);
    assert.doesNotMatch(report({ candidates }), /<th>machine<\/th>/, 'older results, without the record');
  });

  it('renders an unfinished search (no summary.json)', () => {
    const html = report({ candidates, summary: false });
    assert.match(html, /unfinished \(no summary\.json\)/);
  });
});

describe('report.html of an enas-micro search', () => {
  const space = createSpace({ name: 'enas-micro', blocks: 2, ops: ['sep_conv_3x3', 'max_pool_3x3', 'identity'] });
  // Per block: input1, input2, op1, op2. Normal: block 0 = sep(h[i-1]) + identity(h[i-2]); block 1 = max(block 0) +
  // sep(block 0), so only block 1 is concatenated. Reduction: block 0 = max(h[i-2]) + max(h[i-2]); block 1 =
  // identity(h[i-1]) + sep(h[i-2]); both concatenated.
  const arch = space.encode([1, 0, 0, 2, 2, 2, 1, 0, 0, 0, 1, 1, 1, 0, 2, 0]);
  const html = report({
    candidates,
    space: { name: 'enas-micro', blocks: 2, ops: ['sep_conv_3x3', 'max_pool_3x3', 'identity'] },
    evaluation: { mode: 'weight-sharing', epochs: 1 },
    bestArch: arch,
    summaryFields: {
      finalists: [
        {
          architecture: { arch },
          deriveReward: 0.41,
          shortTrainingAccuracy: 0.83,
          params: 1234,
          flops: 1,
          retrained: { validationAccuracy: 0.9, testAccuracy: 0.9123 },
        },
        { architecture: { arch: 'other' }, deriveReward: 0.52, shortTrainingAccuracy: 0.8, params: 900, flops: 1 },
      ],
      kendallTau: { deriveVsShortTraining: -1 },
    },
  });
  /** The edges of the SVG with this aria-label, as "from -op-> to". */
  const edges = (label: string) => {
    const svg = new RegExp(`<svg[^>]*aria-label="${label}"[^>]*>(.*?)</svg>`, 's').exec(html);
    assert.ok(svg, `no SVG '${label}'`);
    return [...svg[1]!.matchAll(/<g class="edge" data-from="([^"]+)" data-to="([^"]+)" data-op="([^"]+)">/g)]
      .map(([, from, to, op]) => `${from} -${op}-> ${to}`)
      .sort();
  };

  it('draws each found cell as a graph: an edge per op into its block, the unread blocks into the output', () => {
    assert.equal(html.match(/<svg[^>]*class="cell-graph"/g)?.length, 2, 'one graph per cell type');
    assert.deepEqual(edges('normal cell'), [
      'block 0 -max_pool_3x3-> block 1',
      'block 0 -sep_conv_3x3-> block 1',
      'block 1 -concat-> h[i]',
      'h[i-1] -sep_conv_3x3-> block 0',
      'h[i-2] -identity-> block 0',
    ]);
    assert.deepEqual(edges('reduction cell'), [
      'block 0 -concat-> h[i]',
      'block 1 -concat-> h[i]',
      'h[i-1] -identity-> block 1',
      'h[i-2] -max_pool_3x3-> block 0',
      'h[i-2] -max_pool_3x3-> block 0',
      'h[i-2] -sep_conv_3x3-> block 1',
    ]);
    // Two ops on the same input and block are drawn apart, not on top of each other.
    const paths = [...html.matchAll(/data-from="h\[i-2\]" data-to="block 0" data-op="max_pool_3x3"><path d="([^"]+)"/g)].map((m) => m[1]);
    assert.equal(new Set(paths).size, 2);
    assert.ok(html.indexOf(`<code>${arch}</code>`) > 0, 'the architecture drawn is named');
  });

  it('sets the searched cell beside the baseline, with the finalists and Kendall τ', () => {
    const section = /<h2>Final stage<\/h2>(.*?)<\/section>/s.exec(html)![1]!;
    assert.match(section, /<th>searched cell, retrained<\/th><th>baseline resnet-small, sized to it<\/th>/);
    assert.match(section, /<td>test accuracy<\/td><td>91\.23 %<\/td><td>87\.65 %<\/td>/);
    assert.match(section, /1<\/span> \(exported\)<\/td><td>0\.4100<\/td><td>83\.00 %<\/td><td>91\.23 %<\/td>/);
    assert.match(section, /2<\/span><\/td><td>0\.5200<\/td>/);
    assert.match(section, /derive reward vs short training, over the finalists <b>-1\.000<\/b>/);
  });

  it("names a standalone search's own reward as what ranked its finalists", () => {
    const standalone = report({ candidates, bestArch: arch, summaryFields: { finalists: [], kendallTau: { deriveVsShortTraining: 0.5 } } });
    assert.match(standalone, /<th>search reward<\/th>/);
    assert.match(standalone, /search reward vs short training, over the finalists <b>0\.500<\/b>/);
  });

  it('draws no cells for spaces without them', () => {
    assert.doesNotMatch(report({ candidates }), /class="cell-graph"/);
  });
});

describe('nasmesh report', () => {
  it('writes <results-dir>/report.html, or --out', async () => {
    const dir = writeResults({ candidates, controller: stats });
    dirs.push(dir);
    await reportCommand().parseAsync([dir], { from: 'user' });
    assert.equal(svgCount(readFileSync(join(dir, 'report.html'), 'utf8')), 3);
    const out = join(dir, 'elsewhere.html');
    await reportCommand().parseAsync([dir, '--out', out], { from: 'user' });
    assert.ok(existsSync(out));
  });

  it('fails with a user-facing error for a directory that is not a results directory', async () => {
    await assert.rejects(reportCommand().parseAsync(['/nonexistent/results'], { from: 'user' }), NasmeshError);
  });
});
