import type { SearchStore } from '../../src/store/types.js';
import { SupernetCheckpoint } from '../gen/nasmesh/v1/events.js';

/** Blob holding the record of a search's newest stored epoch; written after that epoch's weights. */
const LATEST = 'supernet/latest';

/**
 * A search's supernet checkpoints in the search store: one blob of supernetToBytes per epoch (kept, since
 * evaluators may still be scoring with an older one) and a small record of the newest, from which a restarted
 * trainer resumes and GetLatestCheckpoint answers.
 */
export class CheckpointBlobs {
  constructor(private readonly store: Pick<SearchStore, 'putBlob' | 'getBlob'>) {}

  /** Stores the weights, then the record naming them, so the record never points to weights not yet stored. */
  async put(record: SupernetCheckpoint, bytes: Uint8Array): Promise<void> {
    await this.store.putBlob(record.searchId, record.objectName, bytes);
    await this.store.putBlob(record.searchId, LATEST, new TextEncoder().encode(JSON.stringify(SupernetCheckpoint.toJSON(record))));
  }

  async latest(searchId: string): Promise<SupernetCheckpoint | undefined> {
    const data = await this.store.getBlob(searchId, LATEST);
    return data && SupernetCheckpoint.fromJSON(JSON.parse(new TextDecoder().decode(data)));
  }

  /** The bytes of a stored checkpoint (supernetToBytes) by its object name; throws when there is none. */
  async weights(searchId: string, objectName: string): Promise<Uint8Array> {
    const bytes = await this.store.getBlob(searchId, objectName);
    if (bytes === undefined) throw new Error(`search ${searchId} has no supernet checkpoint '${objectName}'`);
    return bytes;
  }
}
