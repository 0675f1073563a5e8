"""Lower bounds from first principles: the fewest requests a job needs, and how many rounds of
latency they cost at the concurrency julesform allows.

A round is one request's latency. Requests that do not depend on each other share a round, up to
the allowed concurrency (reads: the client's parallel-read limit; creates: apply's parallelism,
because bursts of parallel creates fail on the real service). Requests that do depend on each
other cannot: list pages come one after another (each needs the previous page's token), and a
create can only go out after the listing that proves it is not a duplicate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from julesform.api.client import MAX_PAGE_SIZE, Limits
from julesform.apply.executor import OTHER_WORKERS, ApplyOptions

READS_AT_ONCE = Limits().max_workers
CREATES_AT_ONCE = ApplyOptions().parallelism
WRITES_AT_ONCE = OTHER_WORKERS
PAGE = MAX_PAGE_SIZE


@dataclass(frozen=True)
class Bound:
    requests: int
    rounds: int
    how: str

    def seconds(self, latency: float) -> float:
        return self.rounds * latency


def _rounds(chain: int, total: int, at_once: int) -> int:
    """A chain of dependent requests, and ``total`` requests in all at ``at_once`` parallel."""
    return max(chain, math.ceil(total / at_once))


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def pages(sessions: int) -> int:
    """List pages for an account of ``sessions`` (an empty account still answers one page)."""
    return max(1, math.ceil(sessions / PAGE))


def plan(categories: int, bound: int, others: int) -> Bound:
    """``plan`` of ``categories`` categories, ``bound`` of them bound to finished sessions that were
    made with plan approval required, in an account holding ``others`` more sessions.

    Needed: the state of every bound session and its activity log (a finished session can still
    have an agent plan waiting: the state lies), and, as soon as one category is unbound, the whole
    account listed (the marker search that prevents duplicates, and the quota). With everything
    bound, the bound sessions alone must be read: by a get each, or by listing newest first as far
    as the oldest of them (in the benchmark's account they are the newest); the cheaper way counts.
    """
    listing = pages(others + bound)
    ways = [(listing, listing + bound, f"{_n(listing, 'list page')} + {_n(bound, 'activity log')}")]
    if bound == categories:
        newest = pages(bound)
        ways.append((newest, newest + bound, f"{_n(newest, 'list page')} + {_n(bound, 'activity log')}"))
        ways.append((1, 2 * bound, f"{_n(bound, 'get')} + {_n(bound, 'activity log')}"))
    chain, total, how = min(ways, key=lambda w: (_rounds(w[0], w[1], READS_AT_ONCE), w[1]))
    return Bound(total, _rounds(chain, total, READS_AT_ONCE), how)


def apply_creates(creates: int) -> Bound:
    """``apply`` creating ``creates`` sessions in an empty account: one list page (marker search and
    quota), then the creates, ``CREATES_AT_ONCE`` at a time."""
    rounds = 1 + math.ceil(creates / CREATES_AT_ONCE)
    return Bound(1 + creates, rounds, f"1 list page, then {creates} creates {CREATES_AT_ONCE} at a time")


def apply_approvals(approvals: int) -> Bound:
    """``apply`` approving ``approvals`` waiting agent plans: the sessions read (list, or gets when
    that is cheaper), each activity log (is the plan still pending?), then each approval."""
    reads = plan(approvals, approvals, 0)
    total = reads.requests + approvals
    rounds = max(reads.rounds + 1, math.ceil(total / READS_AT_ONCE))
    return Bound(total, rounds, f"{reads.how}, then {approvals} approvals")


def naive_requests(gets: int = 0, creates: int = 0, approvals: int = 0) -> int:
    """The naive script's requests (all sequential: its time is this many rounds)."""
    return gets + creates + 2 * approvals
