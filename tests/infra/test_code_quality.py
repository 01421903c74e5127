"""The code passes its linters: what `make lint` and the pre-commit hooks run, so `make test` and CI run it too."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PATHS = ["chalicelib", "app.py", "infra"]

CHECKS = {
    "ruff check": ["ruff", "check", *PATHS],
    "ruff format": ["ruff", "format", "--check", *PATHS],
    "mypy": ["mypy", *PATHS],  # its configuration: pyproject.toml [tool.mypy]
}


@pytest.mark.parametrize("check", CHECKS)
def test_given_the_code_then_it_passes(check):
    tool, *arguments = CHECKS[check]
    assert (BIN / tool).exists(), f"{tool} is not installed in {BIN}: `make` installs requirements-dev.lock"
    result = subprocess.run([str(BIN / tool), *arguments], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"`{tool} {' '.join(arguments)}` failed:\n{result.stdout}\n{result.stderr}"
