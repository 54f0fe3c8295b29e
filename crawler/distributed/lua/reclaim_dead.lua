-- Put back every lease of every worker whose heartbeat expired (ARGV[1] is the caller).
-- Needs requeue_fn. KEYS: workers, queue. ARGV: caller, heartbeat prefix, leases prefix.
local moved = 0
for _, w in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if w ~= ARGV[1] and redis.call('EXISTS', ARGV[2] .. w) == 0 then
    moved = moved + requeue(ARGV[3] .. w, KEYS[2])
    redis.call('SREM', KEYS[1], w)
  end
end
return moved
