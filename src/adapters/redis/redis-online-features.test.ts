/**
 * @module adapters/redis/redis-online-features.test
 * The read path without a network (the contract runs against Redis in test/integration): per-tag MGETs
 * as Buffers on Cluster, values put back in request order, expiry by the clock, foreign values refused.
 */
import { describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { RedisOnlineFeatures } from './redis-online-features.ts';
import { hashTagOf, rowKey } from './redis-keys.ts';
import { encodeRow } from './redis-codec.ts';
import { itemKey, userItemKey, userKey } from '../../features/entity-key.ts';

const T = 1_764_000_000_000;

/** A client holding `values` that answers MGET as Buffers, refusing what Redis Cluster refuses. */
function fakeClient(isCluster: boolean, values: ReadonlyMap<string, Buffer>) {
  const calls: string[][] = [];
  const client = {
    isCluster,
    mgetBuffer: async (...keys: string[]) => {
      if (isCluster && new Set(keys.map(hashTagOf)).size > 1) throw new Error(`CROSSSLOT ${keys.join(' ')}`);
      calls.push(keys);
      return keys.map((k) => values.get(k) ?? null);
    },
    quit: async () => 'OK',
  };
  return { client: client as unknown as Redis, calls };
}

describe('RedisOnlineFeatures reads', () => {
  const stored = new Map<string, Buffer>([
    [rowKey('p:', 'u', userKey('u1')), encodeRow(1, T, T + 10, { n: 1 })],
    [rowKey('p:', 'i', itemKey('a')), encodeRow(2, T, T + 10, { n: 2, l: ['x'] })],
    [rowKey('p:', 'i', itemKey('b')), encodeRow(1, T - 100, T - 1, { n: 3 })], // expired at T
    [rowKey('p:', 'ui', userItemKey('u1', 'a')), encodeRow(1, T, T + 10, { s: 'ü' })],
  ]);
  const lookups = [
    { view: 'u', keys: [userKey('u1')] },
    { view: 'i', keys: [itemKey('a'), itemKey('b'), itemKey('c')] },
    { view: 'ui', keys: [userItemKey('u1', 'a'), userItemKey('u1', 'b')] },
  ];

  for (const cluster of [false, true]) {
    it(`reads every lookup in ${cluster ? 'one MGET per hash tag (Cluster)' : 'one MGET (standalone)'}, dropping expired rows`, async () => {
      const { client, calls } = fakeClient(cluster, stored);
      const store = new RedisOnlineFeatures(client, { keyPrefix: 'p:', clock: () => T });
      const [u, i, ui] = await store.read(lookups);
      expect([...u!]).toEqual([[userKey('u1'), { eventTs: T, values: { n: 1 } }]]);
      expect([...i!]).toEqual([[itemKey('a'), { eventTs: T, values: { n: 2, l: ['x'] } }]]);
      expect([...ui!]).toEqual([[userItemKey('u1', 'a'), { eventTs: T, values: { s: 'ü' } }]]);
      expect(calls.length).toBe(cluster ? 4 : 1); // tags user=u1 (3 keys), item=a, item=b, item=c
      await store.close();
    });
  }

  it('refuses a value it did not write, naming the key', async () => {
    const key = rowKey('p:', 'i', itemKey('old'));
    const { client } = fakeClient(false, new Map([[key, Buffer.from('[3,1764000000000,1764000100000,{"a":1.5}]')]]));
    const store = new RedisOnlineFeatures(client, { keyPrefix: 'p:', clock: () => T });
    await expect(store.read([{ view: 'i', keys: [itemKey('old')] }])).rejects.toThrow(`key '${key}' holds a value the store did not write`);
  });
});
