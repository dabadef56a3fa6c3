import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { containerLogText, writeContainerLog } from '../../tools/local-cluster/pod-runner/container-log.js';

const CRI_RECORD = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z (stdout|stderr) ([FP]) (.*)$/;

/** The CRI log `script` leaves when run by /bin/sh as a container's process. */
async function logOf(script: string, before = ''): Promise<string> {
  const file = join(mkdtempSync(join(tmpdir(), 'nasmesh-container-log-')), 'c.log');
  writeFileSync(file, before);
  const child = spawn('/bin/sh', ['-c', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  await writeContainerLog(child, file);
  return readFileSync(file, 'utf8');
}

describe("the local cluster's container logs, as kubelets write them (CRI format), for kubectl logs", () => {
  it('writes a record per line with its time and stream, and keeps what the file held', async () => {
    const log = await logOf('echo one; echo two >&2; echo three', 'earlier record\n');
    const lines = log.split('\n').filter(Boolean);
    assert.equal(lines[0], 'earlier record');
    const records = lines.slice(1).map((l) => CRI_RECORD.exec(l)?.slice(1));
    assert.deepEqual(
      records.sort((a, b) => String(a?.[2]).localeCompare(String(b?.[2]))),
      [
        ['stdout', 'F', 'one'],
        ['stdout', 'F', 'three'],
        ['stderr', 'F', 'two'],
      ],
    );
  });

  it('ends an unterminated last line, and cuts a long line into partial records that read back whole', async () => {
    const long = 'x'.repeat(40_000);
    const log = await logOf(`printf '%s\\n' ${long}; printf 'no newline'`);
    const records = log
      .split('\n')
      .filter(Boolean)
      .map((l) => CRI_RECORD.exec(l)!.slice(1));
    assert.deepEqual(
      records.map(([, tag, text]) => [tag, text!.length]),
      [
        ['P', 16_384],
        ['P', 16_384],
        ['F', 40_000 - 2 * 16_384],
        ['F', 'no newline'.length],
      ],
    );
    assert.equal(containerLogText(log), `${long}\nno newline\n`);
  });

  it('reads back nothing but the output, skipping what is not a record', () => {
    assert.equal(containerLogText('2026-01-01T00:00:00.000Z stdout F a b\nnot a record\n2026-01-01T00:00:00.001Z stderr F \n'), 'a b\n\n');
  });
});
