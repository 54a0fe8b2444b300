"""The Redis store's Lua scripts, and the packed form in which scripts keep and merge state.

Redis 7.0's cjson (no `decode_array_with_array_mt`) turns `[]` into `{}` and numbers into
doubles printed with 14 digits, so the scripts never let it re-encode a number or an array.
State is stored *packed*: objects stay objects (a merge patch only ever recurses into
objects), and every number and array becomes an opaque string `~<its compact JSON>`; a string
that itself starts with `~` gets one more. cjson then only ever sees objects, strings,
booleans and null, which it round-trips exactly (an empty table encodes as `{}`), and a
patch, packed the same way, merges leaf for leaf. Python unpacks on read.

Change messages are never built by cjson either: Python sends each change's fields already
encoded and the script only splices in the type and the new version, so the text a
subscriber receives is byte for byte what Python would have produced.

Every script gets KEYS = (document hash, log list) and ARGV[1] = now (the injected clock),
ARGV[2] = the document's pub/sub channel; replies are tables whose first item is a status.

Each document has an incarnation id (`e`, EPOCH_LENGTH hex digits, new at every create). Pub/sub
messages are the id followed by the change text, and changes_since answers it too, so a
subscriber never continues from one incarnation into another (after Redis lost its data, say):
versions restart at 1 and would otherwise look like a continuation.
"""

from __future__ import annotations

import json
from typing import Any

from lobbyd.store.codec import dumps

TAG = "~"
EPOCH_LENGTH = 16
DELETED = "deleted"  # published on a document's channel when the document is removed


def pack(value: Any) -> Any:
    """The form scripts store: numbers and arrays become opaque `~`-tagged strings."""
    if isinstance(value, dict):
        return {name: pack(item) for name, item in value.items()}
    if isinstance(value, str):
        return TAG + value if value.startswith(TAG) else value
    if value is None or isinstance(value, bool):
        return value
    return TAG + dumps(value)


def unpack(value: Any) -> Any:
    """The JSON value of a packed one."""
    if isinstance(value, dict):
        return {name: unpack(item) for name, item in value.items()}
    if isinstance(value, str) and value.startswith(TAG):
        rest = value[1:]
        return rest if rest.startswith(TAG) else json.loads(rest)
    return value


_PRELUDE = r"""
local doc, log, channel = KEYS[1], KEYS[2], ARGV[2]
local now = tonumber(ARGV[1])

-- v, exp, e and the fields asked for; nil when the document is absent or past its `exp`
-- (then removed, and its subscribers told).
local function live(...)
  local h = redis.call('HMGET', doc, 'v', 'exp', 'e', ...)
  if not h[1] then return nil end
  if h[2] and tonumber(h[2]) <= now then
    redis.call('DEL', doc, log)
    redis.call('PUBLISH', channel, 'deleted')
    return nil
  end
  return h
end
"""

CREATE = (
    _PRELUDE
    + r"""
-- ARGV[3] host, ARGV[4] a new incarnation id, ARGV[5] events applied, ARGV[6..] guests
if not live() then
  redis.call('DEL', log)
  redis.call('HSET', doc, 'v', 1, 'e', ARGV[4], 'state', '{}', 'size', 2, 'applied', ARGV[5],
    'm:' .. ARGV[3], '{}')
  for i = 6, #ARGV do redis.call('HSET', doc, 'm:' .. ARGV[i], '{}') end
end
return redis.call('HGETALL', doc)
"""
)

CHANGES_SINCE = (
    _PRELUDE
    + r"""
-- ARGV[3] since, ARGV[4] log_age. The log alternates time, change text: the last 2n items
-- are the last n changes, so versions map to indexes without decoding anything.
local h = live()
if not h then return {'no_document'} end
local version, since, epoch = tonumber(h[1]), tonumber(ARGV[3]), h[3] or ''
if since == version then return {'ok', epoch} end
local needed = version - since
if since > version or 2 * needed > redis.call('LLEN', log) then return {'gone', epoch} end
local entries = redis.call('LRANGE', log, -2 * needed, -1)
if tonumber(entries[1]) < now - tonumber(ARGV[4]) then return {'gone', epoch} end
table.insert(entries, 1, epoch)
table.insert(entries, 1, 'ok')
return entries
"""
)

EXPIRE = (
    _PRELUDE
    + r"""
-- ARGV[3] seconds, ARGV[4] now + seconds. `exp` (the injected clock) decides; the TTLs only
-- collect the garbage.
if not live() then return 0 end
local seconds = tonumber(ARGV[3])
redis.call('HSET', doc, 'exp', ARGV[4])
local ms = math.max(1, math.floor(seconds * 1000))
redis.call('PEXPIRE', doc, ms)
redis.call('PEXPIRE', log, ms)
return 1
"""
)

#: KEYS[1] a member's sorted set of socket claims; ARGV now, socket id, limit, when the claim
#: lapses, the set's TTL in ms. 1 if claimed, 0 when the member already holds `limit`.
CLAIM_SOCKET = r"""
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[4], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1
"""

_MERGE = r"""
local null, TAG = cjson.null, 126

-- Bytes of a string in Python's compact JSON (ensure_ascii=False).
local function strsize(s)
  if not string.find(s, '[%z\1-\31"\\]') then return #s + 2 end
  local _, short = string.gsub(s, '[\8\9\10\12\13"\\]', '')
  local _, long = string.gsub(s, '[%z\1-\7\11\14-\31]', '')
  return #s + 2 + short + 5 * long
end

local function count(t)
  local n = 0
  for _ in pairs(t) do n = n + 1 end
  return n
end

local function commas(n)
  if n > 1 then return n - 1 end
  return 0
end

-- Bytes of a packed value once unpacked and encoded compactly.
local function valsize(v)
  local t = type(v)
  if t == 'string' then
    if string.byte(v, 1) == TAG then
      if string.byte(v, 2) == TAG then return strsize(string.sub(v, 2)) end
      return #v - 1
    end
    return strsize(v)
  elseif t == 'table' then
    local total, n = 2, 0
    for k, x in pairs(v) do
      total, n = total + strsize(k) + 1 + valsize(x), n + 1
    end
    return total + commas(n)
  elseif v == false then
    return 5
  end
  return 4
end

-- RFC 7396 in place on packed objects; returns how many bytes the object grew by, walking
-- only what the patch touches.
local function merge(t, p)
  local before = count(t)
  local n, delta = before, 0
  for k, pv in pairs(p) do
    local tv = t[k]
    if pv == null then
      if tv ~= nil then
        delta, n, t[k] = delta - strsize(k) - 1 - valsize(tv), n - 1, nil
      end
    else
      if tv == nil then
        delta, n = delta + strsize(k) + 1, n + 1
      end
      if type(pv) == 'table' then
        if type(tv) ~= 'table' then
          if tv ~= nil then delta = delta - valsize(tv) end
          tv = {}
          t[k], delta = tv, delta + 2
        end
        delta = delta + merge(tv, pv)
      else
        if tv ~= nil then delta = delta - valsize(tv) end
        t[k], delta = pv, delta + valsize(pv)
      end
    end
  end
  return delta + commas(n) - commas(before)
end
"""

WRITE = (
    _PRELUDE
    + _MERGE
    + r"""
-- ARGV[3] if_version or '', [4] log_size, [5] log_age, [6] op, [7..] the op's arguments.
-- Each op checks and writes its fields and returns the change type and the change's
-- fields as JSON text, or nil and a refusal.
local ops = {}

function ops.put()  -- [7] packed state, [8] its compact size, [9] fields, [10] state_max
  if tonumber(ARGV[8]) > tonumber(ARGV[10]) then return nil, 'too_large' end
  redis.call('HSET', doc, 'state', ARGV[7], 'size', ARGV[8])
  return 'state_replaced', ARGV[9]
end

function ops.patch()  -- [7] packed patch, [8] fields, [9] state_max
  local h = redis.call('HMGET', doc, 'state', 'size')
  local state = cjson.decode(h[1])
  local size = tonumber(h[2]) + merge(state, cjson.decode(ARGV[7]))
  if size > tonumber(ARGV[9]) then return nil, 'too_large' end
  redis.call('HSET', doc, 'state', cjson.encode(state), 'size', size)
  return 'state_patch', ARGV[8]
end

function ops.member()  -- [7] player, [8] document, [9] fields, [10] member_max
  local field = 'm:' .. ARGV[7]
  if redis.call('HEXISTS', doc, field) == 0 then return nil, 'not_member' end
  if #ARGV[8] > tonumber(ARGV[10]) then return nil, 'too_large' end
  redis.call('HSET', doc, field, ARGV[8])
  return 'member_updated', ARGV[9]
end

function ops.event()  -- [7] seq, [8] type, [9] player, [10] fields
  local kind = ARGV[8]
  if kind == 'member_joined' then
    redis.call('HSET', doc, 'm:' .. ARGV[9], '{}')
  elseif kind == 'session_ended' then
    redis.call('HSET', doc, 'ended', 1)
  else
    redis.call('HDEL', doc, 'm:' .. ARGV[9])
  end
  return kind, ARGV[10]
end

-- The log's bytes of change text are kept in the document's `lb`; the last argument of every
-- write is the bound. The entry just added is never dropped (it is young, and the last one).
local function append(text)
  local keep, max_bytes = 2 * tonumber(ARGV[4]), tonumber(ARGV[#ARGV])
  local length = redis.call('RPUSH', log, ARGV[1], text)
  local bytes = redis.call('HINCRBY', doc, 'lb', #text)
  local cutoff = now - tonumber(ARGV[5])
  while length > 2 and (length > keep or bytes > max_bytes
      or tonumber(redis.call('LINDEX', log, 0)) < cutoff) do
    local dropped = redis.call('LPOP', log, 2)
    bytes, length = bytes - #dropped[2], length - 2
  end
  redis.call('HSET', doc, 'lb', bytes)
  if length == 2 then
    local ttl = redis.call('PTTL', doc)
    if ttl > 0 then redis.call('PEXPIRE', log, ttl) end
  end
end

local h = live('ended', 'applied')
if not h then return {'no_document'} end
local version, op = tonumber(h[1]), ARGV[6]
local ended = h[4]
if op == 'event' then
  local seq, applied = tonumber(ARGV[7]), tonumber(h[5] or '0')
  if seq <= applied then return {'applied'} end
  if seq > applied + 1 then return {'out_of_order', applied} end
  redis.call('HSET', doc, 'applied', seq)
  if ended then return {'applied'} end
end
if ended then return {'ended'} end
if ARGV[3] ~= '' and tonumber(ARGV[3]) ~= version then return {'stale', version} end
local kind, fields = ops[op]()
if not kind then return {fields} end
version = version + 1
redis.call('HSET', doc, 'v', version)
local text = '{"type":"' .. kind .. '","version":' .. version .. ',' .. string.sub(fields, 2)
append(text)
redis.call('PUBLISH', channel, (h[3] or '') .. text)
return {'ok', version}
"""
)
