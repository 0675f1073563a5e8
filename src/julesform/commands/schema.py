"""``julesform schema``: print the JSON Schema of programme files."""

from __future__ import annotations

import click

from julesform.context import AppContext, pass_app
from julesform.programme.schema import schema_text


@click.command("schema")
@pass_app
def command(app: AppContext) -> int:
    """Print the JSON Schema (2020-12) of programme files to stdout.

    Regenerate the committed copy with: julesform schema > schemas/programme.schema.json
    """
    app.console.out(schema_text().rstrip("\n"))
    return 0
