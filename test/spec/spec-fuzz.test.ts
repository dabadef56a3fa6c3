import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import { specFromDocument } from '../../services/common/messages/search-document.js';
import { createSpace } from '../../src/space/registry.js';
import { SPEC_MAXIMA } from '../../src/spec/bounds.js';
import { parseSearchSpec } from '../../src/spec/load.js';
import type { SearchSpec } from '../../src/spec/search-spec.js';
import { counted, hostileJson, isClearError, mutateAt, runs } from '../support/fuzz.js';

const examples = new URL('../../deploy/examples/', import.meta.url);
const documents = readdirSync(examples)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => parse(readFileSync(new URL(f, examples), 'utf8')) as Record<string, unknown>);

/** Longest a single parse may take: far above a real one (milliseconds), far below a hang. */
const SLOW_MS = 2_000;

/** Every accepted spec keeps within the documented bounds (bounds.ts), whatever was asked. */
function assertWithinBounds(spec: SearchSpec): void {
  for (const [path, max] of SPEC_MAXIMA) {
    const value = path
      .split('.')
      .reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), spec.spec);
    if (typeof value === 'number') assert.ok(value <= max, `${path} = ${value} passed the bound ${max}`);
  }
  assert.ok(BigInt(spec.spec.budget.candidates) <= createSpace(spec.spec.space).count(), 'a budget larger than the space was accepted');
}

/** Parses with `parse`; the outcome must be a spec within bounds or a clear error, quickly. */
function outcome(parseIt: () => SearchSpec): void {
  const started = performance.now();
  try {
    assertWithinBounds(parseIt());
  } catch (e) {
    if (e instanceof assert.AssertionError) throw e;
    assert.ok(isClearError(e), `not a clear error: ${e instanceof Error ? e.stack : String(e)}`);
  }
  assert.ok(performance.now() - started < SLOW_MS, 'parsing took longer than a hang allows');
}

describe('fuzz: search spec parsing', () => {
  it('arbitrary YAML text is a spec or a clear error', (t) => {
    const seen = counted(t, 'spec.yaml-text');
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 2000 }), fc.constantFrom(...documents.map((d) => stringify(d)))), (text) => {
        seen();
        outcome(() => parseSearchSpec(text, 'fuzz.yaml'));
      }),
      runs(3000),
    );
  });

  it('a valid document with any one value replaced by hostile JSON is a spec within bounds or a clear error', (t) => {
    const seen = counted(t, 'spec.mutated-document');
    const arbitrary = fc.tuple(fc.constantFrom(...documents), fc.array(fc.nat(40), { minLength: 1, maxLength: 6 }), hostileJson());
    fc.assert(
      fc.property(arbitrary, ([document, path, value]) => {
        seen();
        outcome(() => parseSearchSpec(stringify(mutateAt(document, path, value)), 'fuzz.yaml'));
      }),
      runs(10_000),
    );
  });

  it('a CreateSearch document (proto form) from the network is a spec or a clear error, never a path with ..', (t) => {
    const seen = counted(t, 'spec.search-document');
    const arbitrary = fc.tuple(fc.constantFrom(...documents), fc.array(fc.nat(40), { minLength: 1, maxLength: 6 }), hostileJson());
    fc.assert(
      fc.property(arbitrary, ([document, path, value]) => {
        seen();
        const mutated = mutateAt(document, path, value) as Record<string, unknown>;
        const meta = (mutated.metadata ?? {}) as Record<string, unknown>;
        const message = {
          apiVersion: String(mutated.apiVersion ?? ''),
          kind: String(mutated.kind ?? ''),
          metadata: { name: String(meta.name ?? ''), namespace: '', labels: {} },
          spec: (typeof mutated.spec === 'object' && mutated.spec !== null ? mutated.spec : {}) as Record<string, unknown>,
        };
        outcome(() => {
          const spec = specFromDocument(message);
          const { evaluation, dataset } = spec.spec;
          for (const p of [evaluation.mode === 'benchmark' ? evaluation.table : undefined, dataset?.path]) {
            if (p !== undefined) assert.ok(!p.split(/[\\/]/).includes('..'), `a path with '..' was accepted: ${p}`);
          }
          return spec;
        });
      }),
      runs(5000),
    );
  });
});
