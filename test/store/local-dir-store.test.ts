import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { padIndex } from '../../src/store/keys.js';
import { LocalDirSearchStore } from '../../src/store/local-dir-store.js';
import { candidate, searchStoreContract } from './search-store-contract.js';

const root = mkdtempSync(join(tmpdir(), 'nasmesh-store-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('LocalDirSearchStore', () => {
  // A restart of the embedded store is a new process reading the same directory.
  searchStoreContract(() => ({
    open: async () => new LocalDirSearchStore(root, () => {}),
    restart: async () => {},
    corrupt: async (id, record, text) => {
      const file =
        record === 'search'
          ? 'search.json'
          : record === 'checkpoint'
            ? 'checkpoint.json'
            : join('candidates', `${padIndex(record.candidate)}.json`);
      mkdirSync(dirname(join(root, id, file)), { recursive: true });
      writeFileSync(join(root, id, file), text);
    },
  }));

  it('leaves no temporary files and ignores those a killed writer left', async () => {
    const store = new LocalDirSearchStore(root);
    await store.putCandidate('tidy', candidate(0));
    await store.putCandidate('tidy', candidate(0, 0.5));
    const dir = join(root, 'tidy', 'candidates');
    assert.deepEqual(readdirSync(dir), ['000000000.json']);
    writeFileSync(join(dir, '000000001.json.tmp-1-abcd'), '{"index": 1, "tor');
    assert.deepEqual(
      (await store.listCandidates('tidy')).map((c) => c.index),
      [0],
    );
  });
});
