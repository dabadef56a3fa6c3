import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import type { Readable } from 'node:stream';

/**
 * A container's output as kubelets keep it: the CRI log format (`<RFC 3339 time> <stdout|stderr> <F|P> <text>`, one
 * record per line), which KWOK's kubelet API reads to serve `kubectl logs`. A line longer than MAX_RECORD is cut into
 * partial (P) records ending with a full (F) one, as container runtimes cut them, so a process printing without line
 * breaks cannot make the runner hold its output.
 */
const MAX_RECORD = 16 * 1024;

/** Writes the child's stdout and stderr to `file` (appending); resolves once both have ended and all is written. */
export async function writeContainerLog(child: ChildProcess, file: string): Promise<void> {
  const out = createWriteStream(file, { flags: 'a' });
  const streams = [
    [child.stdout, 'stdout'],
    [child.stderr, 'stderr'],
  ] as const;
  await Promise.all(streams.map(([stream, name]) => (stream ? copyRecords(stream, name, (record) => out.write(record)) : undefined)));
  out.end();
  await once(out, 'close');
}

async function copyRecords(stream: Readable, name: 'stdout' | 'stderr', write: (record: string) => void): Promise<void> {
  const record = (text: string, tag: 'F' | 'P') => write(`${new Date().toISOString()} ${name} ${tag} ${text}\n`);
  let pending = '';
  /** Whether partial records of the line in `pending` were written, so its end must be written even if empty. */
  let cut = false;
  /** Writes `text`'s full-size pieces as partial records; returns what is left. */
  const cutLong = (text: string) => {
    for (; text.length > MAX_RECORD; text = text.slice(MAX_RECORD), cut = true) record(text.slice(0, MAX_RECORD), 'P');
    return text;
  };
  stream.setEncoding('utf8');
  for await (const chunk of stream as AsyncIterable<string>) {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop()!;
    for (const line of lines) {
      record(cutLong(line), 'F');
      cut = false;
    }
    pending = cutLong(pending);
  }
  if (pending !== '' || cut) record(pending, 'F');
}

/** The output as the container printed it (both streams, in order), from a CRI log's text. */
export function containerLogText(log: string): string {
  let text = '';
  for (const line of log.split('\n')) {
    const m = /^\S+ (?:stdout|stderr) ([FP]) (.*)$/.exec(line);
    if (m) text += m[1] === 'F' ? `${m[2]}\n` : m[2];
  }
  return text;
}
