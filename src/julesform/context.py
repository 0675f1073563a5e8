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

    def client(self) -> JulesClient:
        """The API client for this run (real service, a URL, or the embedded emulator)."""
        from julesform.api.factory import client_for

        return client_for(self)


pass_app = click.make_pass_decorator(AppContext)
