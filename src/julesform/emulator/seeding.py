"""Every random choice the emulator makes comes from here, keyed by the seed and a purpose string,
so the same seed and the same requests give the same ids, behaviours and patches.
"""

from __future__ import annotations

import random


def seeded(*parts: object) -> random.Random:
    """A generator for one purpose (``seeded(seed, "session", 3)``); not for anything secret."""
    return random.Random(":".join(str(p) for p in parts))  # noqa: S311 - determinism is the point
