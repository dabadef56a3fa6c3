import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ServiceError, status as grpcStatus } from '@grpc/grpc-js';
import { Command, Option } from 'commander';
import { parse } from 'yaml';
import { positiveInt } from './options.js';
import { NasmeshError } from '../src/util/errors.js';
import { type CandidateResult, type SearchDocument, type SearchPhase, searchPhaseToJSON } from '../services/gen/nasmesh/v1/common.js';
import type { Search } from '../services/gen/nasmesh/v1/controller.js';
import type { SearchEvent } from '../services/gen/nasmesh/v1/events.js';
import { hostPort, searchIdArgument } from './arguments.js';
import { ClientSecurity } from '../services/common/security/client-security.js';
import { Controller } from '../services/common/grpc/controller-client.js';
import { clientSecurityOptions } from '../services/common/security/service-security.js';
import { addClientFlags, type ClientFlags } from './security-options.js';
import { DEFAULT_DOWNLOAD_LIMITS, writeResultFiles } from './result-download.js';

/** The controller of every command that talks to one: --controller, else $NASMESH_CONTROLLER, else this. */
const DEFAULT_CONTROLLER = '127.0.0.1:50051';
const CONTROLLER_ENV = 'NASMESH_CONTROLLER';

/**
 * `nasmesh submit|status|watch|cancel|pareto|results`: a search on a controller, over gRPC. Errors of the controller
 * (a field the spec got wrong, an unknown search) are printed as the controller phrased them.
 */
export function registerSearchCommands(program: Command): Command {
  const withController = (command: Command) =>
    addClientFlags(
      command.addOption(
        new Option('--controller <host:port>', 'the controller service')
          .env(CONTROLLER_ENV)
          .default(DEFAULT_CONTROLLER)
          .argParser(hostPort('--controller')),
      ),
    );

  program.addCommand(
    withController(new Command('submit'))
      .description('start the search a NASSearch YAML file describes on the mesh; prints its id')
      .argument('<search.yaml>')
      .option('--watch', 'then follow its events until it ends')
      .action((file: string, o: ControllerFlags & { watch?: boolean }) =>
        withClient(o, async (c) => {
          const search = await c.createSearch(readDocument(file));
          console.log(`${search.id} ${phase(search)}`);
          if (o.watch) await follow(c, search.id);
        }),
      ),
  );
  program.addCommand(
    withController(new Command('status'))
      .description("a search's phase, progress and best candidate; every search without an id")
      .argument('[search]')
      .action((id: string | undefined, o: ControllerFlags) =>
        withClient(o, async (c) => {
          for (const search of id ? [await c.getSearch(id)] : await c.listSearches()) printSearch(search);
        }),
      ),
  );
  program.addCommand(
    withController(new Command('watch'))
      .description("a search's events from its creation on, until it ends")
      .argument('<search>')
      .action((id: string, o: ControllerFlags) => withClient(o, (c) => follow(c, id))),
  );
  program.addCommand(
    withController(new Command('cancel'))
      .description('stop a search; it keeps the candidates evaluated so far')
      .argument('<search>')
      .action((id: string, o: ControllerFlags) => withClient(o, async (c) => printSearch(await c.cancelSearch(id)))),
  );
  program.addCommand(
    withController(new Command('pareto'))
      .description("a search's Pareto front over accuracy and its cost objectives")
      .argument('<search>')
      .action((id: string, o: ControllerFlags) =>
        withClient(o, async (c) => {
          const { objectives, candidates } = await c.getParetoFront(id);
          console.log(['index', ...objectives, 'reward', 'architecture'].join('\t'));
          for (const cand of candidates) {
            const costs = objectives.slice(1).map((o) => String(cand[o as keyof CandidateResult] ?? ''));
            console.log([cand.index, cand.accuracy, ...costs, cand.reward, cand.architecture?.arch ?? ''].join('\t'));
          }
        }),
      ),
  );
  program.addCommand(
    withController(new Command('results'))
      .description("download a search's result files (candidates.jsonl and what its final stage stored) into a directory")
      .argument('<search>', 'the search (its id)', searchIdArgument)
      .requiredOption('--out <dir>', 'directory to write them in (created if need be)')
      .option(
        '--max-mib <n>',
        'refuse a download larger than this many MiB in all',
        positiveInt('--max-mib'),
        DEFAULT_DOWNLOAD_LIMITS.maxBytes / 2 ** 20,
      )
      .action((id: string, o: ControllerFlags & { out: string; maxMib: number }) =>
        withClient(o, async (c) => {
          const limits = { ...DEFAULT_DOWNLOAD_LIMITS, maxBytes: o.maxMib * 2 ** 20 };
          const written = await writeResultFiles(c.downloadResults(id), o.out, limits);
          for (const file of written) console.log(`${join(o.out, file.path)}\t${file.bytes} bytes`);
          console.log(`${written.length} files, ${written.reduce((n, f) => n + f.bytes, 0)} bytes in ${o.out}`);
        }),
      ),
  );
  return program;
}

/** The YAML file as a SearchDocument, unvalidated: the controller validates it and names what is wrong. */
function readDocument(file: string): SearchDocument {
  let doc: Record<string, unknown>;
  try {
    doc = (parse(readFileSync(file, 'utf8')) ?? {}) as Record<string, unknown>;
  } catch (e) {
    throw new NasmeshError(`${file}: ${(e as Error).message.split('\n')[0]}`);
  }
  const meta = (doc.metadata ?? {}) as { name?: string; namespace?: string; labels?: Record<string, string> };
  return {
    apiVersion: String(doc.apiVersion ?? ''),
    kind: String(doc.kind ?? ''),
    metadata: { name: meta.name ?? '', namespace: meta.namespace ?? '', labels: meta.labels ?? {} },
    spec: (doc.spec ?? {}) as Record<string, unknown>,
  };
}

/** The flags of a command that talks to a controller. */
type ControllerFlags = ClientFlags & { controller: string };

async function withClient(flags: ControllerFlags, use: (c: Controller) => Promise<void>): Promise<void> {
  const address = flags.controller;
  const security = ClientSecurity.from(clientSecurityOptions(flags));
  const client = new Controller(address, security);
  try {
    await use(client);
  } catch (e) {
    const code = (e as Partial<ServiceError>).code;
    if (typeof code !== 'number') throw e;
    const why = code === grpcStatus.UNAVAILABLE ? `no controller answers at ${address}` : (e as ServiceError).details;
    throw new NasmeshError(`${grpcStatus[code]}: ${why}`);
  } finally {
    client.close();
    security.close();
  }
}

async function follow(c: Controller, id: string): Promise<void> {
  for await (const event of c.watch(id)) console.log(describeEvent(event));
}

function phase(search: Search): string {
  return phaseName(search.phase);
}

/** `succeeded` for SEARCH_PHASE_SUCCEEDED: the store's and the spec's word for it. */
function phaseName(p: SearchPhase): string {
  return searchPhaseToJSON(p).replace('SEARCH_PHASE_', '').toLowerCase();
}

function printSearch(s: Search): void {
  const best = s.best ? ` best ${s.best.reward.toFixed(4)} (#${s.best.index} ${s.best.architecture?.arch ?? ''})` : '';
  console.log(`${s.id}\t${phase(s)}\t${s.done}/${s.total}${best}${s.message ? `\t${s.message}` : ''}`);
}

function describeEvent({ time, event }: SearchEvent): string {
  const at = time?.toISOString() ?? '';
  switch (event?.$case) {
    case 'created':
      return `${at} created`;
    case 'candidateProposed':
      return `${at} proposed #${event.value.index} ${event.value.architecture?.arch ?? ''}`;
    case 'candidateEvaluated': {
      const { candidate: c, done, total, bestReward } = event.value;
      return `${at} evaluated #${c?.index} reward ${c?.reward.toFixed(4)} (${done}/${total}, best ${bestReward.toFixed(4)})`;
    }
    case 'policyUpdated': {
      const { version, observed, rewardMovingAverage, entropy } = event.value;
      const h = entropy !== undefined ? ` entropy ${entropy.toFixed(3)}` : '';
      return `${at} policy v${version} observed ${observed} avg reward ${rewardMovingAverage.toFixed(4)}${h}`;
    }
    case 'supernetCheckpoint':
      return `${at} supernet epoch ${event.value.epoch} loss ${event.value.loss.toFixed(4)}`;
    case 'finished': {
      const { phase: p, candidates, best } = event.value;
      return `${at} finished ${phaseName(p)} with ${candidates} candidates${best ? `, best ${best.reward.toFixed(4)}` : ''}`;
    }
    case 'failed':
      return `${at} failed: ${event.value.message}`;
    default:
      return `${at} (unknown event)`;
  }
}
