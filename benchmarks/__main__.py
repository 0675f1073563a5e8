"""``python -m benchmarks``: run the suite and write benchmarks/README.md."""

from __future__ import annotations

from benchmarks.run import main

raise SystemExit(main())
