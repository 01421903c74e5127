"""Each request's body as filed: written with the request, then kept in the evidence bucket (versioned, Object Lock).

The ``submitted`` event of a request's trail carries the SHA-256 of this body
(``body_sha256``: of the canonical JSON, keys sorted, no spaces, which is what
is stored here), so the trail binds what the authority sent.

The body is an item of the filings table, put in the submission's own transaction
(``put``): a request is never stored without its body, and the submission makes no
call of its own for it. The table's stream hands each new item to ``keep_filings``
(``chalicelib/events.py``), which copies it into the evidence bucket (``keep``),
seconds later, beyond the reach of whoever can write the tables. Verification
(``read``) reads the bucket's copy, or the table's while the bucket has none yet;
either is compared with the hash the trail binds.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.aws import client
from chalicelib.errors import DependencyUnavailable
from chalicelib.settings import get_settings
from chalicelib.store import objects
from chalicelib.store.models import Filing


def key(request_id: str, sha256: str) -> str:
    """Beside the request's documents (``requests/{id}/DOC-…``), never one of them. Named by its hash: a keyed
    submission refused, then filed again with the same key and a corrected body, keeps each body under its own
    name, and the trail's ``body_sha256`` says which one is the request's."""
    return f"requests/{request_id}/filed-{sha256}.json"


def item(request_id: str, body: bytes, filed_at: str) -> Filing:
    """The item the submission's transaction puts (never over an existing one: the same hash is the same body)."""
    return Filing(request_id, hashlib.sha256(body).hexdigest(), body=body, filed_at=filed_at)


def keep(request_id: str, body: bytes) -> None:
    """Copy a body into the evidence bucket. S3 checks the bytes against their SHA-256 on arrival. A copy made
    again (a stream batch retried) stores a new version of the same bytes, under the same name."""
    digest = hashlib.sha256(body)
    try:
        client("s3").put_object(
            Bucket=get_settings().evidence_bucket,
            Key=key(request_id, digest.hexdigest()),
            Body=body,
            ContentType="application/json",
            ChecksumAlgorithm="SHA256",
            ChecksumSHA256=base64.b64encode(digest.digest()).decode("ascii"),
        )
    except (BotoCoreError, ClientError) as error:
        raise DependencyUnavailable("The evidence store is unavailable; the body was not copied yet.") from error


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
    return request_id, body


def read(request_id: str, sha256: str) -> bytes | None:
    """The body filed under this hash: the bucket's copy as its latest version holds it (locked versions cannot
    be changed or removed; a later one can only be added, and is what this reads), or, while the bucket has none
    yet, the table's; None if neither has it."""
    kept = objects.body_or_none(get_settings().evidence_bucket, key(request_id, sha256))
    if kept is not None:
        return kept
    try:
        return bytes(Filing.get(request_id, sha256, consistent_read=True).body)
    except Filing.DoesNotExist:
        return None
