"""Allow ``python -m julesform``."""

from __future__ import annotations

from julesform.cli import main

raise SystemExit(main())
