"""The pure planner, table by table: every action, every session state, deferral, markers, duplicates."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from julesform.planner.observed import pending_plan
from julesform.state.lockfile import PendingCreate
from test_planner_builders import (
    NOW,
    actions,
    activity,
    attention,
    binding,
    desired,
    lockfile,
    observed,
    plan_for,
    programme,
    session,
    with_log,
)

# --- unbound categories: create, import, markers ------------------------------------------------


def test_nothing_bound_and_nothing_marked_creates_with_the_full_spec() -> None:
    prog = programme({"id": "auth"})
    plan = plan_for(prog)
    [change] = plan.changes
    assert (change.action, change.actions, change.attempt) == ("create", ["create"], 1)
    assert change.reason == "not created yet"
    assert change.spec == desired(prog)["auth"].spec
    assert change.spec_hash == desired(prog)["auth"].spec_hash
    assert change.spec is not None and change.spec.title == "Title auth [jf:sec/auth]"
    assert plan.summary()["create"] == 1


@pytest.mark.parametrize(
    ("live", "expected"),
    [
        pytest.param(session(1, "auth", programme_name="other"), "create", id="other-programme-marker"),
        pytest.param(session(1, None, title="Title auth"), "create", id="unmarked-same-title"),
        pytest.param(session(1, "auth", archived=True), "create", id="archived-marked"),
        pytest.param(session(1, "dreams"), "create", id="marker-of-another-category"),
        pytest.param(session(1, "auth"), "import", id="own-marker"),
        pytest.param(session(1, "auth", "FAILED"), "import", id="own-marker-failed"),
        pytest.param(session(1, "auth", "COMPLETED"), "import", id="own-marker-completed"),
    ],
)
def test_only_this_programmes_marked_live_sessions_are_adopted(live: Any, expected: str) -> None:
    prog = programme({"id": "auth"})
    plan = plan_for(prog, seen=observed(live))
    assert actions(plan) == {"auth": expected}
    if expected == "import":
        assert plan.changes[0].session == "sessions/1"
        assert "[jf:sec/auth]" in plan.changes[0].reason


def test_import_records_the_hash_of_what_the_session_echoes() -> None:
    prog = programme({"id": "auth"})
    same = plan_for(prog, seen=observed(session(1, "auth", prog=prog)))
    edited = plan_for(prog, seen=observed(session(1, "auth", prompt="an older prompt")))
    assert same.changes[0].spec_hash == desired(prog)["auth"].spec_hash
    assert edited.changes[0].spec_hash not in (None, desired(prog)["auth"].spec_hash)


def test_superseded_sessions_are_never_reimported() -> None:
    prog = programme({"id": "auth"}, {"id": "dreams"})
    lock = lockfile({"dreams": binding(prog, "dreams", 5, superseded=["sessions/1"])})
    plan = plan_for(prog, lock, observed(session(1, "auth"), session(5, "dreams")))
    # sessions/1 carries auth's marker but a binding records it as superseded: not adopted again.
    assert actions(plan) == {"auth": "create"}


def test_duplicate_marked_sessions_import_the_newest_non_failed_and_name_the_others() -> None:
    prog = programme({"id": "auth"})
    older = session(1, "auth", "IN_PROGRESS", created=NOW - timedelta(hours=5))
    newer_failed = session(2, "auth", "FAILED", created=NOW - timedelta(hours=1))
    oldest = session(3, "auth", "COMPLETED", created=NOW - timedelta(hours=9))
    plan = plan_for(prog, seen=observed(older, newer_failed, oldest))
    assert [(c.action, c.session) for c in plan.changes] == [("import", "sessions/1")]
    assert attention(plan) == [
        ("auth", "duplicate", "sessions/2"),
        ("auth", "duplicate", "sessions/3"),
    ]
    assert "julesform keeps sessions/1" in plan.attention[0].message


def test_pending_create_with_a_marked_session_imports_it_with_the_pending_spec() -> None:
    prog = programme({"id": "auth"})
    pending = PendingCreate(
        title="Title auth [jf:sec/auth]",
        spec_hash="sha256:sent",
        started_at="2026-03-02T11:00:00Z",
        attempt=2,
    )
    plan = plan_for(prog, lockfile(pending={"auth": pending}), observed(session(7, "auth", "QUEUED")))
    [change] = plan.changes
    assert (change.action, change.session, change.spec_hash, change.attempt) == (
        "import",
        "sessions/7",
        "sha256:sent",
        2,
    )


def test_pending_create_with_nothing_found_creates_again_and_says_why() -> None:
    prog = programme({"id": "auth"})
    pending = PendingCreate(
        title="Title auth [jf:sec/auth]",
        spec_hash="sha256:sent",
        started_at="2026-03-02T11:00:00Z",
        attempt=2,
    )
    plan = plan_for(prog, lockfile(pending={"auth": pending}), observed())
    [change] = plan.changes
    assert (change.action, change.attempt) == ("create", 2)
    assert "2026-03-02T11:00:00Z" in change.reason and "creating again" in change.reason


def test_pending_replace_whose_response_was_lost_imports_the_new_session() -> None:
    prog = programme({"id": "auth"}, defaults={"on_change": "replace"})
    lock = lockfile(
        {"auth": binding(prog, "auth", 1, spec_hash="sha256:old")},
        {"auth": PendingCreate(title="t", spec_hash="sha256:new", started_at="2026-03-02T11:00:00Z")},
    )
    seen = observed(session(1, "auth", "COMPLETED"), session(2, "auth", "QUEUED", created=NOW))
    plan = plan_for(prog, lock, seen)
    [change] = plan.changes
    assert (change.action, change.session) == ("import", "sessions/2")
    assert change.before == {"session": "sessions/1"}


# --- bound sessions: every state ---------------------------------------------------------------

QUIET = 5  # minutes since the last activity: well inside the 30-minute stall default


@pytest.mark.parametrize(
    ("state", "log", "settings", "expected_action", "expected_attention"),
    [
        ("QUEUED", [], {}, None, []),
        ("PLANNING", [activity("progress", QUIET)], {}, None, []),
        ("AWAITING_PLAN_APPROVAL", [activity("plan", QUIET)], {}, "approve", []),
        ("AWAITING_PLAN_APPROVAL", [activity("plan", QUIET)], {"approval": "manual"}, None,
         ["manual_approval"]),
        # The state field lies: activities decide whether an agent plan waits.
        ("COMPLETED", [activity("plan", QUIET)], {}, "approve", []),
        ("AWAITING_PLAN_APPROVAL", [activity("plan", 9), activity("approved", QUIET)], {}, None, []),
        ("IN_PROGRESS", [activity("plan", 20), activity("approved", 19), activity("progress", QUIET)], {},
         None, []),
        ("IN_PROGRESS", [activity("progress", 45)], {}, None, ["stalled"]),
        ("IN_PROGRESS", [activity("progress", 45)], {"stall_minutes": 60}, None, []),
        ("AWAITING_USER_FEEDBACK", [], {}, None, ["awaiting_feedback"]),
        ("PAUSED", [], {}, None, ["paused"]),
        ("COMPLETED", [], {}, None, []),
        ("COMPLETED", [], {"automation_mode": "auto_create_pr"}, None, ["no_pull_request"]),
        ("FAILED", [], {}, None, ["failed"]),
        ("FAILED", [], {"on_failure": "recreate"}, "recreate", []),
        ("STATE_UNSPECIFIED", [], {}, None, []),
    ],
)
def test_bound_session_in_each_state(
    state: str,
    log: list[Any],
    settings: dict[str, Any],
    expected_action: str | None,
    expected_attention: list[str],
) -> None:
    prog = programme({"id": "auth", **settings})
    live = with_log(session(1, "auth", state, prog=prog), *log)
    plan = plan_for(prog, lockfile({"auth": binding(prog, "auth", 1)}), observed(live))
    assert actions(plan) == ({"auth": expected_action} if expected_action else {})
    assert [a.kind for a in plan.attention] == expected_attention
    assert plan.unchanged == ([] if expected_action else ["auth"])
    assert plan.status == {"auth": f"sessions/1 {state}"}


def test_approve_names_the_waiting_agent_plan() -> None:
    prog = programme({"id": "auth"})
    live = with_log(session(1, "auth", "AWAITING_PLAN_APPROVAL"), activity("plan", 3, plan_id="p9"))
    [change] = plan_for(prog, lockfile({"auth": binding(prog, "auth", 1)}), observed(live)).changes
    assert change.session == "sessions/1"
    assert change.before == {"session": "sessions/1", "state": "AWAITING_PLAN_APPROVAL", "plan": "p9"}
    assert change.reason == (
        "an agent plan waits for approval (sessions/1 is AWAITING_PLAN_APPROVAL); approval is auto"
    )


def test_completed_with_a_pull_request_needs_no_attention() -> None:
    prog = programme({"id": "auth", "automation_mode": "auto_create_pr"})
    live = session(1, "auth", "COMPLETED", prog=prog, pull_request=True)
    plan = plan_for(prog, lockfile({"auth": binding(prog, "auth", 1)}), observed(live))
    assert plan.attention == [] and plan.changes == []


def test_queued_without_any_activity_stalls_on_its_update_time() -> None:
    prog = programme({"id": "auth"})
    live = session(1, "auth", "QUEUED")  # updated a minute ago
    stale = live.model_copy(update={"update_time": NOW - timedelta(hours=2)})
    lock = lockfile({"auth": binding(prog, "auth", 1)})
    assert plan_for(prog, lock, observed(live)).attention == []
    assert [a.kind for a in plan_for(prog, lock, observed(stale)).attention] == ["stalled"]


@pytest.mark.parametrize(
    ("attempt", "max_attempts", "expected"),
    [(1, 3, "recreate"), (2, 3, "recreate"), (3, 3, None), (1, 1, None)],
)
def test_recreate_stops_at_max_attempts(attempt: int, max_attempts: int, expected: str | None) -> None:
    prog = programme({"id": "auth", "on_failure": "recreate", "max_attempts": max_attempts})
    lock = lockfile({"auth": binding(prog, "auth", 1, attempt=attempt)})
    plan = plan_for(prog, lock, observed(session(1, "auth", "FAILED", prog=prog)))
    if expected:
        [change] = plan.changes
        assert (change.action, change.actions) == ("recreate", ["forget", "create"])
        assert change.attempt == attempt + 1
        assert change.session == "sessions/1"
    else:
        assert plan.changes == []
        assert [a.kind for a in plan.attention] == ["failed"]
        assert "no attempts left" in plan.attention[0].message


# --- drift ------------------------------------------------------------------------------------


def _drifted(on_change: str, **binding_extra: Any) -> tuple[Any, Any, Any]:
    prog = programme({"id": "auth", "prompt": "Do auth.\nWith 12 tests.", "on_change": on_change})
    lock = lockfile({"auth": binding(prog, "auth", 1, spec_hash="sha256:old", **binding_extra)})
    live = session(1, "auth", "IN_PROGRESS", prompt="Do auth.\nWith tests.")
    return prog, lock, observed(live)


def test_changed_spec_with_on_change_report_is_outdated_with_a_prompt_diff_and_no_change() -> None:
    plan = plan_for(*_drifted("report"))
    assert plan.changes == []
    [item] = plan.attention
    assert item.kind == "outdated"
    assert "spec changed (prompt)" in item.message and "--replace auth" in item.message
    assert item.prompt_diff is not None
    assert "-With tests." in item.prompt_diff and "+With 12 tests." in item.prompt_diff


def test_changed_spec_with_on_change_replace_replaces() -> None:
    plan = plan_for(*_drifted("replace"))
    [change] = plan.changes
    assert (change.action, change.actions, change.session) == ("replace", ["forget", "create"], "sessions/1")
    assert change.attempt == 2
    assert change.prompt_diff is not None and "+With 12 tests." in change.prompt_diff


def test_changed_spec_with_on_change_message_sends_it_once() -> None:
    prog, lock, seen = _drifted("message")
    [change] = plan_for(prog, lock, seen).changes
    assert change.action == "message" and change.session == "sessions/1"
    assert change.message is not None and "+With 12 tests." in change.message
    assert change.message.endswith("Do auth.\nWith 12 tests.")
    told = lockfile(
        {"auth": binding(prog, "auth", 1, spec_hash="sha256:old", messaged_spec_hash=change.spec_hash)}
    )
    assert plan_for(prog, told, seen).changes == []


def test_replace_flag_forces_a_replace_without_any_change() -> None:
    prog = programme({"id": "auth"})
    lock = lockfile({"auth": binding(prog, "auth", 1)})
    seen = observed(session(1, "auth", "COMPLETED", prog=prog))
    assert plan_for(prog, lock, seen).changes == []
    [change] = plan_for(prog, lock, seen, replace=("auth",)).changes
    assert change.action == "replace" and change.reason.startswith("--replace was given")


def test_replace_is_not_planned_once_attempts_are_spent() -> None:
    plan = plan_for(*_drifted("replace", attempt=3))
    assert plan.changes == []
    assert [a.kind for a in plan.attention] == ["outdated"]
    assert "no attempts left" in plan.attention[0].message


# --- vanished and forget -----------------------------------------------------------------------


def test_vanished_bound_session_is_created_again_and_flagged() -> None:
    prog = programme({"id": "auth"})
    lock = lockfile({"auth": binding(prog, "auth", 1)})
    plan = plan_for(prog, lock, observed(vanished=("sessions/1",)))
    [change] = plan.changes
    assert (change.action, change.session, change.attempt) == ("create", "sessions/1", 2)
    assert change.reason == "bound session sessions/1 no longer exists"
    assert attention(plan) == [("auth", "vanished", "sessions/1")]


def test_removed_category_is_forgotten_loudly() -> None:
    prog = programme({"id": "auth"})
    gone = binding(programme({"id": "old"}), "old", 9)
    lock = lockfile({"auth": binding(prog, "auth", 1), "old": gone})
    plan = plan_for(prog, lock, observed(session(1, "auth", prog=prog), session(9, "old")))
    [change] = plan.changes
    assert (change.category, change.action, change.session) == ("old", "forget", "sessions/9")
    assert "removed from the programme" in change.reason
    assert plan.categories == ["auth", "old"]


def test_bound_category_with_an_extra_marked_session_flags_it_without_importing() -> None:
    prog = programme({"id": "auth"})
    lock = lockfile({"auth": binding(prog, "auth", 1)})
    plan = plan_for(prog, lock, observed(session(1, "auth", prog=prog), session(2, "auth", created=NOW)))
    assert plan.changes == []
    assert attention(plan) == [("auth", "duplicate", "sessions/2")]


# --- dependencies and phases ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first_state", "expected"),
    [(None, "defer"), ("IN_PROGRESS", "defer"), ("FAILED", "defer"), ("COMPLETED", "create")],
)
def test_a_create_waits_until_its_dependency_completed(first_state: str | None, expected: str) -> None:
    prog = programme({"id": "auth"}, {"id": "routes", "depends_on": ["auth"]})
    if first_state is None:
        plan = plan_for(prog)
        assert actions(plan) == {"auth": "create", "routes": "defer"}
    else:
        lock = lockfile({"auth": binding(prog, "auth", 1)})
        plan = plan_for(prog, lock, observed(session(1, "auth", first_state, prog=prog)))
        assert actions(plan).get("routes") == expected
    if expected == "defer":
        [deferred] = plan.deferred
        assert deferred.waiting_on == ["auth"]
        assert deferred.reason == "depends on auth, not completed yet"


def test_completed_with_an_agent_plan_still_waiting_does_not_release_dependants() -> None:
    prog = programme({"id": "auth"}, {"id": "routes", "depends_on": ["auth"]})
    lock = lockfile({"auth": binding(prog, "auth", 1)})
    lying = with_log(session(1, "auth", "COMPLETED", prog=prog), activity("plan", 5))
    assert actions(plan_for(prog, lock, observed(lying))) == {"auth": "approve", "routes": "defer"}


def test_a_later_phase_waits_for_every_category_of_earlier_phases() -> None:
    prog = programme({"id": "a"}, {"id": "b"}, {"id": "c", "phase": 2})
    lock = lockfile({"a": binding(prog, "a", 1), "b": binding(prog, "b", 2)})
    half = observed(session(1, "a", "COMPLETED", prog=prog), session(2, "b", "IN_PROGRESS", prog=prog))
    plan = plan_for(prog, lock, half)
    assert actions(plan) == {"c": "defer"}
    assert plan.deferred[0].waiting_on == ["b"]
    assert plan.deferred[0].reason == "phase 2 waits for earlier phases to complete (b)"
    done = observed(session(1, "a", "COMPLETED", prog=prog), session(2, "b", "COMPLETED", prog=prog))
    assert actions(plan_for(prog, lock, done)) == {"c": "create"}


def test_an_import_of_a_completed_session_satisfies_its_dependants() -> None:
    prog = programme({"id": "auth"}, {"id": "routes", "depends_on": ["auth"]})
    plan = plan_for(prog, seen=observed(session(1, "auth", "COMPLETED", prog=prog)))
    assert actions(plan) == {"auth": "import", "routes": "create"}


# --- quota ------------------------------------------------------------------------------------


def _busy(created_recently: int, running: int) -> list[Any]:
    """Unmarked account sessions: some created within 24 h, some running (they count all the same)."""
    sessions = [
        session(100 + i, None, "COMPLETED", created=NOW - timedelta(hours=2)) for i in range(created_recently)
    ]
    sessions += [
        session(200 + i, None, "IN_PROGRESS", created=NOW - timedelta(hours=48)) for i in range(running)
    ]
    return sessions


def test_daily_quota_defers_the_lowest_priority_creates_first() -> None:
    prog = programme(
        {"id": "low", "priority": "P3"},
        {"id": "blocker", "priority": "P0"},
        {"id": "mid", "priority": "P1"},
        quota={"daily": 5, "concurrent": 10},
    )
    plan = plan_for(prog, seen=observed(*_busy(created_recently=3, running=0)))
    assert actions(plan) == {"blocker": "create", "mid": "create", "low": "defer"}
    [deferred] = plan.deferred
    assert deferred.waiting_on == ["quota"]
    assert deferred.reason.startswith("quota: no daily headroom (3 of 5 tasks used in the last 24 h")
    assert plan.quota is not None
    assert (plan.quota.daily_used, plan.quota.running, plan.quota.creates_planned) == (3, 0, 2)


def test_concurrent_quota_counts_running_sessions_of_the_whole_account() -> None:
    prog = programme({"id": "a"}, {"id": "b"}, quota={"daily": 50, "concurrent": 3})
    plan = plan_for(prog, seen=observed(*_busy(created_recently=0, running=2)))
    assert actions(plan) == {"a": "create", "b": "defer"}
    assert plan.deferred[0].reason.startswith("quota: no concurrent headroom (2 + 1 of 3 running)")


def test_priority_ties_break_by_phase_then_file_order() -> None:
    prog = programme(
        {"id": "z"}, {"id": "y"}, {"id": "x"}, quota={"daily": 2, "concurrent": 10}
    )
    plan = plan_for(prog)
    assert actions(plan) == {"z": "create", "y": "create", "x": "defer"}


def test_creates_planned_by_other_programmes_share_the_headroom() -> None:
    prog = programme({"id": "a"}, {"id": "b"}, quota={"daily": 3, "concurrent": 10})
    plan = plan_for(prog, planned_elsewhere=2)
    assert actions(plan) == {"a": "create", "b": "defer"}
    assert plan.quota is not None and plan.quota.planned_elsewhere == 2


def test_without_an_account_listing_no_quota_is_claimed() -> None:
    prog = programme({"id": "auth"})
    lock = lockfile({"auth": binding(prog, "auth", 1)})
    plan = plan_for(prog, lock, observed(session(1, "auth", prog=prog), complete=False))
    assert plan.quota is None and plan.changes == []


# --- partial plans and order ------------------------------------------------------------------


def test_target_limits_the_plan_and_says_so() -> None:
    prog = programme({"id": "a"}, {"id": "b"}, {"id": "c"})
    plan = plan_for(prog, targets=("c", "a"))
    assert [c.category for c in plan.changes] == ["a", "c"]
    assert plan.targets == ["a", "c"] and plan.categories == ["a", "c"]


def test_the_plan_keeps_programme_file_order_and_records_its_provenance() -> None:
    prog = programme({"id": "zeta"}, {"id": "alpha"}, {"id": "mid"})
    plan = plan_for(prog, lockfile())
    assert [c.category for c in plan.changes] == ["zeta", "alpha", "mid"]
    assert (plan.lineage, plan.serial, plan.plan_id, plan.programme_hash) == (
        "11111111-1111-1111-1111-111111111111",
        4,
        "plan-1",
        "sha256:abc",
    )
    assert plan_for(prog, lockfile(), lockfile_exists=False).lineage is None


# --- agent plan pending, from activities ------------------------------------------------------


@pytest.mark.parametrize(
    ("log", "expected"),
    [
        ([], None),
        ([activity("plan", 10, "p1")], "p1"),
        ([activity("plan", 10, "p1"), activity("approved", 5, "p1")], None),
        ([activity("plan", 10, "p1"), activity("approved", 5, "p1"), activity("plan", 2, "p2")], "p2"),
        # Order comes from createTime, not from the position in the response.
        ([activity("approved", 5, "p1"), activity("plan", 10, "p1")], None),
        ([activity("progress", 10), activity("done", 1)], None),
    ],
)
def test_pending_plan_is_the_newest_generated_without_a_later_approval(
    log: list[Any], expected: str | None
) -> None:
    assert pending_plan(log) == expected
