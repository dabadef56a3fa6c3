import { InvalidArgumentError } from 'commander';
import { assertSearchId } from '../src/store/keys.js';
import { ValidationError } from '../src/util/errors.js';
import { isHostPort } from '../services/common/grpc/address.js';

/** Commander's parser of a host:port option; `name` is the option, for the message. */
export const hostPort = (name: string) => (value: string) => {
  if (!isHostPort(value)) throw new InvalidArgumentError(`${name} must be host:port, e.g. 127.0.0.1:50051 or nasmesh-controller:50051`);
  return value;
};

/** Commander's parser of a search id (metadata.name of the search). */
export function searchIdArgument(value: string): string {
  try {
    assertSearchId(value);
  } catch (e) {
    if (e instanceof ValidationError)
      throw new InvalidArgumentError(
        `'${value}' is no search id: 1-63 lower-case letters, digits or '-', starting and ending alphanumeric`,
      );
    throw e;
  }
  return value;
}
