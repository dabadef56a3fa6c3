import { describe } from 'node:test';
import { MemorySearchStore } from '../../src/store/memory-store.js';
import { searchStoreContract } from './search-store-contract.js';

describe('MemorySearchStore', () => {
  // One process's memory: every "instance" of the store is the same object, and a restart changes nothing.
  const store = new MemorySearchStore();
  searchStoreContract(() => ({ open: async () => store, restart: async () => {} }));
});
