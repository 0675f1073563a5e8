"""The pure heart: (desired, lockfile, observed) -> plan. No network, no clock, no files."""
