import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeAtomic } from '../../util/write-atomic.js';
import { assertLittleEndian, packSupernet, type SupernetState, unpackSupernet } from './state.js';
import type { Supernet } from './supernet.js';

export type { TensorEntry } from './state.js';

export const SUPERNET_MANIFEST = 'supernet.json';
export const SUPERNET_FORMAT = 'nasmesh-supernet';
export const SUPERNET_FORMAT_VERSION = 1;

export interface SupernetManifest extends SupernetState {
  readonly format: typeof SUPERNET_FORMAT;
  readonly version: number;
  /** Weights file in the same directory (a fresh name per save, so the manifest never points to a torn file). */
  readonly weightsFile: string;
}

/**
 * Saves the shared weights (and optimiser state) under `dir`: a binary float32 file plus a JSON manifest of names,
 * shapes and offsets. The weights go to a new file first and the manifest is renamed into place last, so a crash
 * leaves either the old or the new checkpoint, never a mix; the previous weights file is then removed.
 */
export async function saveSupernet(net: Supernet, dir: string): Promise<SupernetManifest> {
  await mkdir(dir, { recursive: true });
  const { state, data } = packSupernet(net);
  const previous = await readManifest(dir).catch(() => null);
  const weightsFile = `supernet-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}.bin`;
  assertLittleEndian();
  await writeAtomic(join(dir, weightsFile), new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  const manifest: SupernetManifest = { format: SUPERNET_FORMAT, version: SUPERNET_FORMAT_VERSION, weightsFile, ...state };
  await writeAtomic(join(dir, SUPERNET_MANIFEST), JSON.stringify(manifest));
  if (previous !== null && previous.weightsFile !== weightsFile) {
    await rm(join(dir, previous.weightsFile), { force: true });
  }
  return manifest;
}

async function readManifest(dir: string): Promise<SupernetManifest> {
  const manifest = JSON.parse(await readFile(join(dir, SUPERNET_MANIFEST), 'utf8')) as SupernetManifest;
  if (manifest.format !== SUPERNET_FORMAT || manifest.version !== SUPERNET_FORMAT_VERSION) {
    throw new Error(`${join(dir, SUPERNET_MANIFEST)} is no ${SUPERNET_FORMAT} v${SUPERNET_FORMAT_VERSION} manifest`);
  }
  return manifest;
}

/**
 * Restores weights, momentum, step count and learning rate saved by saveSupernet into `net`, which must have the
 * same structure (same space, config); every weight name and shape must match.
 */
export async function loadSupernet(net: Supernet, dir: string): Promise<SupernetManifest> {
  const manifest = await readManifest(dir);
  const raw = await readFile(join(dir, manifest.weightsFile));
  if (raw.byteLength % 4 !== 0) throw new Error(`${manifest.weightsFile}: size is no multiple of 4`);
  const data = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  unpackSupernet(net, manifest, data, manifest.weightsFile);
  return manifest;
}
