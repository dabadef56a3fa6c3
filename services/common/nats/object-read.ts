import type { ObjectStore } from 'nats';
import { sleep } from './retry.js';

/** How often a read in progress checks whether its object was replaced meanwhile. */
const REPLACED_POLL_MS = 250;

/**
 * Reads an object whole, also while another process replaces it. A put purges the old version's chunks, and a read
 * of them then waits forever for chunks that are gone; so a read races a poll of the object's current version and
 * starts over on the new one when it changed.
 */
export async function readObject(os: ObjectStore, name: string): Promise<Uint8Array | undefined> {
  for (;;) {
    const result = await os.get(name);
    if (!result) return undefined;
    const reader = result.data.getReader();
    const polling = new AbortController();
    const replaced = pollReplaced(os, name, result.info.nuid, polling.signal);
    try {
      const data = await Promise.race([readAll(reader), replaced]);
      if (data) {
        await result.error;
        return data;
      }
      await reader.cancel();
    } catch (err) {
      // A digest mismatch: chunks of a version being replaced vanished mid-read.
      if ((await currentNuid(os, name)) === result.info.nuid) throw err;
    } finally {
      polling.abort();
    }
  }
}

async function readAll(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for (let r = await reader.read(); !r.done; r = await reader.read()) parts.push(r.value);
  const all = Buffer.concat(parts);
  return new Uint8Array(all.buffer, all.byteOffset, all.length);
}

/** Resolves (to undefined) once the object's version is no longer `nuid`; never, once `signal` aborts. */
async function pollReplaced(os: ObjectStore, name: string, nuid: string, signal: AbortSignal): Promise<undefined> {
  for (;;) {
    await sleep(REPLACED_POLL_MS, signal);
    if (signal.aborted) return new Promise<never>(() => {});
    if ((await currentNuid(os, name).catch(() => nuid)) !== nuid) return undefined;
  }
}

async function currentNuid(os: ObjectStore, name: string): Promise<string | undefined> {
  return (await os.info(name))?.nuid;
}
