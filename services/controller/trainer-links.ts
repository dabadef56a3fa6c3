import type { StoredSearch } from '../../src/store/types.js';
import { ClientSecurity } from '../common/security/client-security.js';
import { TrainerLink } from './trainer-link.js';

/**
 * The controller's supernet-trainers: one TrainerLink per address, shared by the runs of the searches it trains. A
 * search is trained by the trainer its CreateSearch named (StoredSearch.supernetTrainer: a search's own trainer pod),
 * else by the controller's `--supernet-trainer`. A link no run uses any more is closed (a search's own trainer goes
 * away with the search).
 */
export class TrainerLinks {
  private readonly links = new Map<string, { link: TrainerLink; users: number }>();
  private advertised = '';

  /** `fallback`: `--supernet-trainer`, for the searches that name none; `security`: how the links dial. */
  constructor(
    private readonly fallback?: string,
    private readonly security: ClientSecurity = ClientSecurity.plaintext(),
  ) {}

  /** host:port the trainers reach this controller at, for policy snapshots; set once the controller listens. */
  set controller(address: string) {
    this.advertised = address;
    for (const { link } of this.links.values()) link.controller = address;
  }

  /** The address of a search's trainer; undefined when it names none and there is no `--supernet-trainer`. */
  address(search: Pick<StoredSearch, 'supernetTrainer'>): string | undefined {
    return search.supernetTrainer ?? this.fallback;
  }

  /** The link to a search's trainer, for as long as it is not `release`d; undefined when it has none. */
  acquire(search: Pick<StoredSearch, 'supernetTrainer'>): TrainerLink | undefined {
    const address = this.address(search);
    if (address === undefined) return undefined;
    let entry = this.links.get(address);
    if (!entry) {
      entry = { link: new TrainerLink(address, this.security), users: 0 };
      entry.link.controller = this.advertised;
      this.links.set(address, entry);
    }
    entry.users++;
    return entry.link;
  }

  release(link: TrainerLink): void {
    const entry = this.links.get(link.address);
    if (!entry || --entry.users > 0) return;
    this.links.delete(link.address);
    link.close();
  }

  close(): void {
    for (const { link } of this.links.values()) link.close();
    this.links.clear();
  }
}
