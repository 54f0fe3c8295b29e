-- Leave: deregister; if the pass finished and we were the last, record when (Redis server time).
-- Needs quiet_fn.
redis.call('DEL', KEYS[2])
if redis.call('HLEN', KEYS[3]) == 0 then redis.call('SREM', KEYS[1], ARGV[1]) end
if ARGV[2] ~= '1' then return 0 end
if not quiet(KEYS[1], KEYS[4], ARGV[3], ARGV[4], ARGV[1], true) then return 0 end
redis.call('SET', KEYS[5], redis.call('TIME')[1])
return 1
