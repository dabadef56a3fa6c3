import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import { createStrategy } from '../../src/strategy/registry.js';
import { STRATEGY_NAMES, type Strategy, type StrategyCheckpoint } from '../../src/strategy/types.js';
import { createSpace } from '../../src/space/registry.js';
import { loadSearchSpec } from '../../src/spec/load.js';
import { StoreReadError } from '../../src/store/errors.js';
import { parseStoredCandidate, parseStoredCheckpoint, parseStoredSearch } from '../../src/store/record-schemas.js';
import { initBackend } from '../../src/tf/backend.js';
import { NasmeshError } from '../../src/util/errors.js';
import { counted, hostileJson, mutateAt, runs } from '../support/fuzz.js';
import { candidate } from './search-store-contract.js';

const SECRET = 'SECRETxyz';
const spec = loadSearchSpec('deploy/examples/nb201-benchmark.yaml');
const search = { id: 'fuzzed', spec, phase: 'running', createdAt: '2025-01-01T00:00:00.000Z', updatedAt: '2025-01-01T00:00:00.000Z' };

/** A strategy that has proposed and observed a little, so its checkpoint holds every part (history, policy, Adam). */
function trained(name: (typeof STRATEGY_NAMES)[number]): Strategy {
  const options =
    name === 'reinforce' || name === 'ppo' ? { units: 8, batchSize: 2 } : name === 'evolution' ? { population: 3, sampleSize: 2 } : {};
  const strategy = createStrategy(name, createSpace('nb201'), options, 3);
  for (let step = 0; step < 3; step++) strategy.observe(strategy.propose(2).map((arch, i) => ({ arch, reward: 0.1 * (step + i) })));
  return strategy;
}

/** Stored text: the record as JSON with one value replaced, or garbage carrying the marker. */
const storedText = (record: unknown) =>
  fc.oneof(
    fc
      .tuple(fc.array(fc.nat(40), { minLength: 1, maxLength: 6 }), hostileJson())
      .map(([path, value]) => JSON.stringify(mutateAt(record, path, value)) ?? 'null'),
    fc.string({ maxLength: 200 }).map((s) => `${SECRET}${s}`),
    fc.constant(JSON.stringify(record)),
  );

describe('fuzz: stored records and checkpoints read back', () => {
  before(() => initBackend('cpu'));

  it('a stored search, candidate or checkpoint is the record or a StoreReadError naming the search, quoting nothing', (t) => {
    const seen = counted(t, 'store.records');
    const readers = [
      [search, (text: string) => parseStoredSearch(text, 'fuzzed')],
      [candidate(3), (text: string) => parseStoredCandidate(text, 'fuzzed', 3)],
      [{ observed: 2, strategy: { strategy: 'random' }, extra: { seconds: 1 } }, (text: string) => parseStoredCheckpoint(text, 'fuzzed')],
    ] as const;
    fc.assert(
      fc.property(
        fc.nat(readers.length - 1).chain((i) => storedText(readers[i]![0]).map((text) => [i, text] as const)),
        ([i, text]) => {
          seen();
          try {
            readers[i]![1](text);
          } catch (e) {
            assert.ok(e instanceof StoreReadError, `not a StoreReadError: ${e instanceof Error ? e.stack : String(e)}`);
            assert.ok(e.message.startsWith('search fuzzed: its stored '), e.message);
            assert.ok(!e.message.includes(SECRET), e.message);
          }
        },
      ),
      runs(5000),
    );
  });

  it('every strategy restores a checkpoint with a hostile value or refuses it naming the field; restored, it proposes', (t) => {
    const seen = counted(t, 'store.strategy-restore');
    const checkpoints = new Map(
      STRATEGY_NAMES.map((name) => {
        const strategy = trained(name);
        const checkpoint = strategy.checkpoint();
        strategy.dispose();
        return [name, checkpoint] as const;
      }),
    );
    const arbitrary = fc.tuple(fc.constantFrom(...STRATEGY_NAMES), fc.array(fc.nat(40), { minLength: 1, maxLength: 5 }), hostileJson());
    fc.assert(
      fc.property(arbitrary, ([name, path, value]) => {
        seen();
        const strategy = trained(name);
        try {
          strategy.restore(mutateAt(checkpoints.get(name), path, value) as StrategyCheckpoint);
          assert.equal(strategy.propose(2).length, 2);
        } catch (e) {
          assert.ok(e instanceof NasmeshError, `${name}: not a clear error: ${e instanceof Error ? e.stack : String(e)}`);
        } finally {
          strategy.dispose();
        }
      }),
      runs(1500),
    );
  });
});
