/**
 * @module adapters/redis/redis-scripts
 * The two Lua scripts of the online store. Each touches keys of one hash tag only (Cluster-safe) and
 * runs atomically. Stored values are `[version,eventTs,expiresAt,{…}]` (see redis-keys.ts).
 */
import { createHash } from 'node:crypto';

export interface Script {
  readonly lua: string;
  readonly sha: string;
}

function script(lua: string): Script {
  return { lua, sha: createHash('sha1').update(lua).digest('hex') };
}

/**
 * Newer-wins upsert of one row. KEYS[1] = row key; ARGV = eventTs, expiresAt (UTC ms), and the rest of the
 * value after the version: `,eventTs,expiresAt,{…}]`. Returns 1 when written, 0 when the stored row has
 * a newer eventTs. Only the head of the stored value is read (GETRANGE), never the whole row.
 */
export const WRITE_ROW = script(`
local head = redis.call('GETRANGE', KEYS[1], 0, 63)
local ver = 0
if head ~= '' then
  local v, t = string.match(head, '^%[(%d+),([^,]+),')
  ver = tonumber(v)
  if tonumber(t) > tonumber(ARGV[1]) then return 0 end
end
redis.call('SET', KEYS[1], '[' .. (ver + 1) .. ARGV[3], 'PXAT', ARGV[2] + 1)
return 1
`);

/**
 * Compare-and-set of one partition. KEYS = n marker keys, then the row keys.
 * ARGV = n, markerTtlMs, then per row: expectVersion, expiresAt, and the whole new value (its version is
 * expectVersion + 1, known to the caller). Returns 'duplicate' when a marker exists, 'conflict' when a
 * version moved (nothing written either way), else writes every row, sets the markers and returns
 * 'committed'. Versions are read from the head of each value (GETRANGE), never the whole row.
 */
export const COMMIT_PARTITION = script(`
local n = tonumber(ARGV[1])
for i = 1, n do
  if redis.call('EXISTS', KEYS[i]) == 1 then return 'duplicate' end
end
for i = n + 1, #KEYS do
  local head = redis.call('GETRANGE', KEYS[i], 0, 31)
  local ver = 0
  if head ~= '' then ver = tonumber(string.match(head, '^%[(%d+),')) end
  if ver ~= tonumber(ARGV[3 + (i - n - 1) * 3]) then return 'conflict' end
end
for i = 1, n do redis.call('SET', KEYS[i], '1', 'PX', ARGV[2]) end
for i = n + 1, #KEYS do
  local a = 3 + (i - n - 1) * 3
  redis.call('SET', KEYS[i], ARGV[a + 2], 'PXAT', ARGV[a + 1] + 1)
end
return 'committed'
`);
