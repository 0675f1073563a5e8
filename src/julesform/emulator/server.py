"""Serving a WSGI app on loopback with werkzeug, in a background thread (tests) or in the foreground
(``julesform emulator``). Only the wire needs a real server; everything else is in-process.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from julesform.emulator.app import EmulatorApp
from julesform.emulator.service import Emulator

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Any]


class QuietHandler(WSGIRequestHandler):
    """No per-request log lines from werkzeug: the emulator keeps its own request log."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None


class RunningServer:
    """A werkzeug server bound to ``host:port`` (port 0 picks a free one)."""

    def __init__(self, app: WSGIApp, host: str = "127.0.0.1", port: int = 0) -> None:
        self.server: BaseWSGIServer = make_server(
            host, port, app, threaded=True, request_handler=QuietHandler
        )
        self.thread: threading.Thread | None = None

    @property
    def host(self) -> str:
        return str(self.server.host)

    @property
    def port(self) -> int:
        return int(self.server.port)

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> RunningServer:
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, name="emulator", daemon=True
        )
        self.thread.start()
        return self

    def serve_forever(self) -> None:
        self.server.serve_forever()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        if self.thread is not None:
            self.thread.join(timeout=5)


@dataclass
class ServedEmulator:
    """A live emulator on loopback: ``url`` (ends in ``/v1alpha``), the accepted ``api_key``, the
    ``emulator`` to control (clock, faults, seeded sessions, request log) and the ``server``.
    """

    url: str
    api_key: str
    emulator: Emulator
    server: RunningServer

    @property
    def base_url(self) -> str:
        return self.server.base_url


@contextmanager
def serve_emulator(emulator: Emulator, api_key: str, host: str = "127.0.0.1") -> Iterator[ServedEmulator]:
    """Serve ``emulator`` in a thread for the duration of the block (tests, the SDK check)."""
    server = RunningServer(EmulatorApp(emulator), host).start()
    try:
        yield ServedEmulator(f"{server.base_url}/v1alpha", api_key, emulator, server)
    finally:
        server.stop()
