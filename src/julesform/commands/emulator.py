"""``julesform emulator``: serve the local Jules API emulator on loopback for demos and offline work.

State lives in memory for as long as the process runs; timestamps are real and sessions progress
``--speed`` times faster than a real agent would. Fault flags set the same knobs the tests use (see
``julesform.emulator.faults``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from julesform.context import AppContext, pass_app
from julesform.errors import EXIT_INTERRUPTED, UsageError

if TYPE_CHECKING:
    from julesform.emulator import Faults

_KEY_PARAM = re.compile(r"(^|&)key=[^&]*")
SHARE = click.FloatRange(0.0, 1.0)
QUOTA_ERRORS = ("RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "QUEUED")  # as in emulator.faults (lazy import)
Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def _share(name: str, what: str) -> Decorator:
    return click.option(f"--{name}-share", type=SHARE, default=0.0, help=f"Share of sessions that {what}.")


@click.command("emulator")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on (loopback).")
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True,
              help="0 picks a free port.")
@click.option("--allow-remote", is_flag=True, help="Allow a --host that is not loopback (no TLS, fake API!).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for ids, behaviours and faults.")
@click.option("--speed", type=click.FloatRange(min=0.001), default=60.0, show_default=True,
              help="How many times faster than a real agent sessions progress.")
@click.option("--api-key", metavar="KEY", help="Accept only this key (default: any non-empty key).")
@click.option("--source", "sources", multiple=True, metavar="OWNER/REPO",
              help="Connected repository (repeatable; default: example-org/widget-app, your-org/your-repo).")
@click.option("--forbid-source", "forbidden_sources", multiple=True, metavar="OWNER/REPO",
              help="A connected repository the key may not use: creates on it get 403 (repeatable).")
@click.option("--plan", "quota_plan", type=click.Choice(["free", "pro", "ultra"]),
              help="Apply that Jules plan's daily and concurrent task quotas.")
@click.option("--daily-quota", type=click.IntRange(min=0), help="Tasks per rolling 24 h (emulated time).")
@click.option("--concurrent-quota", type=click.IntRange(min=0), help="Sessions running at once.")
@click.option("--quota-error", type=click.Choice(QUOTA_ERRORS), default="RESOURCE_EXHAUSTED",
              show_default=True,
              help="What a create gets when a quota is spent (QUEUED: accepted, held until a slot frees).")
@click.option("--latency", type=click.FloatRange(min=0), default=0.0,
              help="Real seconds added to every request.")
@click.option("--rate-limit-burst", type=click.IntRange(min=0), default=0,
              help="Answer the first N API requests with 429.")
@click.option("--retry-after", type=click.FloatRange(min=0), default=1.0, show_default=True,
              help="Retry-After seconds sent with those 429s.")
@click.option("--error-rate", type=SHARE, default=0.0, help="Share of requests answered 5xx.")
@click.option("--error-next", type=click.IntRange(min=0), default=0, help="Answer the first N requests 5xx.")
@click.option("--error-status", type=click.IntRange(500, 599), default=503, show_default=True)
@click.option("--error-methods", default="GET,POST,DELETE", show_default=True,
              help="HTTP methods the 5xx faults apply to.")
@click.option("--drop-next-creates", type=click.IntRange(min=0), default=0,
              help="Drop the connection after the first N creates have committed.")
@_share("fail", "end FAILED")
@_share("stall", "stall in IN_PROGRESS")
@_share("pause", "go PAUSED mid-work")
@_share("feedback", "ask for feedback")
@_share("pending-plan", "report COMPLETED while the plan waits")
@_share("revive", "wake up again after COMPLETED")
@click.option("--quiet", is_flag=True, help="Do not log each request on stderr.")
@pass_app
def command(app: AppContext, /, host: str, port: int, allow_remote: bool, seed: int, speed: float,
            api_key: str | None, sources: tuple[str, ...], quiet: bool, **faults: Any) -> int:
    """Serve the Jules v1alpha API emulator until Ctrl-C (exit 130).

    Point julesform at it with JULES_API_URL=http://HOST:PORT/v1alpha and any JULES_API_KEY (or the one
    given with --api-key).
    """
    from julesform.api.endpoint import is_loopback
    from julesform.emulator import Emulator, WallClock
    from julesform.emulator.app import EmulatorApp
    from julesform.emulator.server import RunningServer

    if not is_loopback(host) and not allow_remote:
        raise UsageError(f"refusing to serve on non-loopback host {host!r} (add --allow-remote to insist)")
    if api_key is not None and not api_key.strip():
        raise UsageError("--api-key must not be empty")
    emulator = Emulator(
        seed=seed, clock=WallClock(), pace=speed, api_keys=None if api_key is None else [api_key],
        sources=list(sources) or None, faults=_faults(faults),
    )
    for forbidden in emulator.faults.forbidden_sources:
        emulator.add_source(forbidden)  # visible to the key, but not usable

    def log(record: Any) -> None:
        query = _KEY_PARAM.sub(r"\1key=REDACTED", record.query)
        status = record.status or "dropped"
        app.console.err(f"{record.method} {record.path}{'?' + query if query else ''} {status}")

    try:
        server = RunningServer(EmulatorApp(emulator, log=None if quiet else log), host, port)
    except OSError as exc:
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    url = f"{server.base_url}/v1alpha"
    pace = f"sessions x{speed:g} faster than real"
    app.console.err(f"Jules API emulator listening on {url} (seed {seed}, {pace})")
    app.console.err(f"  export JULES_API_URL={url}")
    if api_key is None:
        app.console.err("  export JULES_API_KEY=<any non-empty value>   (every non-empty key is accepted)")
    else:
        app.console.err("  export JULES_API_KEY=<the key given with --api-key>")
    app.console.err("Press Ctrl-C to stop.")
    try:
        server.serve_forever()  # werkzeug swallows the KeyboardInterrupt of Ctrl-C and returns
    except KeyboardInterrupt:
        pass
    finally:
        server.server.server_close()
    app.console.err("emulator stopped")
    return EXIT_INTERRUPTED


def _faults(options: dict[str, Any]) -> Faults:
    """Fault settings from the command's flags (names match ``Faults`` fields, plus ``--plan``)."""
    from julesform.emulator import Faults

    faults = Faults()
    plan = options.pop("quota_plan")
    if plan is not None:
        faults.set_plan(plan)
    for name in ("daily_quota", "concurrent_quota"):
        value = options.pop(name)
        if value is not None:
            setattr(faults, name, value)
    options["forbidden_sources"] = [f"sources/github/{s.removeprefix('sources/github/')}"
                                    for s in options["forbidden_sources"]]
    options["error_methods"] = [m.strip().upper() for m in options["error_methods"].split(",") if m.strip()]
    shares = {f"{name}_share": options.pop(f"{name}_share") for name in
              ("fail", "stall", "pause", "feedback", "pending_plan", "revive")}
    try:
        faults.update({**options, **shares})
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return faults
