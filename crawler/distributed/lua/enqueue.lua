-- scrapy-redis's enqueue (SADD, then ZADD) as one step; ARGV[1] is '' for dont_filter requests.
-- KEYS: dupefilter, queue. ARGV: fingerprint, score, encoded request.
if ARGV[1] ~= '' and redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
return 1
