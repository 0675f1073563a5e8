"""Saved plans (``plan --out``): telling one apart from a programme, and refusing stale or used ones.

A saved plan is what a reviewer approved; applying it later is only safe if nothing it was computed
from has moved. It records the lockfile's lineage and serial, the programme's hash and the endpoint;
any difference makes it stale, and the message names which. A plan that was already applied is
refused as such: its id is recorded beside the lockfile (``<lockfile>.applied``) when its apply
starts, so even a plan that only approved agent plans (and so wrote no binding) cannot run twice. On
another machine, without that record, the same plan is still refused, as stale (the serial moved).
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import ValidationError

from julesform.errors import JulesformError, first_problem
from julesform.planner.plan import FORMAT_VERSION, Plan
from julesform.state.lockfile import Lockfile

APPLIED_SUFFIX = ".applied"
KEEP_APPLIED = 50


class StalePlan(JulesformError):
    """The saved plan no longer matches the lockfile, the programme or the endpoint."""


class PlanAlreadyApplied(StalePlan):
    """The saved plan has been applied (or its apply started) before."""


def looks_like_saved_plan(path: Path) -> bool:
    """True for a JSON plan file; programmes are YAML. Decided by extension, else by the first byte."""
    if path.suffix.lower() == ".json":
        return True
    if path.suffix.lower() in {".yaml", ".yml"}:
        return False
    try:
        with path.open("rb") as handle:
            head = handle.read(512).lstrip()
    except OSError:
        return False
    return head.startswith(b"{")


def load_saved_plan(path: Path) -> Plan:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise JulesformError(f"cannot read saved plan {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise JulesformError(f"{path} is not a saved plan: not UTF-8 text") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise JulesformError(f"{path} is not a saved plan: not JSON ({exc.msg}, line {exc.lineno})") from None
    except (ValueError, RecursionError) as exc:  # a number too long to convert, nesting too deep
        reason = (str(exc).splitlines() or [type(exc).__name__])[0]
        raise JulesformError(f"{path} is not a saved plan: {reason}") from None
    if isinstance(data, dict) and "plans" in data:
        raise JulesformError(
            f"{path} holds the plans of several programmes; save one programme's plan per file "
            "(julesform plan --out FILE PROGRAMME) to apply it"
        )
    if isinstance(data, dict) and data.get("format_version") not in (None, FORMAT_VERSION):
        raise JulesformError(
            f"{path} is a plan of format {data.get('format_version')}; this julesform reads format "
            f"{FORMAT_VERSION}: make a new plan"
        )
    try:
        plan = Plan.model_validate(data)
    except ValidationError as exc:
        where, problem = first_problem(exc, "(top)")
        raise JulesformError(f"{path} is not a saved plan: {where}: {problem}") from None
    for change in plan.changes:
        # What a create sends and the hash recorded for it travel together; a plan edited by hand
        # would otherwise bind a session under a hash that does not describe it.
        if change.spec is not None and change.spec_hash not in (None, change.spec.spec_hash()):
            raise JulesformError(
                f"{path} was edited after it was saved: the spec of {change.category} does not match "
                "its recorded hash; make a new plan"
            )
    return plan


def applied_path(lockfile_path: Path) -> Path:
    return lockfile_path.with_name(lockfile_path.name + APPLIED_SUFFIX)


def applied_plan_ids(lockfile_path: Path) -> list[str]:
    try:
        lines = applied_path(lockfile_path).read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    return [line.strip() for line in lines if line.strip()]


def record_applied(lockfile_path: Path, plan_id: str) -> None:
    """Remember ``plan_id`` as applied (the newest few ids are kept)."""
    from julesform.state.store import atomic_write_text

    ids = [*applied_plan_ids(lockfile_path), plan_id][-KEEP_APPLIED:]
    try:
        atomic_write_text(applied_path(lockfile_path), "\n".join(ids) + "\n")
    except OSError as exc:
        raise JulesformError(
            f"not applying: cannot record the plan as applied in {applied_path(lockfile_path)} "
            f"({exc.strerror or exc})"
        ) from None


def check_fresh(
    plan: Plan,
    *,
    plan_path: Path,
    lockfile: Lockfile | None,
    lockfile_path: Path,
    programme_hash: str,
    endpoint: str,
) -> None:
    """Raise ``PlanAlreadyApplied`` or ``StalePlan`` (naming the reason) unless ``plan`` may run now."""
    if plan.plan_id in applied_plan_ids(lockfile_path):
        raise PlanAlreadyApplied(
            f"saved plan {plan_path} (plan id {plan.plan_id}) was already applied to {lockfile_path}; "
            "run plan again to see what is left to do"
        )
    stale = f"saved plan {plan_path} is stale"
    again = "run plan again and review the new plan"
    if plan.endpoint != endpoint:
        raise StalePlan(f"{stale}: it was made against {plan.endpoint}, this run uses {endpoint}; {again}")
    if lockfile is None:
        if plan.lineage is not None:
            raise StalePlan(f"{stale}: its lockfile {lockfile_path} no longer exists; {again}")
    elif plan.lineage is None:
        raise StalePlan(f"{stale}: it was made before lockfile {lockfile_path} existed; {again}")
    elif plan.lineage != lockfile.lineage:
        raise StalePlan(
            f"{stale}: lockfile {lockfile_path} has lineage {lockfile.lineage}, the plan was made "
            f"against lineage {plan.lineage}; {again}"
        )
    elif plan.serial != lockfile.serial:
        raise StalePlan(
            f"{stale}: lockfile {lockfile_path} is at serial {lockfile.serial}, the plan was made at "
            f"serial {plan.serial} (it was written since); {again}"
        )
    if plan.programme_hash != programme_hash:
        raise StalePlan(f"{stale}: programme {plan.programme_path} changed since the plan was made; {again}")
