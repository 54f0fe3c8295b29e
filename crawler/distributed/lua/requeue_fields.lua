-- Put back the given leases of this worker (requests to be done again).
-- KEYS: leases, queue. ARGV: lease fields.
for _, field in ipairs(ARGV) do
  local data = redis.call('HGET', KEYS[1], field)
  if data then
    local score = tonumber(string.match(field, ':([^:]*)$')) or 0
    redis.call('ZADD', KEYS[2], score, data)
    redis.call('HDEL', KEYS[1], field)
  end
end
return #ARGV
