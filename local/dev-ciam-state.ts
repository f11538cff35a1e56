// The development CIAM's state: oidc-provider's models (sessions, grants, codes, refresh tokens...), its
// cookie keys and the users' changed claims, in memory and, with a file, kept across restarts (owner-only
// file). It replaces oidc-provider's development MemoryAdapter, so the provider has nothing to warn about.
import { isRecord } from '../shared/lang/is-record.js';
import { readFileSync } from 'node:fs';
import type { Adapter, AdapterPayload } from 'oidc-provider';
import { writePrivateFile } from './local-data.js';
import type { AccountClaims } from './dev-ciam.js';

interface Entry {
  payload: AdapterPayload;
  /** Epoch ms; absent = no expiry. */
  expiresAt?: number;
}

interface StateFile {
  cookieKeys: string[];
  accounts: Record<string, AccountClaims>;
  entries: [string, Entry][];
}

export interface DevCiamState {
  cookieKeys: string[];
  /** Claims saved for users (changed at the account page or with `npm run ciam`). */
  savedAccounts: Record<string, AccountClaims>;
  saveAccount(sub: string, claims: AccountClaims): void;
  /** oidc-provider's `adapter` option. */
  adapter: (name: string) => Adapter;
}

/** Loads (or starts) the state; without `file` it lives in memory only. */
export function openDevCiamState(file: string | undefined, newCookieKey: () => string): DevCiamState {
  const entries = new Map<string, Entry>();
  let cookieKeys: string[] = [];
  const savedAccounts: Record<string, AccountClaims> = {};
  if (file) {
    try {
      const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
      if (isRecord(parsed)) {
        if (Array.isArray(parsed.cookieKeys)) cookieKeys = parsed.cookieKeys.filter((k) => typeof k === 'string');
        if (isRecord(parsed.accounts)) {
          for (const [sub, claims] of Object.entries(parsed.accounts))
            if (isRecord(claims)) savedAccounts[sub] = claims;
        }
        const now = Date.now();
        for (const item of Array.isArray(parsed.entries) ? parsed.entries : []) {
          if (!Array.isArray(item) || typeof item[0] !== 'string' || !isRecord(item[1])) continue;
          const entry = item[1] as unknown as Entry;
          if (!isRecord(entry.payload) || (entry.expiresAt !== undefined && entry.expiresAt <= now)) continue;
          entries.set(item[0], entry);
        }
      }
    } catch {
      // First start (or an unreadable file): a fresh state.
    }
  }
  if (cookieKeys.length === 0) cookieKeys = [newCookieKey()];

  const prune = (): void => {
    const now = Date.now();
    for (const [key, entry] of entries) {
      if (entry.expiresAt !== undefined && entry.expiresAt <= now) entries.delete(key);
    }
  };
  const save = (): void => {
    // In memory only: prune now and then, so many logins (benchmarks) do not grow the map for ever.
    if (!file) {
      if (entries.size > 5_000) prune();
      return;
    }
    prune();
    const state: StateFile = { cookieKeys, accounts: savedAccounts, entries: [...entries] };
    writePrivateFile(file, JSON.stringify(state));
  };
  save();

  const live = (key: string): Entry | undefined => {
    const entry = entries.get(key);
    if (entry?.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  };

  const adapter = (name: string): Adapter => {
    const keyOf = (id: string) => `${name}:${id}`;
    const findBy = (field: 'uid' | 'userCode', value: string): AdapterPayload | undefined => {
      for (const [key, entry] of entries) {
        if (key.startsWith(`${name}:`) && entry.payload[field] === value && live(key)) return entry.payload;
      }
      return undefined;
    };
    return {
      upsert: async (id, payload, expiresIn) => {
        entries.set(keyOf(id), { payload, ...(expiresIn ? { expiresAt: Date.now() + expiresIn * 1000 } : {}) });
        save();
      },
      find: async (id) => live(keyOf(id))?.payload,
      findByUid: async (uid) => findBy('uid', uid),
      findByUserCode: async (userCode) => findBy('userCode', userCode),
      consume: async (id) => {
        const entry = live(keyOf(id));
        if (entry) {
          entry.payload.consumed = Math.floor(Date.now() / 1000);
          save();
        }
      },
      destroy: async (id) => {
        if (entries.delete(keyOf(id))) save();
      },
      revokeByGrantId: async (grantId) => {
        let changed = false;
        for (const [key, entry] of entries) {
          if (entry.payload.grantId === grantId) changed = entries.delete(key) || changed;
        }
        if (changed) save();
      },
    };
  };

  return {
    cookieKeys,
    savedAccounts,
    saveAccount: (sub, claims) => {
      savedAccounts[sub] = claims;
      save();
    },
    adapter,
  };
}
