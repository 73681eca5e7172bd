"""`performance`: device throughput, latency and operation rates."""
