"""``make verify-audit``: check the audit chain of every request, print each broken one, exit 1 if any.

Against the local stack (default) it reads ``STATE_DIR/stack.json``, written by
``make run``. Against AWS (``make verify-audit AWS=1``) it uses the caller's
AWS credentials and the ``LIAISON_*`` variables of the deployed API (at least
``LIAISON_REQUESTS_TABLE`` and ``LIAISON_EVENTS_TABLE``). This is an operator's
tool, not a request path: it reads every request (a paginated Scan) and each
request's events (a Query).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path


def _local_environment(state_dir: Path) -> None:
    stack = state_dir / "stack.json"
    if not stack.exists():
        raise SystemExit(f"No local stack found ({stack} is missing): start one with `make run`, "
                         "or run against AWS with `make verify-audit AWS=1`.")
    from infra.local.run import base_environment

    os.environ.update(base_environment(int(json.loads(stack.read_text(encoding="utf-8"))["moto_port"])))
    os.environ.update(json.loads((state_dir / "environment.json").read_text(encoding="utf-8")))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make verify-audit", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--state-dir", type=Path, default=Path(".local"))
    parser.add_argument("--aws", action="store_true", help="check the deployment the environment points at")
    args = parser.parse_args(argv)
    if not args.aws:
        _local_environment(args.state_dir)

    from chalicelib.domain import audit
    from chalicelib.store.models import Event, LegalRequest

    checked = broken = events = 0
    for item in LegalRequest.scan(attributes_to_get=["request_id", "last_event_seq", "last_event_hash"]):
        trail = list(Event.query(item.request_id, consistent_read=True))
        verdict = audit.verify(trail, int(item.last_event_seq or 0), item.last_event_hash)
        checked += 1
        events += verdict.checked
        if not verdict.verified:
            broken += 1
            print(f"BROKEN {item.request_id}: event {verdict.first_bad_seq}: {verdict.problem}")
    print(f"{checked} request(s), {events} event(s) checked: "
          + ("every chain verifies." if not broken else f"{broken} chain(s) broken."))
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
