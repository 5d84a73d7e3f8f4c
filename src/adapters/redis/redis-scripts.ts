/**
 * @module adapters/redis/redis-scripts
 * The two Lua scripts of the online store. Each touches keys of one hash tag only (Cluster-safe) and
 * runs atomically. Stored values are `wf1,<version>,<eventTs>,<expiresAt>,<binary>` (see redis-keys.ts),
 * in string keys or hash fields: the scripts read the ASCII head only and pass the binary body through
 * (Lua strings are 8-bit clean).
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
 * Shared Lua: a row lives at a string key (field '') or in a field of its partition's hash (see
 * redis-keys.ts). `head` reads the first bytes of a row, `put` stores one: a string with PXAT; a hash
 * field, pushing the hash's expiry out to the row's if later (PEXPIREAT … GT, Redis 7.0 or later; so an
 * idle partition's hash expires as a whole), and sweeping the hash's expired fields whenever a new field brings it to 64, 128, 256, …
 * fields (amortised O(1) per new field; Redis 7.0 has no per-field TTL, and readers skip expired rows).
 */
const ROWS = `local function foreign(key, field)
  local where = key
  if field ~= '' then where = key .. ' field ' .. field end
  return redis.error_reply('WF_FOREIGN_VALUE key ' .. where .. ' holds a value the online feature store did not write (not wf1); delete it')
end
local function head(key, field, n)
  if field == '' then return redis.call('GETRANGE', key, 0, n - 1) end
  local v = redis.call('HGET', key, field)
  if not v then return '' end
  return string.sub(v, 1, n)
end
local function nowms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function sweep(key)
  local n = redis.call('HLEN', key)
  if n < 64 or bit.band(n, n - 1) ~= 0 then return end
  local now = nowms()
  local all = redis.call('HGETALL', key)
  for i = 1, #all, 2 do
    local exp = string.match(all[i + 1], '^wf1,%d+,%-?%d+,(%-?%d+),')
    if exp ~= nil and tonumber(exp) < now then redis.call('HDEL', key, all[i]) end
  end
end
local function put(key, field, value, expiresAt)
  local at = tonumber(expiresAt) + 1
  if field == '' then
    redis.call('SET', key, value, 'PXAT', at)
    return
  end
  local added = redis.call('HSET', key, field, value)
  -- GT (Redis 7): only a later expiry; a hash without one (just created) counts as never expiring.
  if redis.call('PEXPIREAT', key, at, 'GT') == 0 and redis.call('PTTL', key) == -1 then redis.call('PEXPIREAT', key, at) end
  if added == 1 then sweep(key) end
end`;

/**
 * Newer-wins upsert of one row. KEYS[1] = the row's key; ARGV = eventTs, expiresAt (UTC ms), the body of
 * the value after its version (`,eventTs,expiresAt,<binary>`), and the hash field ('' for a string key).
 * Returns 1 when written, 0 when the stored row has a newer eventTs. Only the head of a stored string is
 * read (GETRANGE), never the whole row.
 */
export const WRITE_ROW = script(`${ROWS}
local h = head(KEYS[1], ARGV[4], 64)
local ver = 0
if h ~= '' then
  local v, t = string.match(h, '^wf1,(%d+),(%-?%d+),')
  if v == nil then return foreign(KEYS[1], ARGV[4]) end
  ver = tonumber(v)
  if tonumber(t) > tonumber(ARGV[1]) then return 0 end
end
put(KEYS[1], ARGV[4], 'wf1,' .. (ver + 1) .. ARGV[3], ARGV[2])
return 1
`);

/**
 * Compare-and-set of one partition. KEYS = n marker keys, then each row's key (a hash key repeats for
 * each of its fields). ARGV = n, markerTtlMs, then per row: expectVersion, expiresAt, the body of the new
 * value (as for WRITE_ROW; its version is expectVersion + 1) and the hash field ('' for a string key).
 * Returns 'duplicate' when a marker exists, 'conflict' when a version moved (nothing written either way),
 * else writes every row, sets the markers and returns 'committed'.
 */
export const COMMIT_PARTITION = script(`${ROWS}
local n = tonumber(ARGV[1])
for i = 1, n do
  if redis.call('EXISTS', KEYS[i]) == 1 then return 'duplicate' end
end
for i = n + 1, #KEYS do
  local a = 3 + (i - n - 1) * 4
  local h = head(KEYS[i], ARGV[a + 3], 32)
  local ver = 0
  if h ~= '' then
    local v = string.match(h, '^wf1,(%d+),')
    if v == nil then return foreign(KEYS[i], ARGV[a + 3]) end
    ver = tonumber(v)
  end
  if ver ~= tonumber(ARGV[a]) then return 'conflict' end
end
for i = 1, n do redis.call('SET', KEYS[i], '1', 'PX', ARGV[2]) end
for i = n + 1, #KEYS do
  local a = 3 + (i - n - 1) * 4
  put(KEYS[i], ARGV[a + 3], 'wf1,' .. (tonumber(ARGV[a]) + 1) .. ARGV[a + 2], ARGV[a + 1])
end
return 'committed'
`);
