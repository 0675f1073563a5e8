"""Paging through sessions and activities yields every item exactly once, in the documented order,
whatever the page size, filter, or ties in createTime (in-process; the wire is covered elsewhere)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from julesform.emulator import Emulator


def walk(list_page: Any, size: int, **extra: str) -> list[str]:
    seen: list[str] = []
    params: dict[str, str] = {"pageSize": str(size), **extra}
    while True:
        page = list_page(params)
        items = page.get("sessions") or page.get("activities") or []
        assert 0 < len(items) <= size or (not items and "nextPageToken" not in page)
        seen += [item["id"] for item in items]
        if "nextPageToken" not in page:
            return seen
        params["pageToken"] = page["nextPageToken"]


@settings(max_examples=40, deadline=None)
@given(
    ages=st.lists(st.sampled_from([0, 0, 5, 60, 3600]), max_size=25),
    archived=st.lists(st.booleans(), max_size=25),
    size=st.integers(min_value=1, max_value=12),
    flt=st.sampled_from([None, "archived = true", "archived = true OR archived = false"]),
)
def test_session_pages_cover_the_selection_once_newest_first(
    ages: list[int], archived: list[bool], size: int, flt: str | None
) -> None:
    live = Emulator(seed=len(ages))
    for n, age in enumerate(ages):
        live.seed_session(title=f"s{n}", age=age, archived=n < len(archived) and archived[n])
    extra = {} if flt is None else {"filter": flt}
    got = walk(live.list_sessions, size, **extra)
    wanted = {None: {False}, "archived = true": {True}}.get(flt, {True, False})
    assert got == [s.id for s in live.sessions() if s.archived in wanted]
    assert len(got) == len(set(got))


@settings(max_examples=20, deadline=None)
@given(messages=st.integers(min_value=0, max_value=30), size=st.integers(min_value=1, max_value=9))
def test_activity_pages_cover_the_log_once_oldest_first(messages: int, size: int) -> None:
    live = Emulator(seed=3)
    session = live.seed_session(title="chatty", age=3600)
    for n in range(messages):
        live.send_message(session.id, {"prompt": f"note {n}"})
    got = walk(lambda params: live.list_activities(session.id, params), size)
    assert got == [a.id for a in live.session(session.id).activities]
