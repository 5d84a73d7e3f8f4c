/**
 * @module adapters/postgres/postgres-store
 * The Store on Postgres (a server through `pg`, or embedded PGlite): migrations, batched
 * multi-row upserts through `unnest`, idempotent interaction appends, keyset-paginated scans.
 */
import type { Block, Interaction, Item, ItemId, User, UserId } from '../../domain/types.ts';
import type { AppendResult, ScanOptions, Store, StoreCounts } from '../../ports/store.ts';
import { DependencyError, ERROR_CODES } from '../../errors.ts';
import { copyText, type SqlDriver } from './sql-driver.ts';
import { MIGRATIONS, LATEST_SCHEMA_VERSION } from './migrations.ts';
import {
  columns, sortedById, toBlock, toInteraction, toItem, toUser, INTERACTION_COLUMNS, ITEM_COLUMNS, USER_COLUMNS,
  type BlockRow, type InteractionRow, type ItemRow, type UserRow,
} from './rows.ts';

const DEFAULT_BATCH = 10_000;
const STAGE_COLUMNS = ['event_id', 'user_id', 'item_id', 'type', 'value', 'ts_ms', 'session_id', 'context'] as const;

export class PostgresStore implements Store {
  /** Quoted schema name, e.g. "wayfarer". */
  private readonly s: string;

  constructor(private readonly db: SqlDriver, schema: string) {
    this.s = `"${schema}"`;
  }

  get engine(): SqlDriver['engine'] {
    return this.db.engine;
  }

  async migrate(): Promise<void> {
    await this.run('migrate', async () => {
      await this.db.exec(`CREATE SCHEMA IF NOT EXISTS ${this.s};
        CREATE TABLE IF NOT EXISTS ${this.s}.schema_migrations (version int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());`);
      for (const m of MIGRATIONS) {
        await this.db.transaction(async (tx) => {
          // Serialise concurrent migrators (several replicas starting at once).
          await tx.query('SELECT pg_advisory_xact_lock(7219401)');
          const done = await tx.query(`SELECT 1 FROM ${this.s}.schema_migrations WHERE version = $1`, [m.version]);
          if (done.rows.length > 0) return;
          for (const stmt of splitStatements(m.sql.replaceAll('{s}', this.s))) await tx.query(stmt);
          await tx.query(`INSERT INTO ${this.s}.schema_migrations (version, name) VALUES ($1, $2)`, [m.version, m.name]);
        });
      }
    });
  }

  async schemaVersion(): Promise<number> {
    const r = await this.db.query<{ v: number | null }>(`SELECT max(version) AS v FROM ${this.s}.schema_migrations`);
    return r.rows[0]?.v ?? 0;
  }

  async upsertUsers(users: readonly User[]): Promise<void> {
    if (users.length === 0) return;
    const c = columns(sortedById(users), {
      id: (u) => u.id, hc: (u) => u.homeCountry, dev: (u) => u.device, attrs: (u) => JSON.stringify(u.attributes),
    });
    await this.run(`upsert ${users.length} users`, () => this.db.query(
      `INSERT INTO ${this.s}.users (id, home_country, device, attributes)
       SELECT id, hc, dev, attrs::jsonb FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS x(id, hc, dev, attrs)
       ON CONFLICT (id) DO UPDATE SET
         home_country = coalesce(EXCLUDED.home_country, users.home_country),
         device = coalesce(EXCLUDED.device, users.device),
         attributes = users.attributes || EXCLUDED.attributes, updated_at = now()`,
      [c.id, c.hc, c.dev, c.attrs]));
  }

  async upsertItems(items: readonly Item[]): Promise<void> {
    if (items.length === 0) return;
    const c = columns(sortedById(items), {
      id: (i) => i.id, kind: (i) => i.kind, name: (i) => i.name, city: (i) => i.city, country: (i) => i.country,
      lat: (i) => i.lat, lon: (i) => i.lon, price: (i) => i.price, stars: (i) => i.stars, review: (i) => i.reviewScore,
      chain: (i) => i.chain, status: (i) => i.status, avail: (i) => i.available, attrs: (i) => JSON.stringify(i.attributes),
    });
    const keep = (col: string): string => `${col} = coalesce(EXCLUDED.${col}, items.${col})`;
    await this.run(`upsert ${items.length} items`, () => this.db.query(
      `INSERT INTO ${this.s}.items (${ITEM_COLUMNS})
       SELECT id, kind, name, city, country, lat, lon, price, stars, review, chain, status, avail, attrs::jsonb
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::float8[], $7::float8[], $8::float8[],
                   $9::float4[], $10::float4[], $11::text[], $12::text[], $13::bool[], $14::text[])
            AS x(id, kind, name, city, country, lat, lon, price, stars, review, chain, status, avail, attrs)
       ON CONFLICT (id) DO UPDATE SET kind = EXCLUDED.kind, status = EXCLUDED.status,
         ${['name', 'city', 'country', 'lat', 'lon', 'price', 'stars', 'review_score', 'chain', 'available'].map(keep).join(', ')},
         attributes = items.attributes || EXCLUDED.attributes, updated_at = now()`,
      [c.id, c.kind, c.name, c.city, c.country, c.lat, c.lon, c.price, c.stars, c.review, c.chain, c.status, c.avail, c.attrs]));
  }

  async appendInteractions(events: readonly Interaction[], opts: { returnInsertedIds?: boolean } = {}): Promise<AppendResult> {
    const wantIds = opts.returnInsertedIds === true;
    if (events.length === 0) return { inserted: 0, duplicates: 0, ...(wantIds ? { insertedIds: new Set<string>() } : {}) };
    // COPY into a per-transaction staging table, then one INSERT … ON CONFLICT DO NOTHING:
    // the cheapest way to load a batch while keeping appends idempotent by event id.
    const rows = events.map((e) => [e.eventId, e.userId, e.itemId, e.type, e.value, e.ts, e.sessionId, JSON.stringify(e.context)].map(copyText).join('\t'));
    const stage = 'wf_stage_interactions';
    const rowsOut = await this.run(`append ${events.length} interactions`, () => this.db.transaction(async (tx) => {
      await tx.query(`CREATE TEMP TABLE IF NOT EXISTS ${stage} (event_id text, user_id text, item_id text, type text, value float8,
        ts_ms float8, session_id text, context text) ON COMMIT DELETE ROWS`);
      await tx.copyIn(stage, STAGE_COLUMNS, `${rows.join('\n')}\n`);
      const r = await tx.query<{ event_id: string }>(
        `INSERT INTO ${this.s}.interactions (event_id, user_id, item_id, type, value, ts, session_id, context)
         SELECT event_id, user_id, item_id, type, value, to_timestamp(ts_ms / 1000.0), session_id, context::jsonb FROM ${stage}
         ON CONFLICT (event_id) DO NOTHING RETURNING ${wantIds ? 'event_id' : '1 AS event_id'}`);
      return r.rows;
    }));
    const inserted = rowsOut.length;
    return { inserted, duplicates: events.length - inserted, ...(wantIds ? { insertedIds: new Set(rowsOut.map((x) => x.event_id)) } : {}) };
  }

  async addBlocks(blocks: readonly Block[]): Promise<void> {
    if (blocks.length === 0) return;
    const c = columns(blocks, { item: (b) => b.itemId, user: (b) => b.userId, reason: (b) => b.reason });
    await this.run(`add ${blocks.length} blocks`, () => this.db.query(
      `INSERT INTO ${this.s}.blocks (item_id, user_id, reason)
       SELECT item, usr, reason FROM unnest($1::text[], $2::text[], $3::text[]) AS x(item, usr, reason)
       ON CONFLICT (item_id, (coalesce(user_id, ''))) DO NOTHING`, [c.item, c.user, c.reason]));
  }

  async removeBlocks(blocks: readonly Pick<Block, 'itemId' | 'userId'>[]): Promise<void> {
    if (blocks.length === 0) return;
    const c = columns(blocks, { item: (b) => b.itemId, user: (b) => b.userId ?? '' });
    await this.run(`remove ${blocks.length} blocks`, () => this.db.query(
      `DELETE FROM ${this.s}.blocks b USING unnest($1::text[], $2::text[]) AS x(item, usr)
       WHERE b.item_id = x.item AND coalesce(b.user_id, '') = x.usr`, [c.item, c.user]));
  }

  async *scanInteractions(opts: ScanOptions = {}): AsyncIterable<Interaction[]> {
    const batch = opts.batchSize ?? DEFAULT_BATCH;
    const where: string[] = [];
    const params: unknown[] = [];
    if (opts.fromTs !== undefined) { params.push(opts.fromTs); where.push(`ts >= to_timestamp($${params.length} / 1000.0)`); }
    if (opts.toTs !== undefined) { params.push(opts.toTs); where.push(`ts < to_timestamp($${params.length} / 1000.0)`); }
    if (opts.types !== undefined) { params.push(opts.types); where.push(`type = ANY($${params.length}::text[])`); }
    let cursor: { ts: number; id: string } | undefined;
    for (;;) {
      const p = [...params];
      const w = [...where];
      if (cursor !== undefined) {
        p.push(cursor.ts, cursor.id);
        w.push(`(ts, event_id) > (to_timestamp($${p.length - 1} / 1000.0), $${p.length})`);
      }
      p.push(batch);
      const sql = `SELECT ${INTERACTION_COLUMNS} FROM ${this.s}.interactions ${w.length ? `WHERE ${w.join(' AND ')}` : ''}
                   ORDER BY ts, event_id LIMIT $${p.length}`;
      const r = await this.run('scan interactions', () => this.db.query<InteractionRow>(sql, p));
      if (r.rows.length === 0) return;
      const rows = r.rows.map(toInteraction);
      const last = rows[rows.length - 1] as Interaction;
      cursor = { ts: last.ts, id: last.eventId };
      yield rows;
      if (r.rows.length < batch) return;
    }
  }

  async timeRange(): Promise<{ minTs: number; maxTs: number } | null> {
    const r = await this.run('read time range', () => this.db.query<{ min_ts: number | null; max_ts: number | null }>(
      `SELECT round(extract(epoch from min(ts)) * 1000)::float8 AS min_ts, round(extract(epoch from max(ts)) * 1000)::float8 AS max_ts
       FROM ${this.s}.interactions`));
    const row = r.rows[0];
    return row?.min_ts == null || row.max_ts == null ? null : { minTs: row.min_ts, maxTs: row.max_ts };
  }

  async userHistory(userId: UserId, limit: number): Promise<Interaction[]> {
    const r = await this.run('read user history', () => this.db.query<InteractionRow>(
      `SELECT ${INTERACTION_COLUMNS} FROM ${this.s}.interactions WHERE user_id = $1 ORDER BY ts DESC, event_id DESC LIMIT $2`,
      [userId, limit]));
    return r.rows.map(toInteraction);
  }

  async getUsers(ids: readonly UserId[]): Promise<User[]> {
    const r = await this.db.query<UserRow>(`SELECT ${USER_COLUMNS} FROM ${this.s}.users WHERE id = ANY($1::text[])`, [ids]);
    return r.rows.map(toUser);
  }

  async getItems(ids: readonly ItemId[]): Promise<Item[]> {
    const r = await this.db.query<ItemRow>(`SELECT ${ITEM_COLUMNS} FROM ${this.s}.items WHERE id = ANY($1::text[])`, [ids]);
    return r.rows.map(toItem);
  }

  scanItems(batchSize = DEFAULT_BATCH): AsyncIterable<Item[]> {
    return this.scanById<ItemRow, Item>('items', ITEM_COLUMNS, toItem, batchSize);
  }

  scanUsers(batchSize = DEFAULT_BATCH): AsyncIterable<User[]> {
    return this.scanById<UserRow, User>('users', USER_COLUMNS, toUser, batchSize);
  }

  async listBlocks(): Promise<Block[]> {
    const r = await this.db.query<BlockRow>(`SELECT item_id, user_id, reason FROM ${this.s}.blocks ORDER BY item_id, user_id NULLS FIRST`);
    return r.rows.map(toBlock);
  }

  async counts(): Promise<StoreCounts> {
    const r = await this.db.query<StoreCounts>(`SELECT
      (SELECT count(*)::int FROM ${this.s}.users) AS users, (SELECT count(*)::int FROM ${this.s}.items) AS items,
      (SELECT count(*)::int FROM ${this.s}.interactions) AS interactions, (SELECT count(*)::int FROM ${this.s}.blocks) AS blocks`);
    return r.rows[0] as StoreCounts;
  }

  async close(): Promise<void> {
    await this.db.close();
  }

  /** Drop the whole schema (tests and `wayfarer data reset`). */
  async dropSchema(): Promise<void> {
    await this.db.exec(`DROP SCHEMA IF EXISTS ${this.s} CASCADE`);
  }

  private async *scanById<R extends { id: string }, T>(table: string, cols: string, map: (r: R) => T, batch: number): AsyncIterable<T[]> {
    let after = '';
    for (;;) {
      const r = await this.run(`scan ${table}`, () => this.db.query<R>(
        `SELECT ${cols} FROM ${this.s}.${table} WHERE id > $1 ORDER BY id LIMIT $2`, [after, batch]));
      if (r.rows.length === 0) return;
      after = (r.rows[r.rows.length - 1] as R).id;
      yield r.rows.map(map);
      if (r.rows.length < batch) return;
    }
  }

  /** Wrap driver errors with what was being done, keeping the cause. */
  private async run<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw new DependencyError(ERROR_CODES.STORE_QUERY, `${this.db.engine} store: ${what} failed in schema ${this.s}: ${(err as Error).message}`, err);
    }
  }
}

/** Split a migration script on statement-ending semicolons (migrations contain no procedural bodies). */
function splitStatements(sql: string): string[] {
  return sql.split(/;\s*(?:\n|$)/).map((s) => s.replace(/^\s*--.*$/gm, '').trim()).filter((s) => s.length > 0);
}

export { LATEST_SCHEMA_VERSION };
