/**
 * @module adapters/redis/redis-keys
 * Key design of the online store on Redis (standalone or Cluster) and the encoding of a row (the codec
 * itself is redis-codec.ts).
 *
 * Keys: a one-component entity's row is a string `<prefix>{<key>}:<view>`; a compound entity's row is a
 * field of its partition's hash `<prefix>{<partition>}:<view>`, named by the rest of the key:
 *   wf:{user=u1}:user_activity           (string)   wf:{item=h7}:item_popularity (string)
 *   wf:{user=u1}:user_item_last          (hash; field item=h7)
 *   wf:{user=u1}:~ev:<eventId>           (applied-event marker)
 * The hash tag is the entity key's first component, so a user's rows, their user×item rows and their
 * event markers share one Cluster slot: a stream update of a user is one atomic Lua script. Item rows
 * are tagged by item, so they spread over the cluster.
 * Why a hash for user×item rows: a ranking request asks for the user×item row of each of ~500
 * candidates, of which a real user touched a few. One HGETALL returns just the rows that exist (a
 * handful of elements) where an MGET of 500 keys made Redis look up 500 keys and the client parse 500
 * replies. Redis 7.0 has no per-field TTL: each row carries its expiry (readers skip expired rows), the
 * hash expires with its longest-lived row, and writes sweep expired fields as the hash grows
 * (redis-scripts.ts).
 * The trade-off: tagging a whole request into one slot (e.g. every key by the requesting user) would make
 * it one node and one command, but item features are shared by every user and would have to be copied
 * per user; tagging all items together (`{items}`) would make one hot slot that no added node relieves.
 * Per-entity tags cost one MGET per item on Cluster (pipelined per node: one round trip per node, in
 * parallel); on standalone Redis the adapter sends one pipeline: an MGET and an HGETALL. With the
 * client-side cache (redis-row-cache.ts) item rows come from the process and Redis serves only the
 * user's rows.
 *
 * Value (format `wf1`, redis-codec.ts): an ASCII head that the Lua scripts read, then a binary body:
 *   wf1,<version>,<eventTs>,<expiresAt>,<u32 schema hash><u32 schema length><schema><payload>
 * The schema lists the fields in order: u8 type (n number, s string, N number list, S string list),
 * u16 name length, utf8 name. The payload holds the values in that order: float64; u32 length + utf8;
 * u32 count + float64s; u32 count + (u32 length + utf8) each; all little-endian. Numbers are float64, so
 * every number (NaN, ±Infinity, -0 included) reads back identical. The scripts read only the head
 * (GETRANGE), and store `wf1,<version>` followed by the body the client sent. A value without the head
 * is refused, naming its key, by the scripts and by the reader, never misread or overwritten.
 * Reads fetch values as Buffers (no utf8 decoding). The reader decodes each distinct schema once (a cache
 * keyed by the hash, a hit verified byte for byte) into a function that builds the values object as one
 * literal, so a row costs a head parse and one float read per number.
 * Measured with bench/features.ts (1 user + 500 items + 500 user×items, 20 features, 60,100 rows; 4 runs
 * each, alternating, load average below 1.5 at the start; p50 / p99 ms, then CPU per request, Node + Redis;
 * before user×item rows moved into hashes and before the client-side cache, whose figures are in
 * src/features/README.md):
 *   JSON `[version,eventTs,expiresAt,{…}]`, MGET as strings, JSON.parse  2.4–3.3 / 5–11   1.6–2.2 + 1.0–1.2
 *   wf1, MGET as Buffers, cached schema decoders                         1.6–2.1 / 4–8    0.9–1.1 + 0.9–1.2
 *   the same MGET with nothing decoded (the floor)                       1.2–1.7 / 2–11   0.4–0.8 + 0.8–1.1
 * wf1 is not smaller for these rows (107 vs 95 bytes for 5 floats, 172 vs 163 for 10): the gain is in
 * decoding. What is left is mostly Redis finding 1,001 keys spread over the keyspace (~1 µs a key; an MGET
 * of 1,001 keys written one after another costs half) and V8's young-generation collections (~1 ms each,
 * every ~10 reads), which set the p99. Earlier layouts (JSON, loaded machine): GET pipeline 7.7 / 32; a
 * hash per row with an HMGET pipeline 15 / 62; HGETALL pipeline 20 / 71.
 */
import type { EntityKey } from '../../ports/features.ts';

/**
 * Where a row lives: a string key (`field` = '') for a one-component entity key, or a field of the
 * partition's hash for a compound one (`wf:{user=u1}:user_item_last` field `item=h7`).
 */
export interface RowAddress {
  readonly key: string;
  readonly field: string;
}

/** The Redis address of a (view, entity) row. */
export function rowAddress(prefix: string, view: string, key: EntityKey): RowAddress {
  const bar = key.indexOf('|');
  return bar < 0 ? { key: `${prefix}{${key}}:${view}`, field: '' } : { key: `${prefix}{${key.slice(0, bar)}}:${view}`, field: key.slice(bar + 1) };
}

/** The string key of a one-component row, or the hash key of a compound one (see rowAddress). */
export function rowKey(prefix: string, view: string, key: EntityKey): string {
  const bar = key.indexOf('|');
  return bar < 0 ? `${prefix}{${key}}:${view}` : `${prefix}{${key.slice(0, bar)}}:${view}`;
}

/** The Redis key marking `eventId` as applied to a partition (same slot as the partition's rows). */
export function markerKey(prefix: string, partition: EntityKey, eventId: string): string {
  return `${prefix}{${partition}}:~ev:${eventId}`;
}

/** The hash tag of a row or marker key (what decides its Cluster slot). */
export function hashTagOf(redisKey: string): string {
  const open = redisKey.indexOf('{');
  const close = redisKey.indexOf('}', open + 1);
  return open >= 0 && close > open + 1 ? redisKey.slice(open + 1, close) : redisKey;
}
