import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { BenchmarkTable, BenchmarkTableError } from '../../src/bench/table.js';
import { Nb201Space } from '../../src/space/nb201.js';
import { counted, runs } from '../support/fuzz.js';

const space = new Nb201Space();
const dir = mkdtempSync(join(tmpdir(), 'nasmesh-table-fuzz-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A marker each hostile line carries: no error message may ever contain it. */
const SECRET = 'SECRETxyz';

/** Lines of a table: valid rows, near-valid ones, and garbage carrying the marker. */
const line = fc.oneof(
  fc
    .tuple(fc.array(fc.nat(4), { minLength: 6, maxLength: 6 }), fc.float({ min: 0, max: 100, noNaN: true }))
    .map(([arch, acc]) => `${space.encode(arch)},${acc}`),
  fc
    .tuple(fc.array(fc.nat(4), { minLength: 6, maxLength: 6 }), fc.string({ maxLength: 12 }))
    .map(([arch, acc]) => `${space.encode(arch)},${SECRET}${acc}`),
  fc.string({ maxLength: 80 }).map((s) => `${SECRET}${s}`),
  fc.string({ maxLength: 80 }).map((s) => `${s},${SECRET}`),
  fc.array(fc.nat(4), { minLength: 6, maxLength: 6 }).map((arch) => `${space.encode(arch)},1e999`),
  fc.constantFrom('', 'arch,test_accuracy', `|${SECRET}~0|,1`, `${SECRET},1e999`, '\r'),
);

describe('fuzz: benchmark table loading', () => {
  it('any file is a table or a BenchmarkTableError that names the file and quotes none of it', (t) => {
    const seen = counted(t, 'table.load');
    let n = 0;
    fc.assert(
      fc.property(fc.boolean(), fc.array(line, { maxLength: 40 }), fc.constantFrom('\n', '\r\n'), (header, lines, eol) => {
        seen();
        const path = join(dir, `t${n++}.csv`);
        writeFileSync(path, [...(header ? ['arch,test_accuracy'] : []), ...lines].join(eol));
        try {
          const table = BenchmarkTable.load(path, space);
          assert.ok(table.size > 0 && Number.isFinite(table.optimum));
        } catch (e) {
          assert.ok(e instanceof BenchmarkTableError, `not a BenchmarkTableError: ${String(e)}`);
          assert.ok(e.message.startsWith(path), e.message);
          assert.ok(!e.message.includes(SECRET), `the error quotes the file: ${e.message}`);
        }
      }),
      runs(2000),
    );
  });
});
