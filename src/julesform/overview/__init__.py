"""Where a programme stands: one row per category (state, health, sync, delivery).

Shared by ``status`` and ``report``.

``model`` is pure (rows and the health and sync rules, table-tested); ``gather`` is the edge that reads
the programme, the lockfile and the live API (through the activity cache) to fill it.
"""
