/**
 * @module adapters/redis/redis-scripts
 * The two Lua scripts of the online store. Each touches keys of one hash tag only (Cluster-safe) and
 * runs atomically. Stored values are `wf1,<version>,<eventTs>,<expiresAt>,<binary>` (see redis-keys.ts):
 * the scripts read the ASCII head only and pass the binary body through (Lua strings are 8-bit clean).
 */
import { createHash } from 'node:crypto';

export interface Script {
  readonly lua: string;
  readonly sha: string;
}

function script(lua: string): Script {
  return { lua, sha: createHash('sha1').update(lua).digest('hex') };
}

/** Refuses a key whose value the store did not write, rather than overwriting or misreading it. */
const FOREIGN = `local function foreign(key)
  return redis.error_reply('WF_FOREIGN_VALUE key ' .. key .. ' holds a value the online feature store did not write (not wf1); delete it')
end`;

/**
 * Newer-wins upsert of one row. KEYS[1] = row key; ARGV = eventTs, expiresAt (UTC ms), and the body of
 * the value after its version: `,eventTs,expiresAt,<binary>`. Returns 1 when written, 0 when the stored
 * row has a newer eventTs. Only the head of the stored value is read (GETRANGE), never the whole row.
 */
export const WRITE_ROW = script(`${FOREIGN}
local head = redis.call('GETRANGE', KEYS[1], 0, 63)
local ver = 0
if head ~= '' then
  local v, t = string.match(head, '^wf1,(%d+),(%-?%d+),')
  if v == nil then return foreign(KEYS[1]) end
  ver = tonumber(v)
  if tonumber(t) > tonumber(ARGV[1]) then return 0 end
end
redis.call('SET', KEYS[1], 'wf1,' .. (ver + 1) .. ARGV[3], 'PXAT', ARGV[2] + 1)
return 1
`);

/**
 * Compare-and-set of one partition. KEYS = n marker keys, then the row keys.
 * ARGV = n, markerTtlMs, then per row: expectVersion, expiresAt, and the body of the new value (as for
 * WRITE_ROW; its version is expectVersion + 1). Returns 'duplicate' when a marker exists, 'conflict' when
 * a version moved (nothing written either way), else writes every row, sets the markers and returns
 * 'committed'. Versions are read from the head of each value (GETRANGE), never the whole row.
 */
export const COMMIT_PARTITION = script(`${FOREIGN}
local n = tonumber(ARGV[1])
for i = 1, n do
  if redis.call('EXISTS', KEYS[i]) == 1 then return 'duplicate' end
end
for i = n + 1, #KEYS do
  local head = redis.call('GETRANGE', KEYS[i], 0, 31)
  local ver = 0
  if head ~= '' then
    local v = string.match(head, '^wf1,(%d+),')
    if v == nil then return foreign(KEYS[i]) end
    ver = tonumber(v)
  end
  if ver ~= tonumber(ARGV[3 + (i - n - 1) * 3]) then return 'conflict' end
end
for i = 1, n do redis.call('SET', KEYS[i], '1', 'PX', ARGV[2]) end
for i = n + 1, #KEYS do
  local a = 3 + (i - n - 1) * 3
  redis.call('SET', KEYS[i], 'wf1,' .. (tonumber(ARGV[a]) + 1) .. ARGV[a + 2], 'PXAT', ARGV[a + 1] + 1)
end
return 'committed'
`);
