"""Load and latency harness (make bench)."""
