"""Each request's body as filed: written with the request, then kept in the evidence bucket (versioned, Object Lock).

The ``submitted`` event of a request's trail carries the SHA-256 of this body
(``body_sha256``: of the canonical JSON, keys sorted, no spaces, which is what
is stored here), so the trail binds what the authority sent.

The body is an item of the filings table, put in the submission's own transaction
(``item``): a request is never stored without it, a refused submission leaves
nothing, and the submission makes no call of its own for it. The table's stream
hands each new item to ``keep_filings`` (``chalicelib/events.py``), which copies it,
seconds later, into the evidence bucket (``keep``), beyond the reach of whoever can
write the tables: one object per request, written once (``If-None-Match``), so a
body put into the table later, by hand, is refused there, not kept beside the first.

Verification (``read``) reads the bucket's copy. The table's copy stands in for it
only while the copy is due (``COPY_GRACE`` after filing): past that, a body found
only in the table is reported, since whoever can write the tables could have put it
there together with a rewritten trail.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.aws import client
from chalicelib.domain.schema import REQUEST_ID
from chalicelib.errors import DependencyUnavailable
from chalicelib.settings import get_settings
from chalicelib.store import objects
from chalicelib.store.models import Filing


def key(request_id: str) -> str:
    """Beside the request's documents (``requests/{id}/DOC-…``), never one of them. One per request."""
    return f"requests/{request_id}/filed.json"


def legacy_key(request_id: str, sha256: str) -> str:
    """Where the API itself kept the body, before the request was stored, until December 2026 (one per hash)."""
    return f"requests/{request_id}/filed-{sha256}.json"


# How long after filing the table's copy is accepted while the bucket has none: the stream copies within seconds,
# and a batch that fails is retried for minutes; a body not in the bucket after this is reported.
COPY_GRACE = timedelta(hours=1)
CLOCK_SKEW = timedelta(minutes=5)


def item(request_id: str, body: bytes, filed_at: str) -> Filing:
    """The item the submission's transaction puts. Keyed by the hash: put again, it holds the same body."""
    return Filing(request_id, hashlib.sha256(body).hexdigest(), body=body, filed_at=filed_at)


class FilingConflict(Exception):
    """The bucket already keeps another body for this request: the first is the request's."""


def keep(request_id: str, body: bytes) -> None:
    """Copy a body into the evidence bucket, once: if the request's object exists, it must be these bytes (a
    stream batch retried), or ``FilingConflict``. S3 checks the bytes against their SHA-256 on arrival."""
    digest = hashlib.sha256(body)
    bucket = get_settings().evidence_bucket
    if _legacy_kept(bucket, request_id):
        # Filed before the bucket kept one object per request, so its body is kept at the legacy key: a filing
        # for it now was put into the table by hand (the check would otherwise read it before the real one).
        raise FilingConflict(f"{request_id} was filed before December 2026: its body is kept already")
    try:
        client("s3").put_object(
            Bucket=bucket,
            Key=key(request_id),
            Body=body,
            ContentType="application/json",
            ChecksumAlgorithm="SHA256",
            ChecksumSHA256=base64.b64encode(digest.digest()).decode("ascii"),
            IfNoneMatch="*",
        )
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") not in {"PreconditionFailed", "412"}:
            raise DependencyUnavailable("The evidence store is unavailable; the body was not copied yet.") from error
        kept = objects.body_or_none(bucket, key(request_id))
        if kept is None:  # 412, then gone: cannot be (locked); retried like an outage
            raise DependencyUnavailable("The evidence store answered inconsistently; retry.") from error
        if kept != body:
            raise FilingConflict(
                f"the evidence bucket keeps another body for {request_id} (sha256 "
                f"{hashlib.sha256(kept).hexdigest()}, not {digest.hexdigest()})"
            ) from None
    except BotoCoreError as error:
        raise DependencyUnavailable("The evidence store is unavailable; the body was not copied yet.") from error


def _legacy_kept(bucket: str, request_id: str) -> bool:
    """Whether the bucket keeps a body of this request at a legacy key (``legacy_key``)."""
    try:
        listed = client("s3").list_objects_v2(Bucket=bucket, Prefix=f"requests/{request_id}/filed-", MaxKeys=1)
    except (BotoCoreError, ClientError) as error:
        raise DependencyUnavailable("The evidence store is unavailable; the body was not copied yet.") from error
    return bool(listed.get("KeyCount"))


class MalformedRecord(ValueError):
    """A stream record that is not a filing's new image (never written by the API)."""


def from_new_image(image: dict[str, Any]) -> tuple[str, bytes]:
    """The request id and body of a filings-table item as a stream record's ``NewImage`` carries it (Lambda's
    event JSON: a binary attribute is base64 text)."""
    try:
        request_id = image["request_id"]["S"]
        body = base64.b64decode(image["body"]["B"], validate=True)
        sha256 = image["sha256"]["S"]
    except (KeyError, TypeError, ValueError) as error:
        raise MalformedRecord(f"not a filing: {error!r}") from None
    if hashlib.sha256(body).hexdigest() != sha256:
        raise MalformedRecord("its body does not hash to its key")
    if not REQUEST_ID.fullmatch(request_id):  # the API issues no other: never a key outside the request's folder
        raise MalformedRecord(f"not a request id: {request_id[:40]!r}")
    return request_id, body


class Found(NamedTuple):
    body: bytes | None
    where: str  # "bucket", "table", "table_overdue" (only in the table, past COPY_GRACE), or "nowhere"


def read(request_id: str, sha256: str, filed_at: datetime, now: datetime) -> Found:
    """The body as filed of a request whose trail binds ``sha256``: the bucket's copy as its latest version holds
    it (locked versions cannot be changed or removed; a later one can only be added, and is what this reads);
    for a request filed before the bucket kept one object per request, the one named by its hash; else the
    table's, said to be overdue past ``COPY_GRACE`` (``keep`` refuses a ``filed.json`` for a request with a legacy
    body, so a body put into the table by hand for an old request is never read before the real one)."""
    bucket = get_settings().evidence_bucket
    kept = objects.body_or_none(bucket, key(request_id))
    if kept is None:
        kept = objects.body_or_none(bucket, legacy_key(request_id, sha256))
    if kept is not None:
        return Found(kept, "bucket")
    try:
        body = bytes(Filing.get(request_id, sha256, consistent_read=True).body)
    except Filing.DoesNotExist:
        return Found(None, "nowhere")
    age = now - filed_at  # a filing time ahead of the clock (beyond a little skew) is not taken on trust either
    return Found(body, "table" if -CLOCK_SKEW <= age <= COPY_GRACE else "table_overdue")
