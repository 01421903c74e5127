"""The bases of every input and response schema, and the two kinds of input string.

Both bases defer building their validators to first use (``defer_build``): a Lambda
container builds the schemas of the routes it serves, not all of them at import,
which is most of what pydantic adds to a cold start.

Every string an input schema takes is one of two kinds, declared on the field after
its length and pattern constraints (pydantic applies constraints placed after a
validator as a generic check, and drops a pattern from the JSON schema)::

    reference: Annotated[str, StringConstraints(min_length=1, max_length=128), SingleLine]
    description: Annotated[str, StringConstraints(min_length=1, max_length=20_000), Text]

- ``SingleLine``: names, references, legal bases, addresses, file names, ids, e-mail
  addresses, numbers. No control character at all (C0, DEL, C1: CR and LF included),
  no Unicode line or paragraph separator, no bidirectional embedding, override or
  isolate: a reference must not start a new header line in an e-mail, nor show
  ``exe.jpg`` for ``gpj.exe``.
- ``Text``: descriptions, notes, messages, questions. Line breaks and tabs are kept;
  any other control character (NUL first) is refused.

``Strict`` applies the ``Text`` rule to every string of every field besides, dictionary
keys included, so no input schema lets a NUL through even where a field does not yet
say its kind. A refusal is a 400 ``invalid_field`` naming the field (``api.http.validate``).
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import AfterValidator, BaseModel, ConfigDict, field_validator
from pydantic_core import PydanticCustomError

_NOT_IN_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NOT_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # all C0 controls but tab, LF and CR; DEL

# A request id as the API issues them: prefix and base32 of 10 bytes (random, or a MAC of an Idempotency-Key).
REQUEST_ID = re.compile(r"^LR-[A-Z2-7]{16}$")


def _check(value: str, forbidden: re.Pattern[str], kind: str, what: str) -> str:
    found = forbidden.search(value)
    if found:
        raise PydanticCustomError(kind, f"{what} (found U+{ord(found.group()):04X})")
    return value


def _single_line(value: str) -> str:
    return _check(
        value,
        _NOT_IN_LINE,
        "single_line",
        "must be a single line, without control, line-break or bidirectional formatting characters",
    )


def _text(value: str) -> str:
    return _check(
        value, _NOT_IN_TEXT, "control_character", "must not contain control characters other than tab and line breaks"
    )


SingleLine = AfterValidator(_single_line)
Text = AfterValidator(_text)


def _every_string(value: Any) -> None:
    if isinstance(value, str):
        _text(value)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            _every_string(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _every_string(key)
            _every_string(item)
    # A nested schema checked its own fields.


class Strict(BaseModel):
    """Unknown fields are refused, not ignored: a client cannot smuggle in server-owned fields. No string of any
    field holds a control character other than tab and line breaks (``Text``)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)

    @field_validator("*")
    @classmethod
    def _no_control_characters(cls, value: Any) -> Any:
        _every_string(value)
        return value


class View(BaseModel):
    """What the API answers."""

    model_config = ConfigDict(defer_build=True)
