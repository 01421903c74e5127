"""``make checkpoint``: write an audit checkpoint now, as the hourly schedule does.

The heads of every request chain changed since the last checkpoint are signed and
kept in the evidence bucket under Object Lock (``chalicelib/services/checkpoints.py``).
Against the local stack (default) it uses ``STATE_DIR``, written by ``make run``
(which also writes one every hour of its scaled clock); against AWS
(``make checkpoint AWS=1``) the caller's credentials and the ``LIAISON_*``
variables of the deployed API.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from infra.verify_audit import local_environment


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="make checkpoint", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--state-dir", type=Path, default=Path(".local"))
    parser.add_argument("--aws", action="store_true", help="write it for the deployment the environment points at")
    args = parser.parse_args(argv)
    if not args.aws:
        local_environment(args.state_dir)

    from chalicelib.services.checkpoints import Checkpoints

    written = Checkpoints().write()
    print(json.dumps(written))  # one line, last: the service logs its own (JSON) lines before it
    return 0


if __name__ == "__main__":
    sys.exit(main())
