import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { InvalidArchitectureError } from '../../src/space/errors.js';
import { NB201_OPS, Nb201Space } from '../../src/space/nb201.js';

const CSV = new URL('../../bench/tables/nb201-cifar10.csv', import.meta.url);
const EXAMPLE = '|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|';

test('nb201 has 5^6 cells', () => {
  assert.equal(new Nb201Space().count(), 15625n);
});

test('benchmark strings survive decode then encode unchanged', () => {
  const [header, ...rows] = readFileSync(CSV, 'utf8').trim().split(/\r?\n/);
  assert.equal(header, 'arch,test_accuracy');
  const space = new Nb201Space();
  for (const row of rows.slice(0, 300)) {
    const arch = row.split(',')[0]!;
    assert.equal(space.encode(space.decode(arch)), arch);
  }
});

test('decodes the NATS-Bench example to op indices', () => {
  assert.deepEqual(new Nb201Space().decode(EXAMPLE), [3, 3, 4, 1, 3, 1]);
});

test('a bad op names the decision and the allowed ops', () => {
  const bad = EXAMPLE.replace('avg_pool_3x3~1', 'conv_7x7~1');
  assert.throws(
    () => new Nb201Space().decode(bad),
    (e: unknown) =>
      e instanceof InvalidArchitectureError &&
      e.field === 'edge21' &&
      e.message.includes('edge21') &&
      NB201_OPS.every((op) => e.message.includes(op)),
  );
});
