"""The emulator as a WSGI application: routing by the v1alpha paths, the API key check, faults that
strike before (or, for a dropped create, after) the handler, the request log, and admin endpoints
under ``/_emulator/`` (outside the API prefix) so a separate process can be driven over HTTP.
"""

from __future__ import annotations

import contextlib
import html
import json
import re
import socket
from collections.abc import Callable, Iterable
from dataclasses import asdict
from typing import Any

from werkzeug.wrappers import Request, Response

from julesform.emulator.service import Emulator, RequestRecord
from julesform.emulator.state import Behaviour
from julesform.emulator.wire import (
    ApiFault,
    invalid_argument,
    resource_exhausted,
    server_error,
    session_body,
    timestamp,
    unauthenticated,
)

API_PREFIX = "/v1alpha/"
ADMIN_PREFIX = "/_emulator/"

Handler = Callable[[Emulator, Request, dict[str, str], Any], dict[str, Any]]


class DroppedConnection(ConnectionResetError):
    """Raised after a create committed, to cut the connection without a response (a fault).

    Served by werkzeug, the socket is shut first and werkzeug drops the connection quietly; in-process
    (httpx's WSGITransport) there is no socket and the caller sees this exception, a ConnectionError.
    """


def _cut(request: Request) -> None:
    sock = request.environ.get("werkzeug.socket")
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def _args(request: Request) -> dict[str, str]:
    return {k: v for k, v in request.args.items()}


# (HTTP method, path pattern after /v1alpha/, RPC name for the 401 ErrorInfo, handler)
ROUTES: list[tuple[str, re.Pattern[str], str, Handler]] = [
    ("GET", re.compile(r"sessions"), "ListSessions", lambda e, r, m, b: e.list_sessions(_args(r))),
    ("POST", re.compile(r"sessions"), "CreateSession", lambda e, r, m, b: e.create_session(b)),
    ("GET", re.compile(r"sessions/(?P<sid>[^/:]+)"), "GetSession",
     lambda e, r, m, b: e.get_session(m["sid"])),
    ("DELETE", re.compile(r"sessions/(?P<sid>[^/:]+)"), "DeleteSession",
     lambda e, r, m, b: e.delete_session(m["sid"])),
    ("POST", re.compile(r"sessions/(?P<sid>[^/:]+):approvePlan"), "ApprovePlan",
     lambda e, r, m, b: e.approve_plan(m["sid"], b)),
    ("POST", re.compile(r"sessions/(?P<sid>[^/:]+):sendMessage"), "SendMessage",
     lambda e, r, m, b: e.send_message(m["sid"], b)),
    ("POST", re.compile(r"sessions/(?P<sid>[^/:]+):archive"), "ArchiveSession",
     lambda e, r, m, b: e.set_archived(m["sid"], b, True)),
    ("POST", re.compile(r"sessions/(?P<sid>[^/:]+):unarchive"), "UnarchiveSession",
     lambda e, r, m, b: e.set_archived(m["sid"], b, False)),
    ("GET", re.compile(r"sessions/(?P<sid>[^/:]+)/activities"), "ListActivities",
     lambda e, r, m, b: e.list_activities(m["sid"], _args(r))),
    ("GET", re.compile(r"sessions/(?P<sid>[^/:]+)/activities/(?P<aid>[^/:]+)"), "GetActivity",
     lambda e, r, m, b: e.get_activity(m["sid"], m["aid"])),
    ("GET", re.compile(r"sources"), "ListSources", lambda e, r, m, b: e.list_sources(_args(r))),
    ("GET", re.compile(r"(?P<name>sources/.+)"), "GetSource", lambda e, r, m, b: e.get_source(m["name"])),
]

_NOT_FOUND_PAGE = (
    "<!DOCTYPE html>\n<html lang=en>\n<title>Error 404 (Not Found)!!1</title>\n"
    "<p><b>404.</b> <ins>That’s an error.</ins>\n<p>The requested URL <code>{path}</code> was not found "
    "on this server.  <ins>That’s all we know.</ins>\n"
)


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    text = json.dumps(body, indent=2, ensure_ascii=False) + "\n"
    return Response(text, status=status, headers=headers, content_type="application/json; charset=UTF-8")


def _read_json(request: Request) -> Any:
    raw = request.get_data()
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise invalid_argument(
            "Invalid JSON payload received. Unexpected token.", [("", "Unexpected token.")]
        ) from None


class EmulatorApp:
    """WSGI callable serving one ``Emulator``; ``log`` sees every API request once it is answered."""

    def __init__(self, emulator: Emulator, *, log: Callable[[RequestRecord], None] | None = None) -> None:
        self.emulator = emulator
        self.log = log

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        if request.path.startswith(ADMIN_PREFIX):
            with self.emulator.lock:
                response = self._admin(request)
            return response(environ, start_response)
        try:
            response = self._api(request)
        except DroppedConnection:
            self._record(request, 0)  # before the client can notice, so the log is complete when it does
            _cut(request)
            raise
        self._record(request, response.status_code)
        return response(environ, start_response)

    def _record(self, request: Request, status: int) -> None:
        record = RequestRecord(request.method, request.path, request.query_string.decode(), status)
        with self.emulator.lock:
            self.emulator.requests.append(record)
        if self.log is not None:
            self.log(record)

    # --- API -------------------------------------------------------------------------------------

    def _api(self, request: Request) -> Response:
        route = self._route(request)
        if route is None:
            page = _NOT_FOUND_PAGE.format(path=html.escape(request.path))
            return Response(page, 404, content_type="text/html; charset=UTF-8")
        rpc, handler, match = route
        emulator = self.emulator
        if emulator.faults.latency > 0:
            emulator.sleep(emulator.faults.latency)
        with emulator.lock:
            try:
                key = request.headers.get("X-Goog-Api-Key") or request.args.get("key")
                if not emulator.accepts_key(key):
                    raise unauthenticated(rpc)
                self._inject_faults(request.method)
                body = _read_json(request) if request.method == "POST" else None
                result = handler(emulator, request, match, body)
                if rpc == "CreateSession" and emulator.faults.drop_next_creates > 0:
                    emulator.faults.drop_next_creates -= 1
                    raise DroppedConnection("emulator fault: connection dropped after the create committed")
                return json_response(result)
            except ApiFault as fault:
                return json_response(fault.body(), fault.code, fault.headers)

    def _route(self, request: Request) -> tuple[str, Handler, dict[str, str]] | None:
        if not request.path.startswith(API_PREFIX):
            return None
        rest = request.path[len(API_PREFIX) :]
        for method, pattern, rpc, handler in ROUTES:
            match = pattern.fullmatch(rest)
            if match and method == request.method:
                return rpc, handler, match.groupdict()
        return None

    def _inject_faults(self, method: str) -> None:
        faults = self.emulator.faults
        if faults.rate_limit_burst > 0:
            faults.rate_limit_burst -= 1
            raise resource_exhausted(faults.retry_after)
        if method in faults.error_methods:
            if faults.error_next > 0:
                faults.error_next -= 1
                raise server_error(faults.error_status)
            if faults.error_rate and self.emulator.fault_rng.random() < faults.error_rate:
                raise server_error(faults.error_status)


    # --- admin -----------------------------------------------------------------------------------

    def _admin(self, request: Request) -> Response:
        emulator = self.emulator
        action = request.path[len(ADMIN_PREFIX) :].strip("/")
        try:
            body = _read_json(request) if request.method == "POST" else None
            body = body or {}
            if (request.method, action) == ("GET", "state"):
                return json_response(self._dump())
            if (request.method, action) == ("GET", "requests"):
                return json_response({"requests": [asdict(r) for r in emulator.requests]})
            if (request.method, action) == ("GET", "faults"):
                return json_response(emulator.faults.to_dict())
            if (request.method, action) == ("POST", "faults"):
                emulator.faults.update(body)
                return json_response(emulator.faults.to_dict())
            if (request.method, action) == ("POST", "clock"):
                emulator.advance(float(body.get("advance", 0)))
                return json_response({"now": timestamp(emulator.now_us())})
            if (request.method, action) == ("POST", "behaviours"):
                emulator.next_behaviours.extend(Behaviour(**b) for b in body.get("behaviours", []))
                return json_response({"queued": len(emulator.next_behaviours)})
            if (request.method, action) == ("POST", "sessions"):
                behaviour = Behaviour(**body.pop("behaviour")) if "behaviour" in body else None
                created = emulator.seed_session(**body, behaviour=behaviour)
                return json_response(session_body(created))
        except (TypeError, ValueError) as exc:
            error = {"code": 400, "message": str(exc), "status": "INVALID_ARGUMENT"}
            return json_response({"error": error}, 400)
        except ApiFault as fault:
            return json_response(fault.body(), fault.code)
        return json_response({"error": {"code": 404, "message": f"no admin action {action!r}",
                                        "status": "NOT_FOUND"}}, 404)

    def _dump(self) -> dict[str, Any]:
        emulator = self.emulator
        sessions = []
        for s in emulator.sessions():
            sessions.append({**session_body(s), "requirePlanApproval": s.require_plan_approval,
                             "automationMode": s.automation_mode, "activityCount": len(s.activities)})
        return {"now": timestamp(emulator.now_us()), "sessions": sessions,
                "sources": sorted(emulator.state.sources)}
