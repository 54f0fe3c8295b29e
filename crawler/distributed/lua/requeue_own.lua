-- Put back this worker's own unfinished leases (on close, and orphans when idle).
-- Needs requeue_fn. KEYS: leases, queue.
return requeue(KEYS[1], KEYS[2])
