import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { BenchmarkTable, BenchmarkTableError, MAX_TABLE_BYTES } from '../../src/bench/table.js';
import { Nb201Space } from '../../src/space/nb201.js';

const CSV = fileURLToPath(new URL('../../bench/tables/nb201-cifar10.csv', import.meta.url));
const HEADER = 'arch,test_accuracy';
const space = new Nb201Space();

/** The i-th architecture of the space (base-5 digits, first decision most significant). */
const archAt = (i: number): number[] => Array.from({ length: 6 }, (_, d) => Math.floor(i / 5 ** (5 - d)) % 5);
const ALL = Array.from({ length: 15625 }, (_, i) => archAt(i));

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'nasmesh-table-'));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

let fileCount = 0;
/** Writes a table to a fresh temp file and returns its path. */
function writeTable(text: string): string {
  const path = join(dir, `table-${++fileCount}.csv`);
  writeFileSync(path, text);
  return path;
}

/**
 * Asserts that loading throws a BenchmarkTableError naming the file and (if given) `path:line`, plus extra texts, and
 * quoting nothing the file holds (`absent`: texts of the file that must not appear).
 */
function assertLoadError(path: string, line: number | null, ...mentions: (string | { absent: string })[]): void {
  assert.throws(
    () => BenchmarkTable.load(path, space),
    (e: unknown) => {
      assert.ok(e instanceof BenchmarkTableError, `expected BenchmarkTableError, got ${String(e)}`);
      assert.ok(e.message.includes(path), `message should name the file: ${e.message}`);
      if (line !== null) assert.ok(e.message.includes(`${path}:${line}:`), `message should name line ${line}: ${e.message}`);
      for (const m of mentions) {
        if (typeof m === 'string') assert.ok(e.message.includes(m), `message should mention '${m}': ${e.message}`);
        else assert.ok(!e.message.includes(m.absent), `message must not quote the file's '${m.absent}': ${e.message}`);
      }
      return true;
    },
  );
}

describe('the real NB201 CIFAR-10 table', () => {
  test('loads with 15,625 rows, optimum 94.3733 and the 16th best as top-0.1 % threshold', () => {
    const table = BenchmarkTable.load(CSV, space);
    assert.equal(table.size, 15625);
    assert.equal(table.optimum, 94.3733);

    // Independent parse of the CSV.
    const rows = readFileSync(CSV, 'utf8')
      .split('\r\n')
      .filter((l) => l !== '');
    assert.equal(rows[0], HEADER);
    const accs = rows.slice(1).map((r) => Number(r.split(',')[1]));
    assert.equal(accs.length, 15625);
    const sorted = [...accs].sort((a, b) => b - a);
    assert.equal(sorted[0], 94.3733);
    assert.equal(table.top01Threshold, sorted[15]); // ceil(15625 * 0.001) = 16th best
    assert.ok(table.top01Threshold < table.optimum);

    // Lookups agree with the file, row by row (a sample).
    for (const row of rows.slice(1).filter((_, i) => i % 97 === 0)) {
      const [arch, acc] = row.split(',');
      assert.equal(table.lookup(space.decode(arch!)), Number(acc));
    }
    // Every architecture of the space is in the table.
    for (const arch of ALL) assert.equal(typeof table.lookup(arch), 'number');
  });

  test("entries() gives every row once, in the file's order, each as lookup() has it", () => {
    const table = BenchmarkTable.load(CSV, space);
    const rows = readFileSync(CSV, 'utf8')
      .split('\r\n')
      .filter((l) => l !== '')
      .slice(1);
    const entries = [...table.entries()];
    assert.equal(entries.length, rows.length);
    entries.forEach(([arch, accuracy], i) => {
      const [text, acc] = rows[i]!.split(',');
      assert.deepEqual(arch, space.decode(text!));
      assert.equal(accuracy, Number(acc));
    });
  });
});

describe('malformed tables are BenchmarkTableErrors naming file and line', () => {
  const rows = ALL.slice(0, 5).map((a, i) => `${space.encode(a)},${80 + i}`);

  test('wrong header', () => {
    assertLoadError(writeTable(`arch,accuracy\n${rows.join('\n')}\n`), 1, 'arch,test_accuracy', { absent: 'arch,accuracy' });
    assertLoadError(writeTable(`${rows.join('\n')}\n`), 1);
  });

  test('non-numeric accuracy', () => {
    const bad = [...rows];
    bad[2] = `${space.encode(ALL[2]!)},n/a`;
    assertLoadError(writeTable(`${HEADER}\n${bad.join('\n')}\n`), 4, 'test_accuracy', { absent: 'n/a' });
  });

  test('truncated last row: cut inside the arch string', () => {
    const cut = space.encode(ALL[5]!).slice(0, 20);
    assertLoadError(writeTable(`${HEADER}\r\n${rows.join('\r\n')}\r\n${cut}`), 7);
  });

  test('truncated last row: cut after the arch string, before its accuracy', () => {
    const arch = space.encode(ALL[5]!);
    assertLoadError(writeTable(`${HEADER}\n${rows.join('\n')}\n${arch}`), 7);
    assertLoadError(writeTable(`${HEADER}\n${rows.join('\n')}\n${arch},`), 7);
    assertLoadError(writeTable(`${HEADER}\r\n${rows.join('\r\n')}\r\n${arch},\r\n`), 7);
  });

  test('unknown op', () => {
    const bad = [...rows];
    bad[1] = `${space.encode(ALL[1]!).replace('none~0', 'conv_7x7~0')},90`;
    assert.ok(bad[1]!.includes('conv_7x7'));
    assertLoadError(writeTable(`${HEADER}\n${bad.join('\n')}\n`), 3, 'nb201', { absent: 'conv_7x7' });
  });

  test('duplicated architecture', () => {
    const dup = `${space.encode(ALL[0]!)},99`;
    assertLoadError(writeTable(`${HEADER}\n${rows.join('\n')}\n${dup}\n`), 7, 'line 2', { absent: space.encode(ALL[0]!) });
  });

  test('empty table', () => {
    assertLoadError(writeTable(`${HEADER}\n`), null, 'no rows');
    assertLoadError(writeTable(`${HEADER}\r\n\r\n`), null, 'no rows');
    assertLoadError(writeTable(''), 1);
  });

  test('missing file', () => {
    assertLoadError(join(dir, 'does-not-exist.csv'), null);
  });

  test('a directory, a device and an oversize file are refused before they are read', () => {
    assertLoadError(dir, null, 'is a directory');
    assertLoadError('/dev/zero', null, 'not a regular file');
    const big = join(dir, 'big.csv');
    writeFileSync(big, '');
    truncateSync(big, MAX_TABLE_BYTES + 1);
    assertLoadError(big, null, `limit of ${MAX_TABLE_BYTES} bytes`);
  });
});

describe('tables other than the full CIFAR-10 one', () => {
  test('a 50-row subset loads; looking up an architecture outside it names that architecture', () => {
    const subset = ALL.filter((_, i) => i % 311 === 7).slice(0, 50);
    assert.equal(subset.length, 50);
    const acc = (i: number) => Number((60 + ((i * 37) % 50) * 0.5).toFixed(4));
    const path = writeTable(`${HEADER}\n${subset.map((a, i) => `${space.encode(a)},${acc(i)}`).join('\n')}\n`);
    const table = BenchmarkTable.load(path, space);
    assert.equal(table.size, 50);
    const accs = subset.map((_, i) => acc(i));
    assert.equal(table.optimum, Math.max(...accs));
    assert.equal(table.top01Threshold, table.optimum); // ceil(50 * 0.001) = 1: only the best
    subset.forEach((a, i) => assert.equal(table.lookup(a), acc(i)));

    const absent = ALL[0]!;
    assert.ok(!subset.some((a) => a.join() === absent.join()));
    assert.throws(
      () => table.lookup(absent),
      (e: unknown) => e instanceof BenchmarkTableError && e.message.includes(space.encode(absent)),
    );
  });

  test("another dataset's table in the same format works unchanged", () => {
    // Same archs as CIFAR-10, but accuracy a deterministic permutation-based function of the arch index.
    const accOf = (i: number) => Number((((i * 7919) % 15625) / 156.25).toFixed(4));
    const realRows = readFileSync(CSV, 'utf8')
      .split('\r\n')
      .slice(1)
      .filter((l) => l !== '');
    const archStrings = realRows.map((r) => r.split(',')[0]!);
    const indexOf = (s: string) => space.decode(s).reduce((n, v) => n * 5 + v, 0);
    const text = `${HEADER}\r\n${archStrings.map((s) => `${s},${accOf(indexOf(s))}`).join('\r\n')}\r\n`;
    const path = writeTable(text);
    const table = BenchmarkTable.load(path, space);
    assert.equal(table.size, 15625);

    const all = ALL.map((_, i) => accOf(i));
    const sorted = [...all].sort((a, b) => b - a);
    assert.equal(table.optimum, sorted[0]);
    assert.notEqual(table.optimum, 94.3733);
    assert.equal(table.top01Threshold, sorted[15]);
    for (let i = 0; i < 15625; i += 53) assert.equal(table.lookup(ALL[i]!), accOf(i));
    const best = all.indexOf(sorted[0]!);
    assert.equal(table.lookup(ALL[best]!), table.optimum);
  });
});
