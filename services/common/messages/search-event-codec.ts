import { CodecError } from '../nats/errors.js';
import type { Codec } from '../nats/types.js';
import { SearchEvent } from '../../gen/nasmesh/v1/events.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * SearchEvent messages in protobuf's canonical JSON mapping: readable in `nats stream view`, and decodable by any
 * protobuf library, not only this one.
 */
export const searchEventCodec: Codec<SearchEvent> = {
  encode: (event) => encoder.encode(JSON.stringify(SearchEvent.toJSON(event))),
  decode: (data) => {
    try {
      return SearchEvent.fromJSON(JSON.parse(decoder.decode(data)));
    } catch (err) {
      throw new CodecError(`not a SearchEvent JSON payload: ${(err as Error).message}`, err);
    }
  },
};
