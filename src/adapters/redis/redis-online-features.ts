/**
 * @module adapters/redis/redis-online-features
 * The online feature store on Redis (ioredis; standalone or Cluster). A ranking request is one round trip:
 * a single MGET on standalone Redis, or one MGET per hash tag pipelined per node on Cluster, values fetched
 * as Buffers and decoded without utf8 decoding. Writes and stream commits are Lua scripts per slot
 * (redis-scripts.ts); keys are in redis-keys.ts, the value encoding in redis-codec.ts.
 * TTL: keys expire at eventTs + ttlMs (PXAT) and reads check the expiry against the injected clock.
 */
import type { Cluster, Redis } from 'ioredis';
import type {
  CommitOutcome, EntityKey, FeatureRow, FeatureWrite, OnlineFeatureReader, OnlineFeatureWriter, OnlineLookup, OnlineStateStore,
  PartitionCommit, PartitionLoad, PartitionState,
} from '../../ports/features.ts';
import { DependencyError, ERROR_CODES, InvalidInputError, RecsysError } from '../../errors.ts';
import { hashTagOf, markerKey, rowAddress, rowKey, type RowAddress } from './redis-keys.ts';
import { RowDecoder, RowEncoder } from './redis-codec.ts';
import { COMMIT_PARTITION, WRITE_ROW, type Script } from './redis-scripts.ts';
import { TrackedRowCache, type CachedRow, type RowCacheOptions, type RowCacheStats } from './redis-row-cache.ts';

export interface RedisOnlineFeaturesOptions {
  /** Prefix of every key (default 'wf:'); tests use a unique one per run. */
  keyPrefix?: string;
  /** UTC ms; decides expiry on reads. Default Date.now. */
  clock?: () => number;
  /** How long an applied event id is remembered per partition (default 24 h): the redelivery window. */
  eventDedupTtlMs?: number;
  /** Keys per MGET on standalone Redis (default 20,000); larger requests are split, still pipelined. */
  maxKeysPerCommand?: number;
  /**
   * Keep rows of these entities in a process-local cache that Redis invalidates (redis-row-cache.ts), e.g.
   * `{ entities: ['item'] }`: item rows are shared by every request, user rows are always read from Redis.
   * Standalone Redis ≥ 6 only. Off when unset.
   */
  clientCache?: RowCacheOptions & { entities: readonly string[] };
}

type Client = Redis | Cluster;
type Arg = string | number | Buffer;
type ScriptCall = { script: Script; keys: string[]; args: Arg[] };
type Value = Buffer | null;

const DAY = 86_400_000;

export class RedisOnlineFeatures implements OnlineFeatureReader, OnlineFeatureWriter, OnlineStateStore {
  private readonly prefix: string;
  private readonly clock: () => number;
  private readonly dedupTtlMs: number;
  private readonly maxKeys: number;
  private readonly encoder = new RowEncoder();
  private readonly decoder = new RowDecoder();
  private closed = false;
  private readonly cache: TrackedRowCache | undefined;
  private readonly cached: readonly string[];
  private readonly cacheStarted: Promise<void>;

  /** Takes ownership of `client`: close() quits it (and the cache's subscriber connection). */
  constructor(private readonly client: Client, opts: RedisOnlineFeaturesOptions = {}) {
    this.prefix = opts.keyPrefix ?? 'wf:';
    this.clock = opts.clock ?? Date.now;
    this.dedupTtlMs = opts.eventDedupTtlMs ?? DAY;
    this.maxKeys = opts.maxKeysPerCommand ?? 20_000;
    this.cached = (opts.clientCache?.entities ?? []).map((name) => `${name}=`);
    if (opts.clientCache === undefined || this.cached.length === 0) {
      this.cacheStarted = Promise.resolve();
      return;
    }
    if (client.isCluster) throw new InvalidInputError('the online store\'s client-side cache needs standalone Redis (not Cluster); turn it off');
    const data = client as Redis;
    const sub = data.duplicate({ autoResubscribe: false, lazyConnect: true, connectionName: 'wayfarer-cache-invalidations' });
    this.cache = new TrackedRowCache(data, sub, (redisKey) => locateRow(this.prefix, redisKey), opts.clientCache);
    this.cacheStarted = this.cache.start();
    this.cacheStarted.catch(() => {}); // awaited by cacheReady(); until then reads bypass the cache
  }

  /**
   * Resolves once the client-side cache is tracking (at once when there is none); rejects when Redis
   * refused CLIENT TRACKING (Redis before 6, or a proxy that does not pass it).
   */
  async cacheReady(): Promise<void> {
    try {
      await this.cacheStarted;
    } catch (err) {
      throw new DependencyError(ERROR_CODES.STORE_UNAVAILABLE, `online feature store (Redis, prefix '${this.prefix}'): the client-side cache could not `
        + 'enable CLIENT TRACKING (needs Redis 6 or later); turn the cache off', err);
    }
  }

  /** Hits, misses and invalidations of the client-side cache; undefined without one. */
  cacheStats(): RowCacheStats | undefined {
    return this.cache?.stats();
  }

  /** The client-side cache's subscriber connection id while it listens (for CLIENT LIST / KILL). */
  get cacheSubscriberId(): number | undefined {
    return this.cache?.subscriberId;
  }

  async read(lookups: readonly OnlineLookup[]): Promise<(FeatureRow | undefined)[][]> {
    const cache = this.cache?.active === true ? this.cache : undefined;
    const batch = new ReadBatch();
    const plans = lookups.map((l) => this.planLookup(l, batch, cache));
    const fetch = cache?.begin(batch.tracked);
    let fetched: (CachedRow | undefined)[] = [];
    let replies: Replies;
    try {
      replies = await this.wrap(`read of ${batch.size()} rows`, () => this.send(batch));
      if (fetch !== undefined) fetched = replies.tracked.map((buf, i) => this.decodeEntry(buf, batch.tracked[i]!));
    } finally {
      if (fetch !== undefined) cache!.end(fetch, fetched);
    }
    const now = this.clock();
    const maps = lookups.map(({ keys: ks }, li) => this.assemble(ks, plans[li]!, replies, fetched, now));
    // Drop the replies' references now. V8 may allocate redis-parser's reply arrays straight in the old
    // generation (allocation-site pretenuring); such an array would keep all the value Buffers and their
    // socket chunks alive through every minor GC until the next full one. Measured in bench/features.ts,
    // Node CPU per read in its later phases: 2.1 ms without this, 1.0–1.4 ms with it.
    replies.strings.length = 0;
    for (const h of replies.hashes) h.length = 0;
    return maps;
  }

  /**
   * Where each of a lookup's rows comes from. One-component keys: the cache (hits), a tracked MGET (misses
   * of a cached entity) or the plain MGET. Compound keys: a field of their partition's hash, read whole
   * with HGETALL when many of its fields are asked for (a ranking request: the user×item rows of 500
   * candidates, of which the user touched a few), else with HMGET.
   */
  private planLookup({ view, keys: ks }: OnlineLookup, batch: ReadBatch, cache: TrackedRowCache | undefined): LookupPlan {
    if (ks.length === 0) return { kind: 'strings', slots: new Int32Array(0), hits: [] };
    const first = ks[0]!;
    if (!first.includes('|')) {
      const cached = cache !== undefined && this.isCached(first);
      const slots = new Int32Array(ks.length);
      const hits: (CachedRow | undefined)[] = cached ? new Array<CachedRow | undefined>(ks.length) : [];
      for (let j = 0; j < ks.length; j++) {
        if (!cached) slots[j] = batch.strings.push(`${this.prefix}{${ks[j]!}}:${view}`) - 1;
        else {
          const hit = cache.get(view, ks[j]!);
          if (hit !== undefined) { hits[j] = hit; slots[j] = HIT; } else slots[j] = TRACKED - batch.tracked.push(`${this.prefix}{${ks[j]!}}:${view}`);
        }
      }
      return { kind: 'strings', slots, hits };
    }
    // Usually one partition (the requesting user): keys that start like the first one skip the map.
    const byHash = new Map<string, number>([[rowKey(this.prefix, view, first), 0]]);
    const head = first.slice(0, first.indexOf('|') + 1);
    const hashOf = new Int32Array(ks.length);
    const perHash: number[] = [0];
    for (let j = 0; j < ks.length; j++) {
      const k = ks[j]!;
      let h = 0;
      if (!k.startsWith(head)) {
        const key = rowKey(this.prefix, view, k);
        const known = byHash.get(key);
        if (known === undefined) { byHash.set(key, h = perHash.length); perHash.push(0); } else h = known;
      }
      perHash[h]!++;
      hashOf[j] = h;
    }
    const hashes = [...byHash.keys()].map((key, h) => {
      const fields = perHash[h]! >= HGETALL_FROM ? undefined : ks.filter((_, j) => hashOf[j] === h).map(fieldOf);
      return batch.hashes.push({ key, fields }) - 1;
    });
    return { kind: 'fields', hashOf, hashes };
  }

  private assemble(ks: readonly EntityKey[], plan: LookupPlan, replies: Replies, fetched: readonly (CachedRow | undefined)[], now: number): (FeatureRow | undefined)[] {
    const out = new Array<FeatureRow | undefined>(ks.length).fill(undefined);
    const decoder = this.decoder;
    if (plan.kind === 'strings') {
      for (let j = 0; j < ks.length; j++) {
        const slot = plan.slots[j]!;
        if (slot >= 0) {
          const b = replies.strings[slot];
          if (b === null || b === undefined) continue;
          const row = decoder.decode(b, replies.stringKeys[slot]!);
          if (now <= decoder.expiresAt) out[j] = row;
        } else {
          const entry = slot === HIT ? plan.hits[j] : fetched[TRACKED - slot - 1];
          if (entry?.row !== undefined && now <= entry.expiresAt) out[j] = entry.row;
        }
      }
      return out;
    }
    const fieldMaps = plan.hashes.map((h) => replies.fieldMaps[h]!);
    for (let j = 0; j < ks.length; j++) {
      const h = plan.hashOf[j]!;
      const field = fieldOf(ks[j]!);
      const b = fieldMaps[h]!.get(field);
      if (b === undefined) continue;
      const row = decoder.decode(b, `${replies.hashKeys[plan.hashes[h]!]!} field ${field}`);
      if (now <= decoder.expiresAt) out[j] = row;
    }
    return out;
  }

  private decodeEntry(buf: Value | undefined, key: string): CachedRow {
    if (buf === null || buf === undefined) return { row: undefined, expiresAt: Infinity };
    const row = this.decoder.decode(buf, key);
    return { row, expiresAt: this.decoder.expiresAt };
  }

  /** Whether a key's rows go through the client-side cache: a one-component key of a cached entity. */
  private isCached(key: EntityKey): boolean {
    for (const c of this.cached) if (key.startsWith(c)) return true;
    return false;
  }

  /**
   * Send a read batch in one round trip. Standalone: one pipeline: the plain MGET (split at maxKeys), each
   * hash's HGETALL or HMGET, then `CLIENT CACHING yes` and the tracked MGET. Cluster (no cache): one MGET
   * per hash tag and one command per hash, sent concurrently (auto-pipelined per node).
   */
  private async send(batch: ReadBatch): Promise<Replies> {
    const hashKeys = batch.hashes.map((h) => h.key);
    if (this.client.isCluster) {
      const [strings, ...hashes] = await Promise.all([
        this.mgetPerTag(batch.strings),
        ...batch.hashes.map((h) => (h.fields === undefined ? this.client.callBuffer('HGETALL', h.key) : this.client.hmgetBuffer(h.key, ...h.fields)) as Promise<Value[]>),
      ]);
      return replies(batch, strings, hashes, [], hashKeys);
    }
    if (batch.hashes.length === 0 && batch.tracked.length === 0 && batch.strings.length <= this.maxKeys) {
      return replies(batch, batch.strings.length === 0 ? [] : await this.client.mgetBuffer(...batch.strings), [], [], hashKeys);
    }
    const p = this.client.pipeline();
    const chunks = chunk(batch.strings, this.maxKeys);
    for (const c of chunks) p.mgetBuffer(...c);
    for (const h of batch.hashes) {
      if (h.fields === undefined) p.callBuffer('HGETALL', h.key);
      else p.hmgetBuffer(h.key, ...h.fields);
    }
    if (batch.tracked.length > 0) {
      p.call('CLIENT', 'CACHING', 'yes');
      p.mgetBuffer(...batch.tracked);
    }
    const res = (await p.exec()) ?? [];
    const values = res.map(unwrap) as Value[][];
    const strings = chunks.length === 1 ? values[0]! : values.slice(0, chunks.length).flat();
    const hashes = values.slice(chunks.length, chunks.length + batch.hashes.length);
    const tracked = batch.tracked.length > 0 ? values[values.length - 1]! : [];
    return replies(batch, strings, hashes, tracked, hashKeys);
  }

  async write(rows: readonly FeatureWrite[]): Promise<void> {
    const now = this.clock();
    const cachedKeys: string[] = [];
    const calls = rows.filter((r) => now <= expiresAtOf(r)).map((r): ScriptCall => {
      const at = rowAddress(this.prefix, r.view, r.key);
      if (at.field === '') cachedKeys.push(at.key);
      return { script: WRITE_ROW, keys: [at.key], args: [r.eventTs, expiresAtOf(r), this.body(r), at.field] };
    });
    this.cache?.invalidate(cachedKeys);
    await this.wrap(`write of ${calls.length} rows`, () => this.runScripts(calls));
  }

  async load(loads: readonly PartitionLoad[]): Promise<PartitionState[]> {
    const addresses = loads.flatMap((l) => [
      ...l.rows.map((r) => rowAddress(this.prefix, r.view, r.key)),
      ...l.eventIds.map((e) => ({ key: markerKey(this.prefix, l.partition, e), field: '' })),
    ]);
    const raw = await this.wrap(`state load of ${loads.length} partitions`, () => this.fetchAddresses(addresses));
    const now = this.clock();
    let at = 0;
    return loads.map((l) => {
      const rows = l.rows.map(() => {
        const a = addresses[at]!;
        const s = raw[at++];
        if (s === null || s === undefined) return { version: 0, row: undefined };
        const row = this.decoder.decode(s, a.field === '' ? a.key : `${a.key} field ${a.field}`);
        return { version: this.decoder.version, row: now <= this.decoder.expiresAt ? row : undefined };
      });
      const applied = new Set(l.eventIds.filter(() => { const m = raw[at++]; return m !== null && m !== undefined; }));
      return { rows, applied };
    });
  }

  async commit(commits: readonly PartitionCommit[]): Promise<CommitOutcome[]> {
    const cachedKeys: string[] = [];
    const calls = commits.map((c): ScriptCall => {
      const keys = c.eventIds.map((e) => markerKey(this.prefix, c.partition, e));
      const args: Arg[] = [c.eventIds.length, this.dedupTtlMs];
      for (const r of c.rows) {
        const at = rowAddress(this.prefix, r.view, r.key);
        if (at.field === '') cachedKeys.push(at.key);
        keys.push(at.key);
        args.push(r.expectVersion, expiresAtOf(r), this.body(r), at.field);
      }
      return { script: COMMIT_PARTITION, keys, args };
    });
    // Only one-component (string) rows can be in the cache; a write drops them before it is sent.
    this.cache?.invalidate(cachedKeys);
    const out = await this.wrap(`commit of ${commits.length} partitions`, () => this.runScripts(calls));
    return out.map((r) => r as CommitOutcome);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.cache?.close();
    await this.client.quit().catch(() => this.client.disconnect());
  }

  /** Cluster: one MGET per hash tag, sent concurrently; values in key order. */
  private async mgetPerTag(keys: readonly string[]): Promise<Value[]> {
    if (keys.length === 0) return [];
    const byTag = new Map<string, number[]>();
    keys.forEach((k, i) => {
      const tag = hashTagOf(k);
      const list = byTag.get(tag);
      if (list === undefined) byTag.set(tag, [i]);
      else list.push(i);
    });
    const groups = [...byTag.values()];
    // ioredis pipelines on Cluster must stay on one node: concurrent commands are written back to back
    // (auto-pipelined per node when the client enables it), which is one round trip per node.
    const values = await Promise.all(groups.map((g) => this.client.mgetBuffer(...g.map((i) => keys[i]!))));
    const out = new Array<Value>(keys.length).fill(null);
    groups.forEach((g, gi) => g.forEach((i, j) => { out[i] = values[gi]?.[j] ?? null; }));
    for (const v of values) v.length = 0; // drop the replies' references early (see read)
    return out;
  }

  /** The values at `addresses` in order, in one round trip (send): string keys by MGET, each hash's fields by HMGET. */
  private async fetchAddresses(addresses: readonly RowAddress[]): Promise<Value[]> {
    const batch = new ReadBatch();
    const hashIndex = new Map<string, number>();
    const slots = addresses.map((a) => {
      if (a.field === '') return batch.strings.push(a.key) - 1;
      let h = hashIndex.get(a.key);
      if (h === undefined) hashIndex.set(a.key, h = batch.hashes.push({ key: a.key, fields: [] }) - 1);
      batch.hashes[h]!.fields!.push(a.field);
      return h;
    });
    const r = await this.send(batch);
    return addresses.map((a, i) => (a.field === '' ? r.strings[slots[i]!] : r.fieldMaps[slots[i]!]!.get(a.field)) ?? null);
  }

  /** EVALSHA every call (pipelined on standalone); calls that hit NOSCRIPT are re-sent with EVAL. */
  private async runScripts(calls: readonly ScriptCall[]): Promise<unknown[]> {
    if (calls.length === 0) return [];
    const results = await this.sendScripts(calls, true);
    const missing = results.map((r, i) => [r, i] as const).filter(([r]) => r instanceof Error && r.message.startsWith('NOSCRIPT'));
    if (missing.length > 0) {
      const again = await this.sendScripts(missing.map(([, i]) => calls[i]!), false);
      missing.forEach(([, i], j) => { results[i] = again[j]; });
    }
    for (const r of results) if (r instanceof Error) throw r;
    return results;
  }

  private async sendScripts(calls: readonly ScriptCall[], bySha: boolean): Promise<unknown[]> {
    const rest = (c: ScriptCall): Arg[] => [...c.keys, ...c.args];
    if (!this.client.isCluster) {
      const p = this.client.pipeline();
      for (const c of calls) {
        if (bySha) p.evalsha(c.script.sha, c.keys.length, ...rest(c));
        else p.eval(c.script.lua, c.keys.length, ...rest(c));
      }
      return ((await p.exec()) ?? []).map(([err, v]) => err ?? v);
    }
    const send = (c: ScriptCall): Promise<unknown> => (bySha
      ? this.client.evalsha(c.script.sha, c.keys.length, ...rest(c))
      : this.client.eval(c.script.lua, c.keys.length, ...rest(c)));
    return Promise.all(calls.map((c) => send(c).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))))));
  }

  /** The stored body of a row (see RowEncoder), with the row named in errors. */
  private body(r: FeatureWrite): Buffer {
    const expiresAt = expiresAtOf(r);
    try {
      return this.encoder.body(r.eventTs, expiresAt, r.values);
    } catch (err) {
      if (err instanceof InvalidInputError) throw new InvalidInputError(`feature row ${r.view}/${r.key}: ${err.message}`);
      throw err;
    }
  }

  private async wrap<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      const foreign = err instanceof Error ? /WF_FOREIGN_VALUE (.*)$/.exec(err.message) : null;
      if (foreign !== null) throw new RecsysError({ code: ERROR_CODES.STORE_QUERY, cause: err, message: `online feature store (Redis): ${foreign[1]!}` });
      throw new DependencyError(ERROR_CODES.STORE_UNAVAILABLE, `online feature store (Redis, prefix '${this.prefix}'): ${what} failed`, err);
    }
  }
}

/** A plain MGET slot is ≥ 0; HIT marks a cache hit; tracked MGET slot t is stored as TRACKED - t - 1. */
const HIT = -1;
const TRACKED = -2;
/** A hash is read whole (HGETALL) when at least this many of its fields are asked for, else by HMGET. */
const HGETALL_FROM = 16;

type LookupPlan =
  | { kind: 'strings'; slots: Int32Array; hits: (CachedRow | undefined)[] }
  | { kind: 'fields'; hashOf: Int32Array; hashes: number[] };

/** What one read sends: string keys (plain and tracked) and hashes (all fields, or the listed ones). */
class ReadBatch {
  readonly strings: string[] = [];
  readonly tracked: string[] = [];
  readonly hashes: { key: string; fields: string[] | undefined }[] = [];

  size(): number {
    return this.strings.length + this.tracked.length + this.hashes.reduce((n, h) => n + (h.fields?.length ?? 1), 0);
  }
}

interface Replies {
  strings: Value[];
  stringKeys: readonly string[];
  tracked: Value[];
  hashes: Value[][];
  hashKeys: readonly string[];
  /** Per hash: field → value. */
  fieldMaps: Map<string, Buffer>[];
}

function replies(batch: ReadBatch, strings: Value[], hashes: Value[][], tracked: Value[], hashKeys: string[]): Replies {
  const fieldMaps = batch.hashes.map((h, i) => {
    const m = new Map<string, Buffer>();
    const r = hashes[i] ?? [];
    if (h.fields === undefined) {
      for (let j = 0; j + 1 < r.length; j += 2) if (r[j + 1] !== null) m.set(r[j]!.toString(), r[j + 1]!);
    } else {
      h.fields.forEach((f, j) => { const v = r[j]; if (v !== null && v !== undefined) m.set(f, v); });
    }
    return m;
  });
  return { strings, stringKeys: batch.strings, tracked, hashes, hashKeys, fieldMaps };
}

/** The (view, entity key) of a one-component row's Redis key `<prefix>{<key>}:<view>` (see redis-keys.ts). */
function locateRow(prefix: string, redisKey: string): readonly [string, string] | undefined {
  if (!redisKey.startsWith(prefix) || redisKey[prefix.length] !== '{') return undefined;
  const close = redisKey.indexOf('}:', prefix.length);
  if (close < 0) return undefined;
  return [redisKey.slice(close + 2), redisKey.slice(prefix.length + 1, close)];
}

/** The hash field of a compound entity key: what follows its partition (`item=h7` of `user=u1|item=h7`). */
function fieldOf(key: EntityKey): string {
  return key.slice(key.indexOf('|') + 1);
}

function expiresAtOf(r: FeatureWrite): number {
  if (!Number.isSafeInteger(r.eventTs) || !Number.isSafeInteger(r.ttlMs)) {
    throw new InvalidInputError(`feature row ${r.view}/${r.key}: eventTs and ttlMs must be integer ms`);
  }
  return r.eventTs + r.ttlMs;
}

function unwrap(res: [Error | null, unknown] | undefined): unknown {
  if (res === undefined) return [];
  if (res[0] !== null) throw res[0];
  return res[1];
}

function chunk<T>(xs: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}
