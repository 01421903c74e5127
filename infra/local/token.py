"""``make -s token ROLE=... SUB=...``: print one token of the local issuer on stdout."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from infra.local.identity import DEFAULT_TTL_SECONDS, DevIssuer

ROLES = ("authority", "representative", "admin")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make -s token", description=__doc__)
    parser.add_argument("--role", required=True, choices=ROLES)
    parser.add_argument("--sub", required=True, help="the officer, representative or admin id")
    parser.add_argument("--agency", help="agency id (authority tokens)")
    parser.add_argument("--region", help="region id (representative tokens)")
    parser.add_argument("--mfa", action="store_true", help="mark the token as multi-factor (amr: mfa)")
    parser.add_argument("--ttl", type=int, default=DEFAULT_TTL_SECONDS, help="lifetime in seconds")
    parser.add_argument("--state-dir", default=".local", type=Path)
    args = parser.parse_args(argv)
    if not args.sub.strip():
        parser.error("SUB=<id> is required (the officer, representative or admin id)")
    if args.role == "authority" and not args.agency:
        parser.error("an authority token needs AGENCY=<agency id>")
    if args.role == "representative" and not args.region:
        parser.error("a representative token needs REGION=<region id>")
    if not 0 < args.ttl <= DEFAULT_TTL_SECONDS:
        # The API refuses a token that lives longer than LIAISON_MAX_TOKEN_LIFETIME_HOURS (12 h by default).
        parser.error(
            f"TTL must be between 1 second and {DEFAULT_TTL_SECONDS} (12 hours): the API refuses longer-lived tokens"
        )
    token = DevIssuer(args.state_dir).mint(
        role=args.role,
        sub=args.sub,
        mfa=args.mfa,
        ttl_seconds=args.ttl,
        agency_id=args.agency if args.role == "authority" else None,
        region=args.region if args.role == "representative" else None,
    )
    sys.stdout.write(token + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
