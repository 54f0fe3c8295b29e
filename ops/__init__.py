"""Running the radar every day: `radar run`'s orchestration, source health, alerts, child processes."""
