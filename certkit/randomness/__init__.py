"""GM/T 0005-2021 randomness statistics: the 15 tests, P- and Q-values, decisions."""
