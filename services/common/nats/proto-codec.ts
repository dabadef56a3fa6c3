import { CodecError } from './errors.js';
import type { Codec } from './types.js';

/** The part of a ts-proto message's generated functions a codec needs. */
export interface ProtoMessageFns<T> {
  encode(message: T): { finish(): Uint8Array };
  decode(input: Uint8Array): T;
}

/**
 * Binary protobuf through ts-proto's generated functions: jobs, results and events travel in their .proto form, so
 * any client of the contracts can read the streams, not only nasmesh's TypeScript.
 */
export function protoCodec<T>(type: ProtoMessageFns<T>, name: string): Codec<T> {
  return {
    encode: (value) => type.encode(value).finish(),
    decode: (data) => {
      try {
        return type.decode(data);
      } catch (err) {
        throw new CodecError(`not a ${name} message: ${(err as Error).message}`, err);
      }
    },
  };
}
