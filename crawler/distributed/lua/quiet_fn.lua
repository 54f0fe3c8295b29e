-- Shared function: is the crawl quiet — shared queue empty and no lease held by anyone (live or dead)?
local function quiet(workers, queue, worker_prefix, leases_prefix, me, need_dead)
  if redis.call('ZCARD', queue) > 0 then return false end
  for _, w in ipairs(redis.call('SMEMBERS', workers)) do
    if w ~= me then
      if redis.call('HLEN', leases_prefix .. w) > 0 then return false end
      if need_dead and redis.call('EXISTS', worker_prefix .. w) == 1 then return false end
    end
  end
  return true
end
