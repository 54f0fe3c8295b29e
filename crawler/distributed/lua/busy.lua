-- 1 while the crawl is not quiet. Needs quiet_fn. KEYS: workers, queue. ARGV: heartbeat prefix, leases prefix.
if quiet(KEYS[1], KEYS[2], ARGV[1], ARGV[2], '', false) then return 0 end
return 1
