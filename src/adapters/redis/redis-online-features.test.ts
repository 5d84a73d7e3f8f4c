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

/**
 * A client holding string `values` and hash `fields` (`key field` → value) that answers MGET, HMGET and
 * HGETALL as Buffers, in a pipeline on standalone; refuses what Redis Cluster refuses (cross-slot
 * commands, pipelines spanning nodes).
 */
function fakeClient(isCluster: boolean, values: ReadonlyMap<string, Buffer>, fields: ReadonlyMap<string, Buffer> = new Map()) {
  const calls: string[][] = [];
  const mgetBuffer = async (...keys: string[]) => {
    if (isCluster && new Set(keys.map(hashTagOf)).size > 1) throw new Error(`CROSSSLOT ${keys.join(' ')}`);
    calls.push(['MGET', ...keys]);
    return keys.map((k) => values.get(k) ?? null);
  };
  const hmgetBuffer = async (key: string, ...fs: string[]) => {
    calls.push(['HMGET', key, ...fs]);
    return fs.map((f) => fields.get(`${key} ${f}`) ?? null);
  };
  const callBuffer = async (cmd: string, key: string) => {
    if (cmd !== 'HGETALL') throw new Error(`unexpected ${cmd}`);
    calls.push(['HGETALL', key]);
    return [...fields].filter(([k]) => k.startsWith(`${key} `)).flatMap(([k, v]) => [Buffer.from(k.slice(key.length + 1)), v]);
  };
  const pipeline = () => {
    if (isCluster) throw new Error('pipeline on Cluster');
    const queued: (() => Promise<unknown>)[] = [];
    const p = {
      mgetBuffer: (...keys: string[]) => { queued.push(() => mgetBuffer(...keys)); return p; },
      hmgetBuffer: (key: string, ...fs: string[]) => { queued.push(() => hmgetBuffer(key, ...fs)); return p; },
      callBuffer: (cmd: string, key: string) => { queued.push(() => callBuffer(cmd, key)); return p; },
      exec: async () => Promise.all(queued.map(async (q) => [null, await q()])),
    };
    return p;
  };
  const client = { isCluster, mgetBuffer, hmgetBuffer, callBuffer, pipeline, quit: async () => 'OK' };
  return { client: client as unknown as Redis, calls };
}

describe('RedisOnlineFeatures reads', () => {
  const stored = new Map<string, Buffer>([
    [rowKey('p:', 'u', userKey('u1')), encodeRow(1, T, T + 10, { n: 1 })],
    [rowKey('p:', 'i', itemKey('a')), encodeRow(2, T, T + 10, { n: 2, l: ['x'] })],
    [rowKey('p:', 'i', itemKey('b')), encodeRow(1, T - 100, T - 1, { n: 3 })], // expired at T
  ]);
  const fields = new Map([[`${rowKey('p:', 'ui', userItemKey('u1', 'a'))} item=a`, encodeRow(1, T, T + 10, { s: 'ü' })]]);
  const lookups = [
    { view: 'u', keys: [userKey('u1')] },
    { view: 'i', keys: [itemKey('a'), itemKey('b'), itemKey('c')] },
    { view: 'ui', keys: [userItemKey('u1', 'a'), userItemKey('u1', 'b')] },
  ];

  for (const cluster of [false, true]) {
    it(`reads every lookup in ${cluster ? 'one command per hash tag (Cluster)' : 'one pipeline (standalone)'}, dropping expired rows`, async () => {
      const { client, calls } = fakeClient(cluster, stored, fields);
      const store = new RedisOnlineFeatures(client, { keyPrefix: 'p:', clock: () => T });
      const [u, i, ui] = await store.read(lookups);
      expect(u).toEqual([{ eventTs: T, values: { n: 1 } }]);
      expect(i).toEqual([{ eventTs: T, values: { n: 2, l: ['x'] } }, undefined, undefined]);
      expect(ui).toEqual([{ eventTs: T, values: { s: 'ü' } }, undefined]);
      // Standalone: one MGET of the four string keys and one HMGET of the user's hash (2 fields: fewer than
      // HGETALL_FROM). Cluster: one MGET per tag (user=u1, item=a, item=b, item=c) and the HMGET.
      expect(calls.map((c) => c[0])).toEqual(cluster ? ['MGET', 'MGET', 'MGET', 'MGET', 'HMGET'] : ['MGET', 'HMGET']);
      expect(calls.at(-1)).toEqual(['HMGET', 'p:{user=u1}:ui', 'item=a', 'item=b']);
      await store.close();
    });
  }

  it('reads a partition\'s whole hash (HGETALL) when many of its fields are asked for', async () => {
    const { client, calls } = fakeClient(false, stored, fields);
    const store = new RedisOnlineFeatures(client, { keyPrefix: 'p:', clock: () => T });
    const items = Array.from({ length: 40 }, (_, i) => (i === 7 ? 'a' : `x${i}`));
    const [ui] = await store.read([{ view: 'ui', keys: items.map((i) => userItemKey('u1', i)) }]);
    expect(ui!.flatMap((r, j) => (r === undefined ? [] : [[items[j], r]]))).toEqual([['a', { eventTs: T, values: { s: 'ü' } }]]);
    expect(calls).toEqual([['HGETALL', 'p:{user=u1}:ui']]);
    await store.close();
  });

  for (const cluster of [false, true]) {
    it(`keeps keys of several partitions apart (${cluster ? 'Cluster' : 'standalone'})`, async () => {
      const { client } = fakeClient(cluster, stored, fields);
      const store = new RedisOnlineFeatures(client, { keyPrefix: 'p:', clock: () => T });
      const [ui] = await store.read([{ view: 'ui', keys: [userItemKey('u2', 'a'), userItemKey('u1', 'a')] }]);
      expect(ui!.map((r) => r !== undefined)).toEqual([false, true]);
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
