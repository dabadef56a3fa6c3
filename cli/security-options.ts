import { type Command, InvalidArgumentError, Option } from 'commander';
import { positiveInt } from './options.js';

/** Commander's collector of a repeatable option. */
export const repeatable = (value: string, previous: string[] = []) => [...previous, value];

/** `--benchmark-table NAME=PATH`, repeatable, into a name -> path record. */
const namedTable = (value: string, previous: Record<string, string> = {}) => {
  const at = value.indexOf('=');
  if (at <= 0 || at === value.length - 1)
    throw new InvalidArgumentError('--benchmark-table must be NAME=PATH, e.g. nb201-cifar10=/data/nb201-cifar10.csv');
  return { ...previous, [value.slice(0, at)]: value.slice(at + 1) };
};

/** The flags of a command's own gRPC calls; each also read from the environment, for the CLI. */
export interface ClientFlags {
  readonly tlsCa?: string;
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  readonly tokenFile?: string;
  readonly tlsServerName?: string;
  readonly insecure?: boolean;
}

/** --tls-ca, --tls-cert, --tls-key, --token-file (and $NASMESH_TLS_CA, ...), --insecure: how a command dials a service. */
export function addClientFlags(command: Command): Command {
  return command
    .addOption(new Option('--tls-ca <file>', "CA (PEM) the servers' certificates chain to: dial with TLS").env('NASMESH_TLS_CA'))
    .addOption(
      new Option('--tls-cert <file>', 'certificate (PEM) to present to servers that ask for one (mutual TLS)').env('NASMESH_TLS_CERT'),
    )
    .addOption(new Option('--tls-key <file>', 'private key (PEM) of --tls-cert').env('NASMESH_TLS_KEY'))
    .addOption(new Option('--token-file <file>', 'bearer token sent with every call (authorization: Bearer)').env('NASMESH_TOKEN_FILE'))
    .addOption(
      new Option('--tls-server-name <name>', "the name the server's certificate must carry, whatever address is dialed").env(
        'NASMESH_TLS_SERVER_NAME',
      ),
    )
    .option('--insecure', 'send the bearer token in plaintext to a controller beyond loopback', false);
}

/** The NATS flags: TLS and one credential. */
export function addNatsFlags(command: Command): Command {
  return command
    .option('--nats-ca <file>', "CA (PEM) the NATS server's certificate chains to: connect with TLS")
    .option('--nats-cert <file>', 'client certificate (PEM) for a NATS server that verifies clients')
    .option('--nats-key <file>', 'private key (PEM) of --nats-cert')
    .option('--nats-user <name>', 'NATS user (with --nats-password-file)')
    .option('--nats-password-file <file>', "file holding the NATS user's password")
    .option('--nats-token-file <file>', 'file holding a NATS token')
    .option('--nats-nkey-file <file>', 'file holding a NATS NKey seed (SU...)')
    .option('--nats-creds-file <file>', 'NATS credentials file (user JWT and NKey seed)');
}

/** Where a service reads the files a search names. */
export function addDataFlags(command: Command): Command {
  return command
    .option(
      '--data-root <dir>',
      'directory the files a search names (spec.dataset.path, spec.evaluation.table) may be read from; repeatable (default: the working directory)',
      repeatable,
    )
    .option('--benchmark-table <name=path>', 'a benchmark table a search may name as spec.evaluation.table; repeatable', namedTable);
}

/** The flags every serving process adds to those of its calls: its TLS, who may call it, and --insecure. */
export function addServerSecurityFlags(command: Command): Command {
  return command
    .option('--tls-cert <file>', 'serve TLS with this certificate chain (PEM); also presented when this process dials others')
    .option('--tls-key <file>', 'private key (PEM) of --tls-cert')
    .option('--tls-ca <file>', 'CA (PEM): verifies the servers this process dials and the client certificates it is shown')
    .option('--require-client-cert', 'mutual TLS: refuse clients without a certificate of --tls-ca', false)
    .option('--access-file <file>', 'bearer tokens and client-certificate names with their roles (reader, writer); see docs/security.md')
    .option('--token-file <file>', 'bearer token this process sends with its own calls (to a controller, a trainer, a profiler)')
    .option('--tls-server-name <name>', "the name the certificates of the servers this process dials must carry (a mesh's shared identity)")
    .option(
      '--tls-reload-ms <n>',
      'how often TLS, access and token files are looked at for a change',
      positiveInt('--tls-reload-ms'),
      5_000,
    )
    .option('--insecure', 'allow plaintext gRPC and NATS beyond loopback, and any peer address (logs a warning)', false);
}
