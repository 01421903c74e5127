"""The locks: every dependency pinned by hash, the dev venv at the runtime's versions, and the Lambda bundle made of
exactly requirements.lock's packages (`make package` builds it from the lock; see infra/package.py)."""

from __future__ import annotations

import email.parser
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
# Each hand-edited top level and the lock `make lock` resolves it into.
LOCKS = {
    ROOT / "requirements.txt": ROOT / "requirements.lock",
    ROOT / "requirements-dev.txt": ROOT / "requirements-dev.lock",
    ROOT / "infra" / "requirements-checkov.txt": ROOT / "infra" / "requirements-checkov.lock",
}
# Lambda's python3.11 runtime, for the lock lines that hold on some platforms only (e.g. `; sys_platform == 'win32'`).
LAMBDA = {
    "sys_platform": "linux",
    "platform_system": "Linux",
    "platform_machine": "x86_64",
    "os_name": "posix",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "python_version": "3.11",
}


def name(text: str) -> str:
    return re.sub(r"[-_.]+", "-", text).lower()


def entries(lock: Path) -> list[tuple[str, str, str, list[str]]]:
    """(name, version, marker, hashes) of every requirement of a lock (each spans its `\\`-continued lines)."""
    found = []
    text = lock.read_text(encoding="utf-8").replace("\\\n", " ")
    for line in text.splitlines():
        match = re.match(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)\s*(?:;\s*(.*?))?\s*((?:--hash=\S+\s*)*)$", line)
        if match:
            found.append((name(match[1]), match[2], (match[3] or "").strip(), re.findall(r"--hash=(\S+)", match[4])))
        else:
            assert not line.strip() or line.lstrip().startswith("#"), f"{lock.name}: not a pinned requirement: {line}"
    return found


def pinned(lock: Path, environment: dict | None = None) -> dict[str, str]:
    return {n: v for n, v, marker, _ in entries(lock) if not marker or Marker(marker).evaluate(environment)}


def top_level(requirements: Path) -> list[Requirement]:
    lines = [line.split(" #")[0].strip() for line in requirements.read_text(encoding="utf-8").splitlines()]
    return [Requirement(line) for line in lines if line and not line.startswith(("#", "-r"))]


@pytest.mark.parametrize("requirements", LOCKS, ids=lambda path: path.name)
def test_given_a_lock_then_every_package_is_pinned_by_hash_and_the_top_level_is_as_asked(requirements):
    """Fails when a top-level file was edited without `make lock`."""
    lock = LOCKS[requirements]
    assert [
        n for n, _, _, hashes in entries(lock) if not hashes or not all(h.startswith("sha256:") for h in hashes)
    ] == [], f"{lock.name}: a requirement without its sha256 hashes"
    versions = pinned(lock)
    for requirement in top_level(requirements):
        locked = versions.get(name(requirement.name))
        assert locked is not None and requirement.specifier.contains(locked, prereleases=True), (
            f"{requirement} is locked at {locked} in {lock.name}: run `make lock`"
        )


def test_given_the_dev_lock_then_it_has_every_runtime_package_at_the_runtime_version():
    runtime, dev = pinned(ROOT / "requirements.lock"), pinned(ROOT / "requirements-dev.lock")
    assert {n: (v, dev.get(n)) for n, v in runtime.items() if dev.get(n) != v} == {}
    assert "oidc-provider-mock" in dev and "oidc-provider-mock" not in runtime


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    """`make package`'s code bundle."""
    out = tmp_path_factory.mktemp("package")
    result = subprocess.run(
        [sys.executable, "-m", "infra.package", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"make package failed:\n{result.stdout}\n{result.stderr}"
    return out / "deployment.zip"


def test_given_the_bundle_then_its_packages_are_exactly_the_runtime_locks_with_lambda_wheels(bundle):
    bundled, tags = {}, {}
    with zipfile.ZipFile(bundle) as zipped:
        for member in zipped.namelist():
            if re.fullmatch(r"[^/]+\.dist-info/METADATA", member):
                metadata = email.parser.BytesHeaderParser().parsebytes(zipped.read(member))
                bundled[name(metadata["Name"])] = metadata["Version"]
                wheel = email.parser.BytesHeaderParser().parsebytes(zipped.read(member[: -len("METADATA")] + "WHEEL"))
                tags[name(metadata["Name"])] = wheel.get_all("Tag")
    assert bundled == pinned(ROOT / "requirements.lock", LAMBDA)

    # Wheels as published (pure, or manylinux for Lambda's glibc 2.26), none compiled on the packaging machine.
    def published(tag: str) -> bool:
        platform = tag.rsplit("-", 1)[1]
        return platform == "any" or platform.startswith("manylinux")

    assert {n: t for n, t in tags.items() if not all(map(published, t))} == {}
