"""The naive baseline: what the user's scripts did, one request after another.

``python benchmarks/naive.py JOB.json`` with ``JULES_API_URL`` and ``JULES_API_KEY`` set. The job
lists sessions to check (``get``: GET each and tally its state), sessions to create (``create``:
POST each body) and sessions to approve (``approve``: GET each, approvePlan it if it waits).
No parallelism, no listing, no activities: the scripts in the user's document, in twenty lines.
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter

import httpx


def main(job_path: str) -> int:
    with open(job_path, encoding="utf-8") as handle:
        job = json.load(handle)
    base = os.environ["JULES_API_URL"].rstrip("/") + "/"
    headers = {"X-Goog-Api-Key": os.environ["JULES_API_KEY"]}
    states: Counter[str] = Counter()
    with httpx.Client(base_url=base, headers=headers, timeout=60) as http:
        for name in job.get("get", []):
            reply = http.get(name)
            reply.raise_for_status()
            states[reply.json().get("state", "?")] += 1
        for body in job.get("create", []):
            http.post("sessions", json=body).raise_for_status()
            states["created"] += 1
        for name in job.get("approve", []):
            session = http.get(name).json()
            if session.get("state") == "AWAITING_PLAN_APPROVAL":
                http.post(f"{name}:approvePlan", json={}).raise_for_status()
                states["approved"] += 1
    print(json.dumps(dict(sorted(states.items()))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
