import { type CallOptions, credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import {
  ControllerClient,
  type GetParetoFrontResponse,
  type PolicySnapshot,
  type Search,
} from '../gen/nasmesh/v1/controller.js';
import type { SearchDocument } from '../gen/nasmesh/v1/common.js';
import type { SearchEvent } from '../gen/nasmesh/v1/events.js';

/** Per-call deadline of the unary calls: they answer from the store, in milliseconds. */
const CALL_DEADLINE_MS = 30_000;

type Unary<Req, Res> = (req: Req, md: Metadata, opts: Partial<CallOptions>, cb: (e: ServiceError | null, r: Res) => void) => unknown;

/** The Controller API as promises, for the CLI, tests and benchmarks (a plain grpc-js client underneath). */
export class Controller {
  private readonly client: ControllerClient;

  constructor(address: string) {
    this.client = new ControllerClient(address, credentials.createInsecure());
  }

  createSearch(document: SearchDocument): Promise<Search> {
    return this.call(this.client.createSearch, { document });
  }

  getSearch(searchId: string): Promise<Search> {
    return this.call(this.client.getSearch, { searchId });
  }

  async listSearches(): Promise<Search[]> {
    return (await this.call(this.client.listSearches, {})).searches;
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
  async *watch(searchId: string, signal?: AbortSignal): AsyncGenerator<SearchEvent> {
    const call = this.client.watchSearch({ searchId });
    const cancel = () => call.cancel();
    signal?.addEventListener('abort', cancel, { once: true });
    try {
      for await (const event of call) yield event as SearchEvent;
    } finally {
      signal?.removeEventListener('abort', cancel);
      call.cancel();
    }
  }

  close(): void {
    this.client.close();
  }

  private call<Req, Res>(method: Unary<Req, Res>, request: Req): Promise<Res> {
    return new Promise((resolve, reject) =>
      method.call(this.client, request, new Metadata(), { deadline: Date.now() + CALL_DEADLINE_MS }, (e, r) =>
        e ? reject(e) : resolve(r),
      ),
    );
  }
}
