import { describe, it } from 'vitest';
import { createStore } from '../../src/adapters/postgres/create-store.ts';
import type { PostgresStore } from '../../src/adapters/postgres/postgres-store.ts';
import { storeContract } from '../contract/store.contract.ts';
import { probeService, uniqueSchema } from '../support/services.ts';

const pg = await probeService('postgres');

if (pg.url === undefined) {
  describe.skip(`PostgresStore on PostgreSQL — ${pg.skipReason}`, () => { it('skipped', () => {}); });
} else {
  const url = pg.url;
  // Each run gets its own schema, dropped afterwards.
  storeContract('PostgresStore on PostgreSQL', () => createStore({ url, schema: uniqueSchema('wf_test'), poolSize: 4 }),
    (s) => (s as PostgresStore).dropSchema());
}
