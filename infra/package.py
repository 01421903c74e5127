"""``make package``: the deployable SAM template and code bundle, with no AWS call.

Inlines the state-machine definitions and the sign-in trigger's code
(``infra/cognito_claims.py``) into ``infra/template.json`` and hands the result
to ``chalice package --merge-template``, which adds the functions,
roles and REST API it generates and deep-merges ours over them.

The bundle's third-party packages are exactly ``requirements.lock``'s, checked against its hashes. Chalice only
reads a project's ``requirements.txt`` (for us the hand-edited top level), so chalice runs on a staging project:
links to ``app.py``, ``chalicelib/`` and ``.chalice/`` (its dependency cache stays in ours), and the lock as its
``requirements.txt``. Chalice's ``pip download -r`` then runs in pip's hash-checking mode, and for Lambda's
platform (``LAMBDA_PIP``): every wheel it fetches is one the lock names, and none is left for chalice's later,
unhashed, per-package download of Lambda wheels to replace.

Then it adds compiled bytecode to the bundle. ``chalice package`` ships sources
only, and Lambda's ``/var/task`` is read-only, so every cold start would compile
every module it imports, boto3 included (about 1 s more per cold start, measured
by ``make bench``). The ``.pyc`` files are unchecked-hash ones, compiled by this
Python 3.11 for the python3.11 runtime: used as they are, whatever the file
times in the zip say.
"""

from __future__ import annotations

import argparse
import compileall
import email.parser
import json
import os
import py_compile
import re
import stat
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from packaging.markers import Marker

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
    merge.write_text(json.dumps(with_event_environment(template.load()), indent=2) + "\n", encoding="utf-8")
    # Packaging must not depend on a local environment: the deployed one comes from the template.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LIAISON_", "AWS_"))}
    env["AWS_DEFAULT_REGION"] = args.region
    env.update(LAMBDA_PIP)
    chalice = str(Path(sys.executable).with_name("chalice"))
    with tempfile.TemporaryDirectory(prefix="liaison-package-") as staging:
        project = stage_project(Path(staging))
        result = subprocess.run(
            [chalice, "package", "--stage", args.stage, "--merge-template", str(merge), str(out)],
            cwd=project,
            env=env,
            check=False,
        )
    if result.returncode != 0:
        return result.returncode
    bundled, locked = bundled_versions(out / "deployment.zip"), locked_versions()
    if bundled != locked:
        print(
            f"The bundle's packages are not requirements.lock's: bundled {sorted(bundled.items() - locked.items())},"
            f" locked {sorted(locked.items() - bundled.items())}",
            file=sys.stderr,
        )
        return 1
    compiled = add_bytecode(out / "deployment.zip")
    print(
        f"Packaged: {out / 'sam.json'} and {out / 'deployment.zip'} ({compiled} modules precompiled)", file=sys.stderr
    )
    return 0


LOCK = ROOT / "requirements.lock"
PROJECT_FILES = ("app.py", "chalicelib", ".chalice", "vendor")

# pip options, as environment variables, for chalice's `pip download -r requirements.txt`: wheels only, for Lambda's
# python3.11 on x86_64 (glibc 2.26; pip takes each manylinux tag literally, so every one up to 2.26 is listed), and
# hashes required, so that any other download chalice might try (one package at a time, unhashed) fails instead.
LAMBDA_PIP = {
    "PIP_ONLY_BINARY": ":all:",
    "PIP_PLATFORM": " ".join([f"manylinux_2_{minor}_x86_64" for minor in range(17, 27)] + ["manylinux2014_x86_64"]),
    "PIP_IMPLEMENTATION": "cp",
    "PIP_PYTHON_VERSION": "3.11",
    "PIP_ABI": "cp311",
    "PIP_REQUIRE_HASHES": "1",
}


def stage_project(staging: Path) -> Path:
    """A chalice project in ``staging`` that is ours with ``requirements.lock`` as its ``requirements.txt``."""
    for name in PROJECT_FILES:
        if (ROOT / name).exists():
            (staging / name).symlink_to(ROOT / name)
    (staging / "requirements.txt").write_bytes(LOCK.read_bytes())
    return staging


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


# The marker environment of Lambda's python3.11 runtime, for the lock's platform-specific lines.
LAMBDA_MARKERS = {
    "sys_platform": "linux",
    "platform_system": "Linux",
    "platform_machine": "x86_64",
    "os_name": "posix",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "python_version": "3.11",
}


def locked_versions(lock: Path = LOCK) -> dict[str, str]:
    """``{name: version}`` of every package of the lock that Lambda gets (its marker, if any, holds there)."""
    versions = {}
    for line in lock.read_text(encoding="utf-8").splitlines():
        match = re.match(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)\s*(?:;([^\\]+))?", line)
        if match and (not match[3] or Marker(match[3].strip()).evaluate(LAMBDA_MARKERS)):
            versions[normalized(match[1])] = match[2]
    return versions


def bundled_versions(bundle: Path) -> dict[str, str]:
    """``{name: version}`` of every distribution installed at the bundle's top (its ``*.dist-info/METADATA``)."""
    versions = {}
    with zipfile.ZipFile(bundle) as source:
        for member in source.namelist():
            if re.fullmatch(r"[^/]+\.dist-info/METADATA", member):
                metadata = email.parser.BytesHeaderParser().parsebytes(source.read(member))
                versions[normalized(metadata["Name"])] = metadata["Version"]
    return versions


# Functions `chalice package` generates for the queue and stream consumers of chalicelib/events.py and the
# schedules of chalicelib/schedules.py. They read the same settings as the API, so they get the API's environment
# from the template: one map to keep, not one per function.
EVENT_FUNCTIONS = ("RecordRefusals", "KeepFilings", "AuditCheckpoint")


def with_event_environment(merged: dict) -> dict:
    for name in EVENT_FUNCTIONS:
        properties = merged["Resources"].setdefault(name, {}).setdefault("Properties", {})
        properties["Environment"] = {"Variables": dict(template.api_environment(merged))}
    return merged


LAMBDA_TASK_ROOT = "/var/task"  # where Lambda unpacks the bundle: the paths tracebacks show
BYTECODE_DATE = (2020, 1, 1, 0, 0, 0)  # fixed, so the same sources give the same zip entries


def add_bytecode(bundle: Path) -> int:
    """Add an unchecked-hash ``__pycache__/*.cpython-311.pyc`` beside every module of the zip; return how many."""
    if sys.version_info[:2] != (3, 11):
        raise SystemExit("packaging needs Python 3.11: the bytecode must match Lambda's python3.11 runtime")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        with zipfile.ZipFile(bundle) as source:
            source.extractall(root)
            members = [(info, source.read(info)) for info in source.infolist()]
        if not compileall.compile_dir(
            root,
            quiet=2,
            ddir=LAMBDA_TASK_ROOT,
            workers=0,
            invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
        ):
            raise SystemExit("a module of the bundle does not compile")
        known = {info.filename for info, _ in members}
        compiled = sorted(path for path in root.rglob("*.pyc") if path.relative_to(root).as_posix() not in known)
        rewritten = bundle.with_suffix(".tmp")
        with zipfile.ZipFile(rewritten, "w", compression=zipfile.ZIP_DEFLATED) as target:
            for info, data in members:
                target.writestr(info, data)
            for path in compiled:
                entry = zipfile.ZipInfo(path.relative_to(root).as_posix(), date_time=BYTECODE_DATE)
                entry.external_attr = (stat.S_IFREG | 0o644) << 16
                entry.compress_type = zipfile.ZIP_DEFLATED
                target.writestr(entry, path.read_bytes())
        rewritten.replace(bundle)
    return len(compiled)


if __name__ == "__main__":
    raise SystemExit(main())
