"""Opaque pagination cursors over DynamoDB's LastEvaluatedKey.

A cursor is only honoured for the partition it came from: a caller cannot
craft one that starts a query in another agency's or region's items.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from chalicelib.errors import BadRequest

MAX_CURSOR_LENGTH = 1024


def encode(last_evaluated_key: dict[str, Any] | None) -> str | None:
    if not last_evaluated_key:
        return None
    raw = json.dumps(last_evaluated_key, sort_keys=True, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _valid(value: Any, number: bool) -> bool:
    if not isinstance(value, dict) or set(value) != ({"N"} if number else {"S"}):
        return False
    if number:  # a sequence number: digits only
        return isinstance(value["N"], str) and value["N"].isascii() and value["N"].isdigit() and len(value["N"]) <= 20
    return isinstance(value["S"], str) and 0 < len(value["S"]) <= 512


def decode(
    cursor: str | None, *, keys: tuple[str, ...], pinned: dict[str, str], numbers: tuple[str, ...] = ()
) -> dict[str, Any] | None:
    """The start key of the next page: exactly ``keys``, strings but for the ``numbers`` (whole, not negative),
    ``pinned`` ones the caller's own."""
    if not cursor:
        return None
    invalid = BadRequest("The cursor is not one this API issued for this list.", code="invalid_cursor", field="cursor")
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise invalid
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError):
        raise invalid from None
    if (
        not isinstance(key, dict)
        or set(key) != set(keys)
        or not all(_valid(value, name in numbers) for name, value in key.items())
    ):
        raise invalid
    for name, expected in pinned.items():
        if key.get(name) != {"S": expected}:
            raise invalid
    return key
