import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { tf } from '../../tf/backend.js';
import { writeAtomic } from '../../util/write-atomic.js';
import type { Supernet } from './supernet.js';

export const SUPERNET_MANIFEST = 'supernet.json';
const FORMAT = 'nasmesh-supernet';
const VERSION = 1;

/** One tensor in the weights file: float32 little-endian, `offset` and `length` in elements. */
export interface TensorEntry {
  readonly name: string;
  readonly shape: number[];
  readonly offset: number;
  readonly length: number;
}

export interface SupernetManifest {
  readonly format: typeof FORMAT;
  readonly version: number;
  /** Weights file in the same directory (a fresh name per save, so the manifest never points to a torn file). */
  readonly weightsFile: string;
  readonly steps: number;
  readonly learningRate: number;
  readonly space: { readonly blocks: number; readonly ops: readonly string[] };
  readonly weights: TensorEntry[];
  /** SGD momentum buffers, keyed by weight name. */
  readonly momentum: TensorEntry[];
}

/**
 * Saves the shared weights (and optimiser state) under `dir`: a binary float32 file plus a JSON manifest of names,
 * shapes and offsets. The weights go to a new file first and the manifest is renamed into place last, so a crash
 * leaves either the old or the new checkpoint, never a mix; the previous weights file is then removed.
 */
export async function saveSupernet(net: Supernet, dir: string): Promise<SupernetManifest> {
  await mkdir(dir, { recursive: true });
  const tensors: [string, tf.Tensor, 'w' | 'm'][] = [
    ...net.store.entries().map(([k, v]): [string, tf.Tensor, 'w'] => [k, v, 'w']),
    ...net.momentumEntries().map(([k, m]): [string, tf.Tensor, 'm'] => [k, m, 'm']),
  ];
  const total = tensors.reduce((n, [, t]) => n + t.size, 0);
  const buf = new Float32Array(total);
  const weights: TensorEntry[] = [];
  const momentum: TensorEntry[] = [];
  let offset = 0;
  for (const [name, t, kind] of tensors) {
    const values = t.dataSync() as Float32Array;
    buf.set(values, offset);
    (kind === 'w' ? weights : momentum).push({ name, shape: [...t.shape], offset, length: t.size });
    offset += t.size;
  }
  const previous = await readManifest(dir).catch(() => null);
  const weightsFile = `supernet-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}.bin`;
  const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  if (!littleEndian()) throw new Error('supernet checkpoints assume a little-endian host');
  await writeAtomic(join(dir, weightsFile), bytes);
  const manifest: SupernetManifest = {
    format: FORMAT,
    version: VERSION,
    weightsFile,
    steps: net.steps,
    learningRate: net.learningRate,
    space: { blocks: net.space.config.blocks, ops: [...net.space.config.ops] },
    weights,
    momentum,
  };
  await writeAtomic(join(dir, SUPERNET_MANIFEST), JSON.stringify(manifest));
  if (previous !== null && previous.weightsFile !== weightsFile) {
    await rm(join(dir, previous.weightsFile), { force: true });
  }
  return manifest;
}

async function readManifest(dir: string): Promise<SupernetManifest> {
  const manifest = JSON.parse(await readFile(join(dir, SUPERNET_MANIFEST), 'utf8')) as SupernetManifest;
  if (manifest.format !== FORMAT || manifest.version !== VERSION) {
    throw new Error(`${join(dir, SUPERNET_MANIFEST)} is no ${FORMAT} v${VERSION} manifest`);
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
  const keys = net.store.keys();
  const names = new Set(manifest.weights.map((e) => e.name));
  const missing = keys.filter((k) => !names.has(k));
  if (missing.length > 0 || names.size !== keys.length) {
    throw new Error(`checkpoint does not match the supernet (missing ${missing.slice(0, 3).join(', ') || 'none'}, ` +
      `${manifest.weights.length} saved vs ${keys.length} weights)`);
  }
  const slice = (e: TensorEntry): Float32Array => {
    if (e.offset + e.length > data.length || e.length !== e.shape.reduce((a, b) => a * b, 1)) {
      throw new Error(`checkpoint entry '${e.name}' lies outside ${manifest.weightsFile} or has a bad shape`);
    }
    return data.subarray(e.offset, e.offset + e.length);
  };
  // Validate everything before changing anything.
  for (const e of manifest.weights) {
    const v = net.store.get(e.name);
    if (v.shape.join() !== e.shape.join()) throw new Error(`weight '${e.name}': shape [${e.shape}] vs [${v.shape}]`);
    slice(e);
  }
  for (const e of manifest.momentum) {
    if (net.store.get(e.name).shape.join() !== e.shape.join()) throw new Error(`momentum '${e.name}': bad shape`);
    slice(e);
  }
  for (const e of manifest.weights) {
    const t = tf.tensor(slice(e), e.shape, 'float32');
    net.store.get(e.name).assign(t);
    t.dispose();
  }
  net.setMomentum(manifest.momentum.map((e) => [e.name, tf.tensor(slice(e), e.shape, 'float32')] as const));
  net.steps = manifest.steps;
  net.learningRate = manifest.learningRate;
  return manifest;
}

function littleEndian(): boolean {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
}
