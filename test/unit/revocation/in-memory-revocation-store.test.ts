import { describe } from 'vitest';
import { InMemoryRevocationStore } from '../../../shared/revocation/in-memory-revocation-store.js';
import { revocationStoreContract, T0 } from './revocation-store-contract.js';

describe('InMemoryRevocationStore', () => {
  revocationStoreContract(async () => {
    let now = T0 * 1000;
    return { store: new InMemoryRevocationStore({ now: () => now }), setNow: (seconds) => (now = seconds * 1000) };
  });
});
