"""AWS clients, made once per process and shared: one botocore session for every client, boto3's and
PynamoDB's, and one PynamoDB connection (one DynamoDB client) for every model and transaction.

A botocore session loads its endpoint rules and each service's JSON model once; every new session loads them
again (about 0.1 s of CPU each). Left to themselves, PynamoDB makes a session per model and the X-Ray SDK one
more, so a cold container paid that several times over before its first answer (``make bench``:
``first_request_ratio``).

Endpoints follow ``AWS_ENDPOINT_URL`` (moto locally), which botocore honours, so no code here knows whether
AWS is real.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import botocore.session
from botocore.config import Config
from pynamodb.connection import Connection, TableConnection

from chalicelib.settings import get_settings

if TYPE_CHECKING:
    import boto3

T = TypeVar("T")

_DEFAULT = Config(connect_timeout=2, read_timeout=5, retries={"mode": "standard", "max_attempts": 3})
# Health checks must answer fast even when a dependency hangs.
_PROBE = Config(connect_timeout=1, read_timeout=2, retries={"mode": "standard", "max_attempts": 1})


# Presigned S3 URLs must be SigV4 (the only signature S3 accepts in newer regions and with KMS encryption).
_S3 = Config(signature_version="s3v4")


class _SharedSession(botocore.session.Session):
    """botocore's session, shared by every thread: making clients from one session is not thread-safe
    (botocore's own warning), so it makes them one at a time. The clients it returns are thread-safe."""

    _making = threading.RLock()  # re-entered if a credential provider makes a client of its own

    def create_client(self, *args: Any, **kwargs: Any) -> Any:
        with self._making:
            return super().create_client(*args, **kwargs)


def _once(make: Callable[[], T]) -> Callable[[], T]:
    """``make``, run once per process even when threads race (the health check's probes do), which
    ``functools.cache`` alone does not promise."""
    made: list[T] = []

    @functools.wraps(make)
    def once() -> T:
        if not made:
            with _MAKING:
                if not made:
                    made.append(make())
        return made[0]

    once.cache_clear = made.clear  # type: ignore[attr-defined]  # as functools.cache's, for tests
    return once


_MAKING = threading.RLock()


@_once
def session() -> botocore.session.Session:
    return _SharedSession()


@_once
def _boto3_session() -> boto3.session.Session:
    """boto3's session over the shared one. Made once: each boto3 session registers its handlers on the
    botocore session again, and S3's would then be injected twice ("Cannot inject class attribute")."""
    import boto3  # only for the routes that make a boto3 client: PynamoDB needs botocore alone

    return boto3.session.Session(botocore_session=session(), region_name=get_settings().aws_region)


@functools.cache
def client(service: str, *, probe: bool = False) -> Any:
    config = _PROBE if probe else _DEFAULT
    if service == "s3":
        config = config.merge(_S3)
    return _boto3_session().client(service, config=config)


class _SharedConnection(Connection):
    """PynamoDB's connection, with its client made from the shared session (PynamoDB makes a session per
    connection and per thread)."""

    @property
    def session(self) -> botocore.session.Session:
        return session()


@_once
def dynamodb() -> Connection:
    """The connection whose DynamoDB client every model and transaction uses (a transaction's own)."""
    return _SharedConnection(region=get_settings().aws_region)


class _TableConnection(Connection):
    """A model's connection: its own table schemas (two models may share a table with different indexes),
    and the one shared client."""

    @property
    def client(self) -> Any:
        return dynamodb().client


def share(table: TableConnection) -> TableConnection:
    """``table`` (a model's PynamoDB table connection), speaking through the shared client."""
    if not isinstance(table.connection, _TableConnection):
        own = _TableConnection(region=get_settings().aws_region)
        own.add_meta_table(table.get_meta_table())
        table.connection = own
    return table
