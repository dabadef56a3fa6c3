import { DatasetError } from './errors.js';
import type { Shape, Split } from './types.js';

/** A parsed IDX file: its dimensions and its data bytes (a view into the input, no copy). */
export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

const UBYTE = 0x08;
const DTYPE_NAMES: Record<number, string> = {
  0x08: 'unsigned byte',
  0x09: 'signed byte',
  0x0b: 'int16',
  0x0c: 'int32',
  0x0d: 'float32',
  0x0e: 'float64',
};

/** Parses an IDX file (magic 00 00 <dtype> <ndims>, big-endian u32 dims, data). Only unsigned bytes are supported. */
export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  if (bytes.length < 4) throw new DatasetError(file, `holds ${bytes.length} bytes, too short for an IDX header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const [z0, z1, dtype, ndims] = [bytes[0]!, bytes[1]!, bytes[2]!, bytes[3]!];
  if (z0 !== 0 || z1 !== 0 || DTYPE_NAMES[dtype] === undefined || ndims === 0) {
    // The bytes themselves are not quoted: the file may be anything a search named.
    throw new DatasetError(file, 'bad magic number, not an IDX file (it starts 00 00 <dtype> <dimensions>)');
  }
  if (dtype !== UBYTE) {
    const name = DTYPE_NAMES[dtype];
    throw new DatasetError(file, `dtype 0x${hex(dtype)} (${name}) is not supported, only 0x08 (unsigned byte)`);
  }
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) {
    throw new DatasetError(file, `holds ${bytes.length} bytes, too short for a header of ${ndims} dimensions`);
  }
  const dims = Array.from({ length: ndims }, (_, i) => view.getUint32(4 + 4 * i));
  const expected = headerBytes + dims.reduce((a, b) => a * b, 1);
  if (bytes.length !== expected) {
    throw new DatasetError(file, `header says ${describe(dims)} but the file holds ${bytes.length} bytes, expected ${expected}`);
  }
  return { dims, data: bytes.subarray(headerBytes) };
}

/** Checks an IDX array is images (idx3 N,H,W or idx4 N,H,W,C) and returns them with their sample shape. */
export function idxImages(arr: IdxArray, file: string): { images: Uint8Array; count: number; shape: Shape } {
  const [n, h, w, c = 1] = arr.dims;
  if ((arr.dims.length !== 3 && arr.dims.length !== 4) || n === undefined || h === undefined || w === undefined) {
    throw new DatasetError(file, `expected images with 3 (N,H,W) or 4 (N,H,W,C) dimensions, found ${arr.dims.length}`);
  }
  return { images: arr.data, count: n, shape: [h, w, c] };
}

/** Checks an IDX array is labels (idx1, N). */
export function idxLabels(arr: IdxArray, file: string): Uint8Array {
  if (arr.dims.length !== 1) {
    throw new DatasetError(file, `expected labels with 1 dimension (N), found ${arr.dims.length}`);
  }
  return arr.data;
}

/** Pairs images with labels, checking counts agree. `labels` are checked against the class count separately. */
export function idxSplit(images: IdxArray, imagesFile: string, labels: IdxArray, labelsFile: string): { split: Split; shape: Shape } {
  const img = idxImages(images, imagesFile);
  const lab = idxLabels(labels, labelsFile);
  if (lab.length !== img.count) {
    throw new DatasetError(labelsFile, `holds ${lab.length} labels but ${imagesFile} holds ${img.count} images`);
  }
  return { split: { images: img.images, labels: lab, count: img.count }, shape: img.shape };
}

/** Encodes an unsigned-byte IDX file; the inverse of parseIdx, used by tests and tools. */
export function encodeIdx(dims: readonly number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  out[2] = UBYTE;
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

function describe(dims: readonly number[]): string {
  const [n, ...rest] = dims;
  if (rest.length === 0) return `${n} labels`;
  if (rest.length === 2 || rest.length === 3) return `${n} images of ${rest.join('×')}`;
  return `dimensions ${dims.join('×')}`;
}

function hex(b: number): string {
  return b.toString(16).padStart(2, '0');
}
