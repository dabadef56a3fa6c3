import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { finalistCount, parseSearchSpec, searchSpecSchema } from '../../src/spec/index.js';

const examples = new URL('../../deploy/examples/', import.meta.url);
const root = fileURLToPath(new URL('../../', import.meta.url));

const base = `apiVersion: nasmesh.io/v1alpha1
kind: NASSearch
metadata: {name: t}
`;
const rejects = (spec: string, pattern: RegExp) =>
  assert.throws(
    () => parseSearchSpec(base + spec, 'doc.yaml'),
    (e: unknown) => {
      assert.match((e as Error).message, pattern);
      return true;
    },
  );

describe('NASSearch spec', () => {
  const files = readdirSync(examples).filter((f) => f.endsWith('.yaml'));

  it('ships one example per space, and each validates', () => {
    const spaces = files.map((f) => parseSearchSpec(readFileSync(new URL(f, examples), 'utf8'), f).spec.space.name);
    assert.deepEqual([...new Set(spaces)].sort(), ['enas-macro', 'enas-micro', 'mnas', 'nb201']);
  });

  it('fills defaults from the owning modules', () => {
    const spec = parseSearchSpec(
      base +
        'spec: {space: {name: enas-micro}, strategy: {name: ppo}, evaluation: {mode: benchmark, table: t.csv}, budget: {candidates: 5}}',
    ).spec;
    assert.equal(spec.space.name === 'enas-micro' && spec.space.blocks, 5);
    assert.deepEqual(spec.reward, { objective: 'accuracy' });
    assert.equal(spec.seed, 0);
  });

  it('names the field path and the allowed values in errors', () => {
    const ok = 'evaluation: {mode: benchmark, table: t.csv}, budget: {candidates: 5}';
    rejects(`spec: {space: {name: nb201}, strategy: {name: ppo, clip: 3}, ${ok}}`, /doc\.yaml: spec\.strategy\.clip/);
    rejects(
      `spec: {space: {name: nb201}, strategy: {name: magic}, ${ok}}`,
      /spec\.strategy\.name.*allowed: random, evolution, nsga2, reinforce, ppo, qlearning/,
    );
    rejects(`spec: {space: {name: enas-micro, ops: [conv_9x9]}, strategy: {name: ppo}, ${ok}}`, /spec\.space\.ops\.0.*sep_conv_3x3/);
    rejects(
      `spec: {space: {name: nb201}, strategy: {name: ppo}, evaluation: {mode: standalone}, budget: {candidates: 5}}`,
      /spec\.dataset: required for evaluation mode standalone/,
    );
    rejects(
      `spec: {space: {name: nb201}, strategy: {name: ppo}, evaluation: {mode: training}, budget: {candidates: 5}}`,
      /spec\.evaluation\.mode/,
    );
    rejects(
      `spec: {space: {name: nb201}, strategy: {name: ppo}, ${ok}, reward: {objective: mnas, targetLatencyMs: 5, mode: medium}}`,
      /spec\.reward\.mode.*soft, hard/,
    );
    rejects(`spec: {space: {name: nb201}, strategy: {name: ppo}, evaluation: {mode: benchmark, table: t.csv}}`, /spec\.budget/);
    assert.throws(() => parseSearchSpec(base.replace('name: t', 'name: My_Search') + `spec: {}`), /metadata\.name.*DNS-1123/);
    assert.throws(() => parseSearchSpec('kind: [unclosed', 'bad.yaml'), /bad\.yaml: not valid YAML/);
  });

  it('final: finalists default to 4 for weight sharing and to none for standalone, and must be at least topK', () => {
    const search = (evaluation: string, final: string) =>
      base +
      `spec: {dataset: {name: mnist}, space: {name: enas-micro}, strategy: {name: reinforce}, evaluation: ${evaluation}, budget: {candidates: 4}, final: ${final}}`;
    const ws = '{mode: weight-sharing, epochs: 2, controllerStepsPerEpoch: 2}';
    const parsed = parseSearchSpec(search(ws, '{topK: 2}')).spec;
    const final = parsed.final!;
    assert.equal(finalistCount(parsed), 4);
    assert.deepEqual(final.finalistTraining, { epochs: 1, batchSize: 64, learningRate: 0.003 });
    rejects(search(ws, '{topK: 5}').slice(base.length), /spec\.final\.finalists: must be at least final\.topK \(5\)/);
    rejects(search(ws, '{finalists: 2, finalistTraining: {epochs: 0}}').slice(base.length), /spec\.final\.finalistTraining\.epochs/);
    rejects(search(ws, '{finalists: 101}').slice(base.length), /spec\.final\.finalists: must be at most 100/);
    // Standalone searches have none unless asked for: their reward already is a standalone training.
    const standalone = parseSearchSpec(search('{mode: standalone}', '{topK: 5}')).spec;
    assert.equal(standalone.final!.topK, 5);
    assert.equal(finalistCount(standalone), 0);
    assert.equal(finalistCount(parseSearchSpec(search('{mode: standalone}', '{topK: 2, finalists: 3}')).spec), 3);
    rejects(
      search('{mode: standalone}', '{topK: 5, finalists: 3}').slice(base.length),
      /spec\.final\.finalists: must be at least final\.topK \(5\)/,
    );
  });

  it('weight sharing: uniformEpochs defaults to 0 and is at most evaluation.epochs', () => {
    const search = (evaluation: string) =>
      `spec: {dataset: {name: mnist}, space: {name: enas-micro}, strategy: {name: reinforce}, evaluation: ${evaluation}, budget: {candidates: 4}}`;
    const evaluationOf = (evaluation: string) => parseSearchSpec(base + search(evaluation)).spec.evaluation;
    assert.equal(
      (evaluationOf('{mode: weight-sharing, epochs: 2, controllerStepsPerEpoch: 2}') as { uniformEpochs: number }).uniformEpochs,
      0,
    );
    assert.equal(
      (evaluationOf('{mode: weight-sharing, epochs: 2, controllerStepsPerEpoch: 2, uniformEpochs: 2}') as { uniformEpochs: number })
        .uniformEpochs,
      2,
    );
    rejects(
      search('{mode: weight-sharing, epochs: 2, controllerStepsPerEpoch: 2, uniformEpochs: 3}'),
      /spec\.evaluation\.uniformEpochs: must be at most evaluation\.epochs \(2\)/,
    );
    rejects(search('{mode: standalone, uniformEpochs: 1}'), /spec\.evaluation/);
  });

  it('has a JSON Schema generated from the same types', () => {
    const schema = z.toJSONSchema(searchSpecSchema, { io: 'input', unrepresentable: 'any' }) as unknown as {
      properties: { spec: { properties: Record<string, unknown>; required: string[] } };
    };
    assert.deepEqual(Object.keys(schema.properties.spec.properties).sort(), [
      'backend',
      'budget',
      'dataset',
      'evaluation',
      'final',
      'network',
      'reward',
      'seed',
      'space',
      'strategy',
      'workers',
    ]);
    assert.deepEqual(schema.properties.spec.required.sort(), ['budget', 'evaluation', 'space', 'strategy']);
  });

  it('`nasmesh validate` prints the resolved spec, and fails naming the file and field', () => {
    const run = (file: string) =>
      spawnSync(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'validate', file], { cwd: root, encoding: 'utf8' });
    const ok = run('deploy/examples/nb201-benchmark.yaml');
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /reward:\n\s+objective: accuracy/);
    const missing = run('deploy/examples/none.yaml');
    assert.notEqual(missing.status, 0);
    assert.match(missing.stderr, /none\.yaml: cannot read search spec/);
    assert.doesNotMatch(missing.stderr, /\n\s+at /);
  });
});
