/**
 * @module test/integration/redis-features-support
 * Helpers for the feature store's Redis suites: a unique key prefix per run, cleanup by prefix, and a
 * Cluster guard that makes a standalone client behave like a Redis Cluster client for key placement.
 */
import { Redis } from 'ioredis';
import { hashTagOf } from '../../src/adapters/redis/redis-keys.ts';

/** A key prefix unique to this run, e.g. `wf_test_1234_lx3k9_ab12:`. */
export function uniquePrefix(name: string): string {
  return `${name}_${process.pid}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6).toString(36)}:`;
}

/** Delete every key under the prefix; returns how many. */
export async function deleteByPrefix(url: string, prefix: string): Promise<number> {
  const r = new Redis(url);
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await r.del(...keys);
    } while (cursor !== '0');
  } finally {
    await r.quit();
  }
  return deleted;
}

function assertOneTag(command: string, keys: readonly unknown[]): void {
  const tags = new Set(keys.map((k) => hashTagOf(String(k))));
  if (tags.size > 1) throw new Error(`CROSSSLOT (guard): ${command} spans hash tags ${[...tags].slice(0, 3).join(', ')}…`);
}

/**
 * A standalone client that reports `isCluster` and refuses what a Redis Cluster refuses: a multi-key
 * command whose keys span hash tags (MGET, EVAL, EVALSHA) and — as ioredis does on Cluster for keys on
 * several nodes — pipelines.
 */
export function clusterGuard(client: Redis): Redis {
  return new Proxy(client, {
    get(target, prop, receiver) {
      if (prop === 'isCluster') return true;
      if (prop === 'pipeline' || prop === 'multi') return () => { throw new Error('pipeline on Cluster (guard): keys may live on several nodes'); };
      if (prop === 'mget') return (...keys: string[]) => { assertOneTag('MGET', keys); return target.mget(...keys); };
      if (prop === 'mgetBuffer') return (...keys: string[]) => { assertOneTag('MGET', keys); return target.mgetBuffer(...keys); };
      if (prop === 'evalsha' || prop === 'eval') {
        return (script: string, numKeys: number, ...rest: (string | number)[]) => {
          assertOneTag(String(prop).toUpperCase(), rest.slice(0, numKeys));
          return prop === 'eval' ? target.eval(script, numKeys, ...rest) : target.evalsha(script, numKeys, ...rest);
        };
      }
      const v: unknown = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
