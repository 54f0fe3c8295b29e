-- Join. If the crawl is quiet and nobody else is alive, the last pass is over: a pass that finished
-- less than ARGV[7] seconds ago is left alone (a late worker of that pass finds nothing to do and
-- exits); otherwise a new pass begins and the duplicate filter of the old one is dropped.
-- Returns 0 (pass in progress), 1 (new pass) or 2 (pass just finished). Needs quiet_fn.
local state = 0
if quiet(KEYS[1], KEYS[3], ARGV[4], ARGV[5], ARGV[1], true) then
  local now = tonumber(redis.call('TIME')[1])
  local finished = tonumber(redis.call('GET', KEYS[6]) or '')
  if finished and now - finished < tonumber(ARGV[7]) then
    state = 2
  else
    redis.call('DEL', KEYS[4], KEYS[6])
    state = 1
  end
end
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
redis.call('SADD', KEYS[5], ARGV[6])
return state
