"""What every command receives: global options, the console, and a lazily built API client."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import click

from julesform.console import Console

if TYPE_CHECKING:
    from julesform.api.client import JulesClient


@dataclass
class AppContext:
    """Global options as parsed by the ``julesform`` group."""

    console: Console
    debug: bool = False
    api_url: str | None = None
    api_key_file: Path | None = None
    emulator: bool = False
    state_dir: Path = field(default_factory=lambda: Path("state"))
    _client: JulesClient | None = field(default=None, repr=False)

    def client(self) -> JulesClient:
        """The API client for this run (real service, a URL, or the embedded emulator).

        Built once per run and closed when the command ends, so several stages share one
        connection pool.
        """
        if self._client is None:
            from julesform.api.factory import client_for

            self._client = client_for(self)
            ctx = click.get_current_context(silent=True)
            if ctx is not None:
                ctx.call_on_close(self._client.close)
        return self._client


pass_app = click.make_pass_decorator(AppContext)
