"""`randomness`: the GM/T 0005-2021 battery over a device's RANDOM output."""
