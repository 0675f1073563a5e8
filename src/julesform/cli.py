"""The ``julesform`` command line: global options, lazy sub-commands, and the one error boundary.

Every command returns an exit code. ``main`` maps exceptions to codes and one-line messages
(``design.md``: 0 ok, 1 handled error, 2 changes, 3 check failed, 64 usage, 130 interrupted).
"""

from __future__ import annotations

import importlib
import sys
import traceback
from pathlib import Path
from typing import Any

import click

from julesform import __version__
from julesform.console import Console, visible
from julesform.context import AppContext
from julesform.errors import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_USAGE, JulesformError

# name -> module holding a click command called ``command``; imported only when used (fast start-up).
COMMANDS: dict[str, str] = {
    "validate": "julesform.commands.validate",
    "fmt": "julesform.commands.fmt",
    "schema": "julesform.commands.schema",
    "plan": "julesform.commands.plan",
    "apply": "julesform.commands.apply",
    "import": "julesform.commands.import_cmd",
    "refresh": "julesform.commands.refresh",
    "force-unlock": "julesform.commands.force_unlock",
    "status": "julesform.commands.status",
    "verify": "julesform.commands.verify",
    "report": "julesform.commands.report",
    "emulator": "julesform.commands.emulator",
}


class LazyGroup(click.Group):
    """A group whose sub-commands are imported on first use, keeping ``--version`` fast."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module_name = COMMANDS.get(cmd_name)
        if module_name is None:
            return None
        command = importlib.import_module(module_name).command
        assert isinstance(command, click.Command)
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="julesform", message="%(prog)s %(version)s")
@click.option("--debug", is_flag=True, help="Show tracebacks and HTTP traces (the API key is redacted).")
@click.option(
    "--api-url",
    envvar="JULES_API_URL",
    metavar="URL",
    help="Jules API base URL [env JULES_API_URL; default https://jules.googleapis.com/v1alpha].",
)
@click.option(
    "--api-key-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Read the API key from this file instead of JULES_API_KEY.",
)
@click.option(
    "--emulator",
    is_flag=True,
    help="Run against the embedded Jules emulator (state kept under state/.emulator/).",
)
@click.pass_context
def cli(
    ctx: click.Context, debug: bool, api_url: str | None, api_key_file: Path | None, emulator: bool
) -> None:
    """Plan and apply fleets of Google Jules sessions declared in programme files."""
    ctx.obj = AppContext(
        console=Console(debug=debug),
        debug=debug,
        api_url=api_url,
        api_key_file=api_key_file,
        emulator=emulator,
    )


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and turn every outcome into an exit code; the only place exceptions stop."""
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    try:
        result: Any = cli.main(args=argv, prog_name="julesform", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.UsageError as exc:
        exc.show()
        return EXIT_USAGE
    except click.ClickException as exc:
        exc.show()
        return EXIT_ERROR
    except (KeyboardInterrupt, click.exceptions.Abort):
        sys.stderr.write("\ninterrupted\n")
        return EXIT_INTERRUPTED
    except JulesformError as exc:
        if debug:
            traceback.print_exc()
        sys.stderr.write(f"error: {visible(str(exc))}\n")
        return exc.exit_code
    except BrokenPipeError:
        return EXIT_ERROR
    except Exception as exc:
        if debug:
            traceback.print_exc()
        name, detail = type(exc).__name__, visible(str(exc))
        sys.stderr.write(f"error: internal error: {name}: {detail} (run with --debug for details)\n")
        return EXIT_ERROR
    return result if isinstance(result, int) else 0
