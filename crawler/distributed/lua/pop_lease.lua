-- Take the best request and lease it to this worker; (re-)register the worker while at it.
-- KEYS: queue, leases, heartbeat, workers. ARGV: sequence number, worker id, worker info, TTL ms.
local r = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #r == 0 then return false end
redis.call('ZREM', KEYS[1], r[1])
local field = ARGV[1] .. ':' .. r[2]
redis.call('HSET', KEYS[2], field, r[1])
redis.call('SADD', KEYS[4], ARGV[2])
redis.call('SET', KEYS[3], ARGV[3], 'PX', ARGV[4])
return {r[1], field}
