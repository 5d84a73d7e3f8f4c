/**
 * @module adapters/redis/redis-row-cache.test
 * The cache's coherence bookkeeping without a network (the Redis side runs in
 * test/integration/redis-row-cache.test.ts): an invalidation during a fetch keeps that fetch's value out,
 * a reset drops everything and refuses fetches begun before it, a flush (null) empties the cache, and the
 * oldest rows go first at the size bound.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { INVALIDATION_CHANNEL, TrackedRowCache } from './redis-row-cache.ts';

/** Fake connections that answer what setUp sends and let the test emit connection events. */
function fakes() {
  const sent: string[] = [];
  const data = Object.assign(new EventEmitter(), {
    status: 'ready',
    call: async (...args: string[]) => { sent.push(args.join(' ')); return 'OK'; },
  });
  const sub = Object.assign(new EventEmitter(), {
    status: 'ready',
    client: async () => 7,
    subscribe: async (channel: string) => { sent.push(`SUBSCRIBE ${channel}`); return 1; },
    ping: async () => 'PONG',
    quit: async () => 'OK',
    disconnect: () => {},
  });
  return { data: data as unknown as Redis & EventEmitter, sub: sub as unknown as Redis & EventEmitter, sent };
}

const row = (n: number) => ({ row: { eventTs: 1, values: { n } }, expiresAt: Infinity });

async function started(maxRows?: number) {
  const f = fakes();
  const cache = new TrackedRowCache(f.data, f.sub, (k) => ['v', k], { ...(maxRows === undefined ? {} : { maxRows }), pingIntervalMs: 60_000 });
  await cache.start();
  return { ...f, cache };
}

describe('TrackedRowCache', () => {
  it('subscribes before pointing tracking at the subscriber, then serves what fetches stored', async () => {
    const { cache, sent } = await started();
    expect(sent).toEqual([`SUBSCRIBE ${INVALIDATION_CHANNEL}`, 'CLIENT TRACKING on REDIRECT 7 OPTIN NOLOOP']);
    expect(cache.active).toBe(true);
    expect(cache.subscriberId).toBe(7);
    const f = cache.begin(['a', 'b']);
    cache.end(f, [row(1), { row: undefined, expiresAt: Infinity }]);
    expect(cache.get('v', 'a')).toEqual(row(1));
    expect(cache.get('v', 'b')).toEqual({ row: undefined, expiresAt: Infinity });
    expect(cache.get('v', 'c')).toBeUndefined();
    expect(cache.stats()).toMatchObject({ hits: 2, misses: 1, size: 2 });
    await cache.close();
  });

  it('does not store a value whose key was invalidated while its fetch was in flight', async () => {
    const { cache, sub } = await started();
    const f1 = cache.begin(['a', 'b']);
    const f2 = cache.begin(['a']);
    sub.emit('messageBuffer', Buffer.from(INVALIDATION_CHANNEL), [Buffer.from('a')]);
    cache.end(f1, [row(1), row(2)]);
    cache.end(f2, [row(1)]);
    expect(cache.get('v', 'a')).toBeUndefined();
    expect(cache.get('v', 'b')).toEqual(row(2));
    // Once no fetch of 'a' is in flight, a new fetch is stored again.
    cache.end(cache.begin(['a']), [row(3)]);
    expect(cache.get('v', 'a')).toEqual(row(3));
    sub.emit('messageBuffer', Buffer.from(INVALIDATION_CHANNEL), [Buffer.from('a')]);
    expect(cache.get('v', 'a')).toBeUndefined();
    sub.emit('messageBuffer', Buffer.from('other-channel'), [Buffer.from('b')]);
    expect(cache.get('v', 'b')).toEqual(row(2));
    await cache.close();
  });

  it('empties on a flush (a null invalidation), including fetches in flight', async () => {
    const { cache, sub } = await started();
    cache.end(cache.begin(['a']), [row(1)]);
    const f = cache.begin(['b']);
    sub.emit('messageBuffer', Buffer.from(INVALIDATION_CHANNEL), null);
    cache.end(f, [row(2)]);
    expect(cache.stats().size).toBe(0);
    await cache.close();
  });

  it('goes inactive and empty when a connection closes, refuses fetches begun before, and comes back on ready', async () => {
    const { cache, data, sub, sent } = await started();
    cache.end(cache.begin(['a']), [row(1)]);
    const f = cache.begin(['b']);
    data.emit('close');
    expect(cache.active).toBe(false);
    expect(cache.stats()).toMatchObject({ size: 0, resets: 1 });
    cache.end(f, [row(2)]);
    expect(cache.get('v', 'b')).toBeUndefined();
    data.emit('ready');
    await new Promise((r) => setTimeout(r, 0));
    expect(cache.active).toBe(true);
    sub.emit('close');
    expect(cache.active).toBe(false);
    expect(cache.subscriberId).toBeUndefined();
    sub.emit('ready');
    await new Promise((r) => setTimeout(r, 0));
    expect(cache.active).toBe(true);
    expect(sent.filter((s) => s.startsWith('SUBSCRIBE'))).toHaveLength(2); // subscribed again after the close
    await cache.close();
    expect(cache.active).toBe(false);
  });

  it('evicts the oldest rows beyond maxRows', async () => {
    const { cache } = await started(2);
    cache.end(cache.begin(['a', 'b', 'c']), [row(1), row(2), row(3)]);
    expect(cache.get('v', 'a')).toBeUndefined();
    expect(cache.get('v', 'c')).toEqual(row(3));
    expect(cache.stats().size).toBe(2);
    await cache.close();
  });
});
