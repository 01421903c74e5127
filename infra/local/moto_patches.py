"""Makes moto's DynamoDB answer one call at a time, as a test double of DynamoDB should.

moto's DynamoDB is not thread-safe: a TransactWriteItems deep-copies the tables
while another thread (the Step Functions interpreter, running an execution)
updates an item, and fails with "dictionary changed size during iteration"; and
a transaction's condition check and its write can have another call land in
between. DynamoDB has neither problem. Serialising every DynamoDB call of the
process (the handler that parses, runs and serialises it) removes both, for
the in-process moto of the tests and for the moto server of `make run`.
"""

from __future__ import annotations

import functools
import sys
import threading
from typing import Any

_LOCK = threading.RLock()
_MARK = "__liaison_serialised__"


def serialise_dynamodb() -> None:
    from moto.dynamodb.responses import DynamoHandler

    original = DynamoHandler.call_action
    if getattr(original, _MARK, False):
        return

    @functools.wraps(original)
    def call_action(self: Any) -> Any:
        with _LOCK:
            return original(self)

    setattr(call_action, _MARK, True)
    DynamoHandler.call_action = call_action  # type: ignore[method-assign]


def main(argv: list[str] | None = None) -> None:
    """``python -m infra.local.moto_patches <moto.server arguments>``: moto's server, patched."""
    from moto import server

    serialise_dynamodb()
    server.main(argv if argv is not None else sys.argv[1:])


if __name__ == "__main__":
    main()
