"""The executor: carries a plan out one action at a time, writing the lockfile after each."""
