"""Files julesform owns: the lockfile, its atomic writes, and the apply mutex."""
