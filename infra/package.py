"""``make package``: the deployable SAM template and code bundle, with no AWS call.

Inlines the state-machine definitions into ``infra/template.json`` and hands
the result to ``chalice package --merge-template``, which adds the functions,
roles and REST API it generates and deep-merges ours over them.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from infra import template

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make package", description=__doc__)
    parser.add_argument("--stage", default="prod")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "package")
    parser.add_argument("--region", default="eu-west-1", help="only recorded by chalice; nothing is deployed")
    args = parser.parse_args(argv)

    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    merge = out.parent / "merge-template.json"
    merge.write_text(json.dumps(template.load(), indent=2) + "\n", encoding="utf-8")
    # Packaging must not depend on a local environment: the deployed one comes from the template.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LIAISON_", "AWS_"))}
    env["AWS_DEFAULT_REGION"] = args.region
    chalice = str(Path(sys.executable).with_name("chalice"))
    result = subprocess.run([chalice, "package", "--stage", args.stage, "--merge-template", str(merge), str(out)],
                            cwd=ROOT, env=env, check=False)
    if result.returncode == 0:
        print(f"Packaged: {out / 'sam.json'} and {out / 'deployment.zip'}", file=sys.stderr)
    return result.returncode


if __name__ == "__main__":
    raise SystemExit(main())
