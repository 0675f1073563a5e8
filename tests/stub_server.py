"""A scripted HTTP/1.1 server on 127.0.0.1 that misbehaves on cue (moved here from test_api_client.py
so the hostile-input tests can use it too): a dropped connection at a chosen request, a body that is
not JSON, a redirect, a server that paginates forever, a body that trickles in.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit


@dataclass
class Reply:
    status: int = 200
    body: object = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False
    """Close the connection after reading the request, without a word (the server may have acted)."""
    delay: float = 0.0
    trickle: float = 0.0
    """Send the body a few bytes at a time, this many seconds apart (a slow trickle)."""


@dataclass
class Seen:
    method: str
    target: str
    headers: dict[str, str]
    body: bytes

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def query(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(urlsplit(self.target).query).items()}


Handler = Callable[[Seen], Reply]


class StubServer:
    """Answers each request with the next scripted reply (or ``handler``), recording what it saw."""

    def __init__(self) -> None:
        self.script: list[Reply] = []
        self.handler: Handler | None = None
        self.seen: list[Seen] = []
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.port = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/v1alpha"
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
            head, _, body = data.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, target, _ = lines[0].split(" ", 2)
            headers = {k.strip().lower(): v.strip() for k, v in (ln.split(":", 1) for ln in lines[1:])}
            length = int(headers.get("content-length", "0"))
            while len(body) < length:
                body += conn.recv(65536)
            seen = Seen(method, target, headers, body)
            self.seen.append(seen)
            if self.handler is not None:
                reply = self.handler(seen)
            else:
                reply = self.script.pop(0) if self.script else Reply()
            if reply.delay:
                time.sleep(reply.delay)
            if reply.drop:
                return
            payload = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()
            out = [f"HTTP/1.1 {reply.status} X", f"Content-Length: {len(payload)}", "Connection: close"]
            if "Content-Type" not in reply.headers:
                out.append("Content-Type: application/json")
            out += [f"{k}: {v}" for k, v in reply.headers.items()]
            try:
                conn.sendall(("\r\n".join(out) + "\r\n\r\n").encode() + (b"" if reply.trickle else payload))
                for start in range(0, len(payload) if reply.trickle else 0, 4):
                    time.sleep(reply.trickle)
                    conn.sendall(payload[start : start + 4])
            except OSError:
                return

    def close(self) -> None:
        self._sock.close()
