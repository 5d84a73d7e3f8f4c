import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createStore } from '../../src/adapters/postgres/create-store.ts';
import { storeContract } from './store.contract.ts';

// PGlite file-backed under a temporary data folder, as `npm start` uses it.
const dir = mkdtempSync(path.join(os.tmpdir(), 'wayfarer-pglite-'));
storeContract('PostgresStore on PGlite', () => createStore({ schema: 'wayfarer', poolSize: 1, pgliteDir: dir }), async () => {
  rmSync(dir, { recursive: true, force: true });
});
