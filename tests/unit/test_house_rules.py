"""Rules of the code base that are cheap to check mechanically."""

from __future__ import annotations

import ast
from pathlib import Path

CHALICELIB = Path(__file__).resolve().parents[2] / "chalicelib"


def _calls(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            yield node


def test_given_chalicelib_then_nothing_prints_or_scans():
    offenders = []
    for path in CHALICELIB.rglob("*.py"):
        for call in _calls(ast.parse(path.read_text(), filename=str(path))):
            name = call.func.id if isinstance(call.func, ast.Name) else getattr(call.func, "attr", "")
            if name in {"print", "scan", "parallel_scan"}:
                offenders.append(f"{path.relative_to(CHALICELIB.parent)}:{call.lineno} {name}()")
    assert offenders == []


def test_given_chalicelib_then_only_settings_reads_the_environment():
    readers = [path.name for path in CHALICELIB.rglob("*.py") if path.name != "settings.py"
               and ("os.environ" in path.read_text() or "getenv(" in path.read_text())]
    assert readers == []
