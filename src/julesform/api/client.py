"""``JulesClient``: the one way to reach the Jules API, and the only module that imports httpx.

What may be retried depends on what a repeat would do, because the API has no idempotency key:

* reads (GET) and idempotent writes (archive, unarchive, delete) are retried on 429, 5xx, timeouts
  and connection failures, with capped exponential backoff and jitter, honouring ``Retry-After``;
* approvePlan and sendMessage are retried only when the service provably did not act: the
  connection never opened, or it answered 429 / 503. A repeated sendMessage would send the message
  twice; a lost approvePlan reply is settled by the caller's pending-plan check on the next run;
* a create is never retried. If it was sent and then timed out, lost its connection or got a 5xx,
  ``AmbiguousCreate`` tells the caller to look for the session by its marker before creating again.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from enum import Enum
from types import TracebackType
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from julesform import __version__
from julesform.api.apikey import ApiKey
from julesform.api.endpoint import normalise_base_url
from julesform.api.errors import (
    AmbiguousCreate,
    ApiError,
    BadResponse,
    NotFound,
    ServiceError,
    classify,
    one_line,
    parse_status,
)
from julesform.api.models import (
    Activity,
    ListActivitiesResponse,
    ListSessionsResponse,
    ListSourcesResponse,
    Session,
    Source,
)
from julesform.api.names import activity_path, created_after_filter, session_path, source_path
from julesform.api.retry import Clock, RetryPolicy, RetryState, SystemClock, parse_retry_after
from julesform.errors import first_problem

T = TypeVar("T")
R = TypeVar("R")
M = TypeVar("M", bound=BaseModel)

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
ALL_SESSIONS_FILTER = "archived = true OR archived = false"
MAX_PAGE_SIZE = 100
NOTICE_WAITS_FROM = 5.0
"""Waits at least this long (seconds) are announced through ``notice`` even without ``--debug``."""


class CallKind(Enum):
    """How safe a request is to repeat (see the module docstring)."""

    READ = "read"
    IDEMPOTENT_WRITE = "idempotent write"
    GUARDED_WRITE = "guarded write"
    CREATE = "create"


_TRANSIENT = frozenset({429, 500, 502, 503, 504})
_RETRY_STATUSES: dict[CallKind, frozenset[int]] = {
    CallKind.READ: _TRANSIENT,
    CallKind.IDEMPOTENT_WRITE: _TRANSIENT,
    CallKind.GUARDED_WRITE: frozenset({429, 503}),
    CallKind.CREATE: frozenset(),
}
# Failures that happen before a single byte of the request reaches the server.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.ProxyError)



@dataclass(frozen=True)
class Timeouts:
    """Per-request limits in seconds (httpx applies read/write to each network operation)."""

    connect: float = 10.0
    read: float = 60.0
    write: float = 60.0
    pool: float = 60.0
    total: float = 300.0
    """A whole response must arrive within this: a server trickling a byte now and then never trips
    the per-read timeout, and would otherwise hold a run forever."""


@dataclass(frozen=True)
class Limits:
    max_response_bytes: int = 64 * 1024 * 1024
    """Activity pages carry whole patches and base64 screenshots, but not this much."""
    max_pages: int = 10_000
    """A server that never stops paginating is a bug; stop and say so."""
    max_workers: int = 8
    """Parallel reads at most (the real service dislikes bursts)."""


@dataclass(frozen=True)
class _Reply:
    status: int
    headers: httpx.Headers
    body: bytes
    too_large: bool


class JulesClient:
    """A thread-safe client for the Jules v1alpha REST API (see the module docstring for retries)."""

    def __init__(
        self,
        base_url: str,
        api_key: ApiKey | str,
        *,
        endpoint: str | None = None,
        wsgi_app: WsgiApp | None = None,
        retry: RetryPolicy | None = None,
        timeouts: Timeouts | None = None,
        limits: Limits | None = None,
        clock: Clock | None = None,
        rand: Callable[[], float] | None = None,
        trace: Callable[[str], None] | None = None,
        notice: Callable[[str], None] | None = None,
    ) -> None:
        """``wsgi_app`` serves the requests in-process (the embedded emulator); nothing leaves the process.

        ``trace`` receives every request and response (``--debug``); ``notice`` is told about long
        waits before a retry, so a user does not take a patient client for a hung one.
        """
        self._key = api_key if isinstance(api_key, ApiKey) else ApiKey(api_key)
        if wsgi_app is None:
            self._base = normalise_base_url(base_url)
            transport: httpx.BaseTransport | None = None
        else:
            self._base = base_url.rstrip("/")
            transport = httpx.WSGITransport(app=wsgi_app)
        self.endpoint = endpoint or self._base
        self.request_count = 0
        self._count_lock = threading.Lock()
        self._retry = retry or RetryPolicy()
        self._limits = limits or Limits()
        self._clock: Clock = clock or SystemClock()
        self._rand = rand or random.random
        self._trace_fn = trace
        self._notice_fn = notice
        t = timeouts or Timeouts()
        self._total_timeout = t.total
        self._http = httpx.Client(
            transport=transport,
            timeout=httpx.Timeout(connect=t.connect, read=t.read, write=t.write, pool=t.pool),
            follow_redirects=False,  # a redirect must never carry the key to another host
            headers={"User-Agent": f"julesform/{__version__}", "Accept": "application/json"},
            limits=httpx.Limits(max_connections=self._limits.max_workers * 2),
        )

    # --- sessions --------------------------------------------------------------------------------

    def create_session(self, body: dict[str, object]) -> Session:
        """Create a session from a flat Session body. Never retried: see ``AmbiguousCreate``."""
        where = self._path("sessions")
        try:
            data = self._request("POST", "sessions", kind=CallKind.CREATE, body=body)
            return self._parse_named(Session, data, "POST", where, "session")
        except BadResponse as exc:
            if exc.http_status is not None and not 200 <= exc.http_status < 300:
                raise
            # It answered 2xx, so the session exists, but we could not read which one it is.
            detail = str(exc).removeprefix(f"unexpected response from POST {where}: ")
            raise self._ambiguous("POST", where, f"answered but {detail}") from None

    def get_session(self, name: str) -> Session:
        path = session_path(name)
        return self._parse_named(Session, self._get(path), "GET", self._path(path), "session")

    def iter_sessions(
        self, *, include_archived: bool = True, page_size: int = MAX_PAGE_SIZE
    ) -> Iterator[Session]:
        """Every session, newest first as the service orders them, fetched page by page as consumed."""
        params: dict[str, str | int] = {"pageSize": _page_size(page_size)}
        if include_archived:
            params["filter"] = ALL_SESSIONS_FILTER
        for page, where in self._pages("sessions", params):
            listed = self._parse(ListSessionsResponse, page, "GET", where)
            for session in listed.sessions:
                _require_name(session.name, "GET", where, "session")
                yield session

    def list_sessions(
        self, *, include_archived: bool = True, page_size: int = MAX_PAGE_SIZE
    ) -> list[Session]:
        return list(self.iter_sessions(include_archived=include_archived, page_size=page_size))

    def approve_plan(self, name: str) -> None:
        """Approve the session's latest agent plan (retried only when the service surely did not act)."""
        self._request("POST", f"{session_path(name)}:approvePlan", kind=CallKind.GUARDED_WRITE, body={})

    def send_message(self, name: str, prompt: str) -> None:
        """Send the agent a message (retried only when the service surely did not act: no double sends)."""
        body: dict[str, object] = {"prompt": prompt}
        self._request("POST", f"{session_path(name)}:sendMessage", kind=CallKind.GUARDED_WRITE, body=body)

    def archive_session(self, name: str) -> Session:
        return self._set_archived(name, "archive")

    def unarchive_session(self, name: str) -> Session:
        return self._set_archived(name, "unarchive")

    def delete_session(self, name: str) -> None:
        """Delete for good; a 404 (already deleted, e.g. by an earlier attempt) counts as done."""
        try:
            self._request("DELETE", session_path(name), kind=CallKind.IDEMPOTENT_WRITE)
        except NotFound:
            return

    def _set_archived(self, name: str, verb: str) -> Session:
        path = session_path(name)
        data = self._request("POST", f"{path}:{verb}", kind=CallKind.IDEMPOTENT_WRITE, body={})
        if not data.get("name"):  # some deployments answer {}: read the session back
            return self.get_session(path)
        return self._parse_named(Session, data, "POST", self._path(f"{path}:{verb}"), "session")

    # --- activities and sources ------------------------------------------------------------------

    def list_activities(
        self, name: str, *, after: str | None = None, page_size: int = MAX_PAGE_SIZE
    ) -> list[Activity]:
        """All activities of a session, oldest first; ``after`` is a createTime, exclusive, sent verbatim.

        Just after a create the service answers 404 here for a few seconds. If the session itself
        can be read, that 404 is this quirk and the listing is retried with backoff; if not, the
        session is gone and ``NotFound`` is raised at once.
        """
        params: dict[str, str | int] = {"pageSize": _page_size(page_size)}
        if after is not None:
            params["filter"] = created_after_filter(after)
        relative = f"{session_path(name)}/activities"
        state = RetryState(self._retry, self._clock, self._rand)
        while True:
            try:
                return self._collect_activities(relative, params)
            except NotFound:
                self.get_session(name)  # NotFound again: the session is really gone
                wait = state.next_wait()
                if wait is None:
                    raise
                self._pause(state, wait, "GET", self._path(relative), "404 on a new session")

    def _collect_activities(self, relative: str, params: dict[str, str | int]) -> list[Activity]:
        activities: list[Activity] = []
        for page, where in self._pages(relative, params):
            listed = self._parse(ListActivitiesResponse, page, "GET", where)
            for activity in listed.activities:
                _require_name(activity.name, "GET", where, "activity")
                activities.append(activity)
        return activities

    def get_activity(self, name: str) -> Activity:
        path = activity_path(name)
        return self._parse_named(Activity, self._get(path), "GET", self._path(path), "activity")

    def list_sources(self) -> list[Source]:
        sources: list[Source] = []
        for page, where in self._pages("sources", {"pageSize": MAX_PAGE_SIZE}):
            listed = self._parse(ListSourcesResponse, page, "GET", where)
            for source in listed.sources:
                _require_name(source.name, "GET", where, "source")
                sources.append(source)
        return sources

    def get_source(self, name: str) -> Source:
        """A connected repository by ``sources/github/<owner>/<repo>`` (``sources/`` may be left off)."""
        path = source_path(name)
        return self._parse_named(Source, self._get(path), "GET", self._path(path), "source")

    # --- concurrency and lifecycle ---------------------------------------------------------------

    @property
    def parallel_reads(self) -> int:
        """How many reads may be in flight at once (``map_parallel`` and callers that pool their own)."""
        return self._limits.max_workers

    def map_parallel(self, fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
        """``[fn(x) for x in items]`` on a few threads, order kept; the first failure in order is raised."""
        todo = list(items)
        if len(todo) <= 1:
            return [fn(item) for item in todo]
        workers = min(self._limits.max_workers, len(todo))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="julesform-read") as pool:
            futures: list[Future[R]] = [pool.submit(fn, item) for item in todo]
            try:
                return [future.result() for future in futures]
            except BaseException:
                for future in futures:
                    future.cancel()
                raise

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> JulesClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"JulesClient(endpoint={self.endpoint!r}, requests={self.request_count})"

    # --- the request loop ------------------------------------------------------------------------

    def _path(self, relative: str) -> str:
        """The URL path of ``relative`` as shown in messages, e.g. ``/v1alpha/sessions``."""
        return httpx.URL(f"{self._base}/{relative}").path

    def _get(self, relative: str) -> dict[str, Any]:
        return self._request("GET", relative, kind=CallKind.READ)

    def _pages(
        self, relative: str, params: dict[str, str | int]
    ) -> Iterator[tuple[dict[str, Any], str]]:
        """Each page's body to the end of ``nextPageToken``, refusing a server that loops."""
        where = self._path(relative)
        seen: set[str] = set()
        token = ""
        for _ in range(self._limits.max_pages):
            query = dict(params, pageToken=token) if token else params
            page = self._request("GET", relative, kind=CallKind.READ, params=query)
            yield page, where
            token = page.get("nextPageToken") or ""
            if not isinstance(token, str):
                raise BadResponse(f"unexpected response from GET {where}: nextPageToken is not a string")
            if not token:
                return
            if token in seen:
                raise BadResponse(
                    f"unexpected response from GET {where}: "
                    "the server repeated a page token (pagination loop)"
                )
            seen.add(token)
        raise BadResponse(
            f"unexpected response from GET {where}: "
            f"more than {self._limits.max_pages} pages (pagination loop?)"
        )

    def _request(
        self,
        method: str,
        relative: str,
        *,
        kind: CallKind,
        params: dict[str, str | int] | None = None,
        body: dict[str, object] | None = None,
    ) -> dict[str, Any]:
        """Send one call, retrying as ``kind`` allows; the decoded JSON object of a 2xx answer."""
        url = f"{self._base}/{relative}"
        where = self._path(relative)
        state = RetryState(self._retry, self._clock, self._rand)
        while True:
            try:
                reply = self._send(method, url, params, body)
            except (httpx.TransportError, ConnectionError) as exc:
                # ConnectionError: an in-process (WSGI) app cut the "connection", as a dropped socket would.
                wait = self._after_transport_error(exc, kind, state, method, where)
                self._pause(state, wait, method, where, self._key.redact(_describe(exc)))
                continue
            if 200 <= reply.status < 300:
                return self._decode(reply, method, where)
            if reply.status in _RETRY_STATUSES[kind]:
                asked = parse_retry_after(reply.headers.get("retry-after"), self._clock.wall())
                pause = state.next_wait(asked)
                if pause is not None:
                    self._pause(state, pause, method, where, f"HTTP {reply.status}")
                    continue
            raise self._error_for(reply, kind, state, method, where)

    def _send(
        self, method: str, url: str, params: dict[str, str | int] | None, body: dict[str, object] | None
    ) -> _Reply:
        request = self._http.build_request(method, url, params=params, json=body)
        request.headers["X-Goog-Api-Key"] = self._key.reveal()
        with self._count_lock:
            self.request_count += 1
        if self._trace_fn is not None:
            shown = "" if body is None else " " + one_line(json.dumps(body), 300)
            self._trace(f"-> {method} {request.url} [X-Goog-Api-Key: <redacted>]{shown}")
        started = time.monotonic()
        clock_started = self._clock.monotonic()
        response = self._http.send(request, stream=True)
        try:
            cap = self._limits.max_response_bytes
            declared = response.headers.get("content-length", "")
            too_large = declared.isdigit() and int(declared) > cap
            chunks: list[bytes] = []
            size = 0
            if not too_large:
                for chunk in response.iter_bytes():
                    if self._clock.monotonic() - clock_started > self._total_timeout:
                        raise httpx.ReadTimeout(
                            f"the response took over {self._total_timeout:g} s to arrive", request=request
                        )
                    size += len(chunk)
                    if size > cap:
                        too_large = True
                        break
                    chunks.append(chunk)
        except httpx.DecodingError:
            raise BadResponse(
                f"unexpected response from {method} {request.url.path}: the body could not be decoded "
                f"({response.headers.get('content-encoding', 'no content encoding')})",
                http_status=response.status_code,
                method=method,
                path=request.url.path,
            ) from None
        finally:
            response.close()
        reply = _Reply(response.status_code, response.headers, b"".join(chunks), too_large)
        if self._trace_fn is not None:
            elapsed = time.monotonic() - started
            shown = "" if reply.status < 300 else " " + one_line(reply.body.decode("utf-8", "replace"), 300)
            self._trace(
                f"<- {reply.status} {method} {request.url.path} ({size} bytes, {elapsed:.2f} s){shown}"
            )
        return reply

    def _after_transport_error(
        self,
        exc: httpx.TransportError | ConnectionError,
        kind: CallKind,
        state: RetryState,
        method: str,
        where: str,
    ) -> float:
        """The wait before retrying after a network failure, or raise the error this call ends with."""
        what = self._key.redact(_describe(exc))
        sent = not isinstance(exc, _NOT_SENT)
        if kind is CallKind.CREATE and sent:
            raise self._ambiguous(method, where, what) from exc
        if kind is CallKind.CREATE:
            raise ServiceError(
                f"could not reach the Jules API at {self._base} ({what}); nothing was created: "
                "try again later",
                method=method,
                path=where,
            ) from exc
        if kind is CallKind.GUARDED_WRITE and sent:
            raise ServiceError(
                f"{method} {where} failed ({what}) and may or may not have taken effect; "
                "it is not repeated automatically: check the session before trying again",
                method=method,
                path=where,
            ) from exc
        wait = state.next_wait()
        if wait is None:
            raise ServiceError(
                f"could not reach the Jules API at {self._base}: {method} {where} failed ({what}; "
                f"{state.last_refusal}); try again later",
                method=method,
                path=where,
            ) from exc
        return wait

    def _error_for(
        self, reply: _Reply, kind: CallKind, state: RetryState, method: str, where: str
    ) -> ApiError:
        if 300 <= reply.status < 400:
            return BadResponse(
                f"unexpected response from {method} {where}: a {reply.status} redirect "
                f"to {reply.headers.get('location', '?')!r} (not followed: the key stays with the API host)",
                http_status=reply.status,
                method=method,
                path=where,
            )
        status, reason, message, violations = parse_status(b"" if reply.too_large else reply.body)
        message = self._key.redact(message)
        violations = [(self._key.redact(f), self._key.redact(d)) for f, d in violations]
        if kind is CallKind.CREATE and reply.status >= 500:
            return self._ambiguous(method, where, f"HTTP {reply.status} {status}".strip(), reply.status)
        error = classify(
            http_status=reply.status,
            status=status,
            reason=reason,
            server_message=message,
            violations=violations,
            method=method,
            path=where,
            is_create=kind is CallKind.CREATE,
            retry_note=state.last_refusal,
        )
        if kind is CallKind.GUARDED_WRITE and reply.status >= 500 and reply.status != 503:
            error.args = (
                f"{error}; it may or may not have taken effect: check the session before trying again",
            )
        return error

    def _ambiguous(
        self, method: str, where: str, what: str, http_status: int | None = None
    ) -> AmbiguousCreate:
        return AmbiguousCreate(
            f"the create may or may not have made a session ({method} {where}: {what}); it is not retried "
            "blindly: look for the session by its marker before creating again",
            http_status=http_status,
            method=method,
            path=where,
        )

    def _decode(self, reply: _Reply, method: str, where: str) -> dict[str, Any]:
        if reply.too_large:
            raise BadResponse(
                f"unexpected response from {method} {where}: larger than "
                f"{self._limits.max_response_bytes} bytes",
                http_status=reply.status,
                method=method,
                path=where,
            )
        if not reply.body.strip():
            return {}
        try:
            data = json.loads(reply.body)
        except (ValueError, UnicodeDecodeError, RecursionError):
            kind = reply.headers.get("content-type", "no content type")
            raise BadResponse(
                f"unexpected response from {method} {where}: not JSON ({kind})",
                http_status=reply.status,
                method=method,
                path=where,
            ) from None
        if not isinstance(data, dict):
            raise BadResponse(
                f"unexpected response from {method} {where}: a JSON {type(data).__name__}, not an object",
                http_status=reply.status,
                method=method,
                path=where,
            )
        return data

    def _parse(self, model: type[M], data: object, method: str, where: str) -> M:
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            loc, problem = first_problem(exc, "body")
            raise BadResponse(
                f"unexpected response from {method} {where}: {loc}: {problem}", method=method, path=where
            ) from None

    def _parse_named(self, model: type[M], data: object, method: str, where: str, what: str) -> M:
        parsed = self._parse(model, data, method, where)
        _require_name(getattr(parsed, "name", ""), method, where, what)
        return parsed

    def _pause(self, state: RetryState, seconds: float, method: str, where: str, why: str) -> None:
        self._trace(f"retrying {method} {where} in {seconds:.2f} s after {why}")
        if self._notice_fn is not None and seconds >= NOTICE_WAITS_FROM:
            self._notice_fn(f"waiting {seconds:.0f} s before retrying {method} {where} ({why})")
        state.wait(seconds)

    def _trace(self, line: str) -> None:
        if self._trace_fn is not None:
            self._trace_fn(self._key.redact(line))


# --- helpers -------------------------------------------------------------------------------------


def _page_size(requested: int) -> int:
    return max(1, min(MAX_PAGE_SIZE, requested))


def _require_name(name: str, method: str, where: str, what: str) -> None:
    if not name:
        raise BadResponse(
            f"unexpected response from {method} {where}: a {what} without a name", method=method, path=where
        )


def _describe(exc: httpx.TransportError | ConnectionError) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return f"timed out ({type(exc).__name__})"
    if isinstance(exc, httpx.RemoteProtocolError | ConnectionError):
        return one_line(f"connection dropped ({exc})")
    return one_line(f"{type(exc).__name__}: {exc}") if str(exc) else type(exc).__name__
