import { CodecError } from './errors.js';
import type { Codec } from './types.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** UTF-8 JSON. Decoding checks the syntax only: the payload's shape is the sender's contract. */
export function jsonCodec<T>(): Codec<T> {
  return {
    encode: (value) => encoder.encode(JSON.stringify(value)),
    decode: (data) => {
      try {
        return JSON.parse(decoder.decode(data)) as T;
      } catch (err) {
        throw new CodecError(`not a JSON payload: ${(err as Error).message}`, err);
      }
    },
  };
}
