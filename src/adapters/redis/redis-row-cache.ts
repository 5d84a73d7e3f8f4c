/**
 * @module adapters/redis/redis-row-cache
 * A process-local cache of decoded rows that Redis keeps coherent (server-assisted client-side caching,
 * RESP2 two-connection mode): the read connection runs `CLIENT TRACKING on REDIRECT <id> OPTIN NOLOOP`
 * (NOLOOP: no messages for this connection's own writes, which drop their keys locally), each
 * cached fetch is preceded by `CLIENT CACHING yes`, and Redis pushes the key of every tracked key that
 * changes (written, deleted, expired, evicted, flushed) to a subscriber connection on
 * `__redis__:invalidate`. Redis tracks only the keys this process fetched, and forgets a key once it has
 * sent its invalidation, so the message rate is bounded by the cached keys that change.
 *
 * Coherence rules (https://redis.io/docs/latest/develop/reference/client-side-caching/):
 * - An invalidation that arrives while a fetch of the key is in flight makes that fetch's value uncacheable
 *   (the reply may predate the change: replies and invalidations travel on different connections).
 * - Own writes drop the key locally before they are sent (read-your-writes within the process).
 * - Whenever either connection closes or reconnects, or the subscriber misses a ping, the cache is emptied
 *   and bypassed until tracking is set up again; fetches begun before that are not cached.
 * Eviction is first-in first-out at `maxRows` (Redis still tracks an evicted key; its later invalidation
 * is ignored).
 */
import { once } from 'node:events';
import type { Redis } from 'ioredis';
import type { FeatureRow } from '../../ports/features.ts';

export const INVALIDATION_CHANNEL = '__redis__:invalidate';

/** A cached read: the decoded row (undefined when the key held nothing) and when it expires (UTC ms). */
export interface CachedRow {
  readonly row: FeatureRow | undefined;
  readonly expiresAt: number;
}

/** The (view, entity key) a Redis key holds, or undefined for a key the cache does not hold. */
export type LocateKey = (redisKey: string) => readonly [view: string, key: string] | undefined;

export interface RowCacheOptions {
  /** Rows kept (default 200,000); the oldest entries go first. */
  maxRows?: number;
  /** How often the subscriber is pinged; a ping that fails or takes longer empties the cache (default 1,000 ms). */
  pingIntervalMs?: number;
}

export interface RowCacheStats {
  hits: number;
  misses: number;
  invalidations: number;
  resets: number;
  size: number;
}

/** A fetch in flight: its keys are marked so that invalidations during the fetch are seen. */
export interface CacheFetch {
  readonly generation: number;
  readonly keys: readonly string[];
}

export class TrackedRowCache {
  /** view → entity key → row: lookups use the caller's entity keys, no Redis key strings built. */
  private readonly rows = new Map<string, Map<string, CachedRow>>();
  /** Redis keys of the cached rows in insertion order (for eviction). */
  private readonly order = new Map<string, true>();
  private readonly inflight = new Map<string, number>();
  private readonly dirty = new Set<string>();
  private readonly maxRows: number;
  private readonly counts = { hits: 0, misses: 0, invalidations: 0, resets: 0 };
  private generation = 0;
  private ready = false;
  private subscribed = false;
  private closed = false;
  private settingUp: Promise<void> | undefined;
  private pinger: NodeJS.Timeout | undefined;
  private subId: number | undefined;

  /**
   * `data` is the connection the adapter reads with (tracking is enabled on it); `sub` is a connection of
   * its own, created with `autoResubscribe: false` (its id must be read before it subscribes), closed by close().
   */
  constructor(private readonly data: Redis, private readonly sub: Redis, private readonly locate: LocateKey, opts: RowCacheOptions = {}) {
    this.maxRows = opts.maxRows ?? 200_000;
    const pingMs = opts.pingIntervalMs ?? 1000;
    sub.on('error', () => {}); // failures surface as resets; reconnects are ioredis's
    sub.on('messageBuffer', (channel: Buffer, message: Buffer[] | Buffer | null) => {
      if (channel.toString() !== INVALIDATION_CHANNEL) return;
      this.invalidate(message === null ? null : Array.isArray(message) ? message.map(String) : [String(message)]);
    });
    sub.on('close', () => { this.subscribed = false; this.reset(); });
    sub.on('ready', () => { void this.setUp().catch(() => {}); });
    data.on('close', () => this.reset());
    data.on('ready', () => { void this.setUp().catch(() => {}); });
    this.pinger = setInterval(() => this.ping(pingMs), pingMs);
    this.pinger.unref();
  }

  /** Connect the subscriber and enable tracking; throws when Redis refuses (e.g. before Redis 6). */
  async start(): Promise<void> {
    if (this.sub.status === 'wait') await this.sub.connect();
    else if (this.sub.status !== 'ready') await once(this.sub, 'ready');
    await this.setUp();
  }

  /** Whether the cache may be used now (tracking is on and the subscriber is listening). */
  get active(): boolean {
    return this.ready;
  }

  get(view: string, key: string): CachedRow | undefined {
    const hit = this.rows.get(view)?.get(key);
    if (hit === undefined) this.counts.misses++;
    else this.counts.hits++;
    return hit;
  }

  /** Mark keys as being fetched (with `CLIENT CACHING yes`); pass the result to end(). */
  begin(keys: readonly string[]): CacheFetch {
    for (const k of keys) this.inflight.set(k, (this.inflight.get(k) ?? 0) + 1);
    return { generation: this.generation, keys };
  }

  /** Store what a fetch read (`values[i]` for `fetch.keys[i]`), except keys invalidated meanwhile. */
  end(fetch: CacheFetch, values: readonly (CachedRow | undefined)[]): void {
    const store = fetch.generation === this.generation && this.ready;
    fetch.keys.forEach((k, i) => {
      const left = (this.inflight.get(k) ?? 1) - 1;
      const v = values[i];
      if (store && v !== undefined && !this.dirty.has(k)) this.put(k, v);
      if (left > 0) this.inflight.set(k, left);
      else {
        this.inflight.delete(k);
        this.dirty.delete(k);
      }
    });
  }

  /** Drop keys (null: everything), including the results of their fetches in flight. */
  invalidate(keys: readonly string[] | null): void {
    if (keys === null) {
      this.counts.invalidations++;
      this.clear();
      for (const k of this.inflight.keys()) this.dirty.add(k);
      return;
    }
    for (const k of keys) {
      this.counts.invalidations++;
      this.remove(k);
      if (this.inflight.has(k)) this.dirty.add(k);
    }
  }

  /** The subscriber connection's client id while it listens (CLIENT KILL ID in tests; CLIENT LIST in ops). */
  get subscriberId(): number | undefined {
    return this.subscribed ? this.subId : undefined;
  }

  stats(): RowCacheStats {
    return { ...this.counts, size: this.order.size };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.reset();
    clearInterval(this.pinger);
    await this.sub.quit().catch(() => this.sub.disconnect());
  }

  private put(redisKey: string, value: CachedRow): void {
    const at = this.locate(redisKey);
    if (at === undefined) return;
    if (this.order.size >= this.maxRows && !this.order.has(redisKey)) {
      const oldest = this.order.keys().next();
      if (oldest.done !== true) this.remove(oldest.value);
    }
    let view = this.rows.get(at[0]);
    if (view === undefined) this.rows.set(at[0], view = new Map<string, CachedRow>());
    view.set(at[1], value);
    this.order.set(redisKey, true);
  }

  private remove(redisKey: string): void {
    if (!this.order.delete(redisKey)) return;
    const at = this.locate(redisKey);
    if (at !== undefined) this.rows.get(at[0])?.delete(at[1]);
  }

  private clear(): void {
    this.rows.clear();
    this.order.clear();
  }

  /** Bypass and empty the cache; fetches begun before are not stored. */
  private reset(): void {
    if (this.ready) this.counts.resets++;
    this.ready = false;
    this.generation++;
    this.clear();
  }

  /** Subscribe (reading the subscriber's id first) and point the read connection's tracking at it. */
  private setUp(): Promise<void> {
    // Only on a ready subscriber: a command queued while it connects can reach Redis before ioredis's own
    // ready check (INFO), which Redis then refuses in subscriber mode, and ioredis drops the connection.
    // The subscriber's 'ready' handler calls setUp again.
    if (this.sub.status !== 'ready') return Promise.resolve();
    this.settingUp ??= (async () => {
      try {
        while (!this.closed) {
          const generation = this.generation;
          if (!this.subscribed) {
            const id = await this.sub.client('ID');
            await this.sub.subscribe(INVALIDATION_CHANNEL);
            this.subId = id;
            this.subscribed = true;
          }
          await this.data.call('CLIENT', 'TRACKING', 'on', 'REDIRECT', String(this.subId), 'OPTIN', 'NOLOOP');
          if (generation === this.generation && this.subscribed) {
            this.ready = true;
            return;
          }
          // A connection dropped meanwhile: go round again once both are back.
          if (this.sub.status !== 'ready' || this.data.status !== 'ready') return;
        }
      } finally {
        this.settingUp = undefined;
      }
    })();
    return this.settingUp;
  }

  private ping(timeoutMs: number): void {
    if (!this.ready || this.closed) return;
    let answered = false;
    const timer = setTimeout(() => {
      if (!answered && !this.closed) {
        this.subscribed = false;
        this.reset();
        this.sub.disconnect(true); // reconnects; 'ready' sets tracking up again
      }
    }, timeoutMs);
    timer.unref();
    this.sub.ping().then(() => { answered = true; clearTimeout(timer); }, () => { /* the timer resets */ });
  }
}
