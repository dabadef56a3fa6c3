import type { EnasMicroSpace } from '../../space/enas-micro.js';
import { assertLittleEndian, packSupernet, type SupernetState, unpackSupernet } from './state.js';
import { Supernet, type SupernetConfig } from './supernet.js';

export type { TensorEntry } from './state.js';

const SUPERNET_FORMAT = 'nasmesh-supernet';
const SUPERNET_FORMAT_VERSION = 1;

/**
 * The header of a supernet checkpoint in one piece: the directory checkpoint's manifest (less its weights file name)
 * plus the network config, so a reader builds the matching supernet from the bytes and its search space alone.
 */
export interface SupernetBytesHeader extends SupernetState {
  readonly format: typeof SUPERNET_FORMAT;
  readonly version: number;
  readonly config: Required<SupernetConfig>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * A supernet checkpoint as one byte array, for an object store: a little-endian uint32 header length, the JSON
 * header, zero padding to a multiple of 4, then the float32 values (little-endian) the header's entries point into.
 */
export function supernetToBytes(net: Supernet): Uint8Array {
  assertLittleEndian();
  const { state, data } = packSupernet(net);
  const header: SupernetBytesHeader = { format: SUPERNET_FORMAT, version: SUPERNET_FORMAT_VERSION, config: net.config, ...state };
  const json = encoder.encode(JSON.stringify(header));
  const start = align4(4 + json.length);
  const bytes = new Uint8Array(start + data.byteLength);
  new DataView(bytes.buffer).setUint32(0, json.length, true);
  bytes.set(json, 4);
  bytes.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), start);
  return bytes;
}

/** Reads the header of supernetToBytes's output; throws when the bytes are not such a checkpoint. */
export function readSupernetHeader(bytes: Uint8Array): SupernetBytesHeader {
  if (bytes.length < 4) throw new Error('supernet checkpoint: fewer than 4 bytes');
  const length = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, true);
  if (4 + length > bytes.length) throw new Error(`supernet checkpoint: header of ${length} bytes exceeds ${bytes.length}`);
  let header: SupernetBytesHeader;
  try {
    header = JSON.parse(decoder.decode(bytes.subarray(4, 4 + length))) as SupernetBytesHeader;
  } catch (e) {
    throw new Error(`supernet checkpoint: header is no JSON (${(e as Error).message})`);
  }
  if (header.format !== SUPERNET_FORMAT || header.version !== SUPERNET_FORMAT_VERSION) {
    throw new Error(`supernet checkpoint: no ${SUPERNET_FORMAT} v${SUPERNET_FORMAT_VERSION} header`);
  }
  return header;
}

/**
 * The supernet stored by supernetToBytes, rebuilt for `space` (which must have the checkpoint's blocks and ops) with
 * its weights, momentum, step count and learning rate.
 */
export function supernetFromBytes(space: EnasMicroSpace, bytes: Uint8Array): Supernet {
  assertLittleEndian();
  const header = readSupernetHeader(bytes);
  const stored = header.space;
  if (stored.blocks !== space.config.blocks || stored.ops.join() !== space.config.ops.join()) {
    throw new Error(
      `supernet checkpoint is for ${stored.blocks} blocks of [${stored.ops.join(', ')}], ` +
        `not ${space.config.blocks} of [${space.config.ops.join(', ')}]`,
    );
  }
  const start = align4(4 + new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true));
  if ((bytes.length - start) % 4 !== 0) throw new Error('supernet checkpoint: values are no whole float32s');
  // A copy: the values must be 4-byte aligned, which a slice of a received buffer need not be.
  const data = new Float32Array(bytes.slice(start).buffer);
  const net = new Supernet(space, header.config);
  try {
    unpackSupernet(net, header, data, 'the supernet checkpoint');
  } catch (e) {
    net.dispose();
    throw e;
  }
  return net;
}

function align4(n: number): number {
  return (n + 3) & ~3;
}
