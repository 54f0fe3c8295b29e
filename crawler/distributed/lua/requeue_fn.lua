-- Shared function: move every lease of one lease hash back into the queue (score from the field).
local function requeue(leases, queue)
  local kv = redis.call('HGETALL', leases)
  for i = 1, #kv, 2 do
    local score = tonumber(string.match(kv[i], ':([^:]*)$')) or 0
    redis.call('ZADD', queue, score, kv[i + 1])
  end
  redis.call('DEL', leases)
  return #kv / 2
end
