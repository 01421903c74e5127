"""``make verify-audit``: check the audit chain of every request, print each broken one, exit 1 if any.

Against the local stack (default) it reads ``STATE_DIR/stack.json``, written by
``make run``. Against AWS (``make verify-audit AWS=1``) it uses the caller's
AWS credentials and the ``LIAISON_*`` variables of the deployed API (at least
``LIAISON_REQUESTS_TABLE`` and ``LIAISON_EVENTS_TABLE``). This is an operator's
tool, not a request path: it reads every request (a paginated Scan), each
request's events (a Query) and body as filed, and every audit checkpoint in the
evidence bucket. For each request it checks the chain, the request against what
its events set, the body as filed, and the chain against the latest checkpoint
that anchors it (``chalicelib/services/evidence.py``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple


def local_environment(state_dir: Path) -> None:
    stack = state_dir / "stack.json"
    if not stack.exists():
        raise SystemExit(
            f"No local stack found ({stack} is missing): start one with `make run`, "
            "or run against AWS with `make verify-audit AWS=1`."
        )
    from infra.local.run import base_environment

    os.environ.update(base_environment(int(json.loads(stack.read_text(encoding="utf-8"))["moto_port"])))
    os.environ.update(json.loads((state_dir / "environment.json").read_text(encoding="utf-8")))


class Anchors(NamedTuple):
    """What ``evidence.verify`` takes (the latest anchor of each request, the checkpoints' coverage), from every
    checkpoint read from the bucket; the problems found in them, and how many checkpoints there are."""

    anchor_of: Callable[[str], Any]
    latest: dict[str, Any] | None
    problems: list[str]
    checkpoints: int


def bucket_anchors() -> Anchors:
    """Every checkpoint, read from the bucket (not from any pointer the tables could steer): each one's signature,
    content hash and link to the one before checked, and the latest head each anchors per request."""
    from chalicelib.services import checkpoints

    anchored, problems, contents = checkpoints.Checkpoints().load_all()
    latest = {"at": contents[-1]["at"], "covered_from": contents[0]["hours"]["from"]} if contents else None
    return Anchors(anchored.get, latest, problems, len(contents))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="make verify-audit", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--state-dir", type=Path, default=Path(".local"))
    parser.add_argument("--aws", action="store_true", help="check the deployment the environment points at")
    args = parser.parse_args(argv)
    if not args.aws:
        local_environment(args.state_dir)

    from chalicelib.services import evidence
    from chalicelib.store.models import LegalRequest
    from chalicelib.store.requests import RequestRepository

    requests = RequestRepository()

    anchor_of, latest, problems, kept = bucket_anchors()
    for problem in problems:
        print(f"CHECKPOINT {problem}")
    checked = broken = events = 0
    for scanned in LegalRequest.scan():
        item, trail = requests.chain(scanned)  # the Scan's item may predate its latest event: read both again
        verdict = evidence.verify(item, trail, anchor_of=anchor_of, latest=latest).verdict
        checked += 1
        events += verdict.checked
        if not verdict.verified:
            broken += 1
            where = (
                f"field {verdict.field}"
                if verdict.field
                else (f"event {verdict.first_bad_seq}" if verdict.first_bad_seq else "evidence")
            )
            print(f"BROKEN {item.request_id}: {where}: {verdict.problem}")
    print(
        f"{checked} request(s), {events} event(s) and {kept} checkpoint(s) checked: "
        + (
            "all evidence verifies."
            if not broken and not problems
            else f"{broken} request(s) with broken evidence, {len(problems)} checkpoint problem(s)."
        )
    )
    return 1 if broken or problems else 0


if __name__ == "__main__":
    sys.exit(main())
