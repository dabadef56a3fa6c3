import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSearchSpec } from '../../src/spec/index.js';

const spec = (dataset: string, reward: string) => `apiVersion: nasmesh.io/v1alpha1
kind: NASSearch
metadata: {name: t}
spec: {${dataset}space: {name: nb201}, strategy: {name: ppo}, evaluation: {mode: benchmark, table: t.csv}, budget: {candidates: 5}, reward: ${reward}}
`;
const rejects = (text: string, pattern: RegExp) =>
  assert.throws(
    () => parseSearchSpec(text, 'doc.yaml'),
    (e: unknown) => pattern.test((e as Error).message),
  );

describe('spec.reward for measured latency', () => {
  it('an mnas reward needs spec.dataset, whose input the latency is measured for', () => {
    rejects(spec('', '{objective: mnas, targetLatencyMs: 5}'), /doc\.yaml: spec\.dataset: required for reward objective mnas/);
    assert.equal(parseSearchSpec(spec('', '{objective: accuracy}')).spec.dataset, undefined);
    assert.equal(parseSearchSpec(spec('dataset: {name: mnist}, ', '{objective: mnas, targetLatencyMs: 5}')).spec.dataset?.name, 'mnist');
  });

  it('spec.reward.latency: batch size and repeats, defaults filled, bounds named', () => {
    const parsed = parseSearchSpec(spec('dataset: {name: mnist}, ', '{objective: mnas, targetLatencyMs: 5, latency: {batchSize: 4}}'));
    assert.deepEqual(parsed.spec.reward.objective === 'mnas' && parsed.spec.reward.latency, { batchSize: 4, repeats: 20 });
    const mnas = (latency: string) => spec('dataset: {name: mnist}, ', `{objective: mnas, targetLatencyMs: 5, latency: ${latency}}`);
    rejects(mnas('{batchSize: 0}'), /spec\.reward\.latency\.batchSize/);
    rejects(mnas('{repeats: 5000}'), /spec\.reward\.latency\.repeats/);
    rejects(mnas('{warmup: 3}'), /spec\.reward\.latency/);
    rejects(spec('dataset: {name: mnist}, ', '{objective: accuracy, latency: {repeats: 5}}'), /spec\.reward/);
  });
});
