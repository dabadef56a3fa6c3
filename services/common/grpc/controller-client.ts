import type { CallOptions, ClientReadableStream, Metadata, ServiceError } from '@grpc/grpc-js';
import { ClientSecurity } from '../security/client-security.js';
import {
  ControllerClient,
  type GetParetoFrontResponse,
  type ListSearchesResponse,
  type PolicySnapshot,
  type ResultFileChunk,
  type Search,
} from '../../gen/nasmesh/v1/controller.js';
import type { SearchDocument } from '../../gen/nasmesh/v1/common.js';
import type { SearchEvent } from '../../gen/nasmesh/v1/events.js';

/** Per-call deadline of the unary calls: they answer from the store, in milliseconds. */
const CALL_DEADLINE_MS = 30_000;

type Unary<Req, Res> = (req: Req, md: Metadata, opts: Partial<CallOptions>, cb: (e: ServiceError | null, r: Res) => void) => unknown;

/** The Controller API as promises, for the CLI, tests and benchmarks (a plain grpc-js client underneath). */
export class Controller {
  private readonly client: ControllerClient;

  /** `security`: TLS and the bearer token of the calls; plaintext without one. */
  constructor(
    address: string,
    private readonly security: ClientSecurity = ClientSecurity.plaintext(),
  ) {
    security.assertCanCall(address);
    this.client = new ControllerClient(address, security.credentials, security.options);
  }

  /** `supernetTrainer`: host:port of the weight-sharing search's own trainer, instead of the controller's default. */
  createSearch(document: SearchDocument, supernetTrainer?: string): Promise<Search> {
    return this.call(this.client.createSearch, { document, ...(supernetTrainer !== undefined ? { supernetTrainer } : {}) });
  }

  getSearch(searchId: string): Promise<Search> {
    return this.call(this.client.getSearch, { searchId });
  }

  /** Every search, oldest first, fetched a page at a time. */
  async listSearches(pageSize = 0): Promise<Search[]> {
    const all: Search[] = [];
    let pageToken = '';
    do {
      const page = await this.listPage(pageSize, pageToken);
      all.push(...page.searches);
      pageToken = page.nextPageToken;
    } while (pageToken !== '');
    return all;
  }

  /** One page of ListSearches. */
  listPage(pageSize: number, pageToken: string): Promise<ListSearchesResponse> {
    return this.call(this.client.listSearches, { pageSize, pageToken });
  }

  cancelSearch(searchId: string): Promise<Search> {
    return this.call(this.client.cancelSearch, { searchId });
  }

  getParetoFront(searchId: string): Promise<GetParetoFrontResponse> {
    return this.call(this.client.getParetoFront, { searchId });
  }

  policySnapshot(searchId: string, minVersion = 0): Promise<PolicySnapshot> {
    return this.call(this.client.getPolicySnapshot, { searchId, minVersion });
  }

  /** The search's events from its creation on, ending after it finished or failed; `signal` ends it early. */
  watch(searchId: string, signal?: AbortSignal): AsyncGenerator<SearchEvent> {
    return this.stream(this.client.watchSearch({ searchId }, this.security.metadata()), signal);
  }

  /** The search's result files in chunks (DownloadResults); `signal` ends it early. */
  downloadResults(searchId: string, signal?: AbortSignal): AsyncGenerator<ResultFileChunk> {
    return this.stream(this.client.downloadResults({ searchId }, this.security.metadata()), signal);
  }

  close(): void {
    this.client.close();
  }

  private async *stream<T>(call: ClientReadableStream<T>, signal?: AbortSignal): AsyncGenerator<T> {
    const cancel = () => call.cancel();
    signal?.addEventListener('abort', cancel, { once: true });
    try {
      for await (const message of call) yield message as T;
    } finally {
      signal?.removeEventListener('abort', cancel);
      call.cancel();
    }
  }

  private call<Req, Res>(method: Unary<Req, Res>, request: Req): Promise<Res> {
    return new Promise((resolve, reject) =>
      method.call(this.client, request, this.security.metadata(), { deadline: Date.now() + CALL_DEADLINE_MS }, (e, r) =>
        e ? reject(e) : resolve(r),
      ),
    );
  }
}
