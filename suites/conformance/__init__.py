"""`conformance`, `selftest` and `keys`: negative vectors, nonce hygiene, error state, key protection."""
