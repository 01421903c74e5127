"""Each request's body as filed, kept in the evidence bucket (versioned, Object Lock).

The ``submitted`` event of a request's trail carries the SHA-256 of this body
(``body_sha256``: of the canonical JSON, keys sorted, no spaces, which is what
is stored here), so the trail binds what the authority sent, and the bucket
keeps it beyond the reach of whoever can write the tables. Verification reads
the object back and compares.
"""

from __future__ import annotations

import base64
import hashlib

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.aws import client
from chalicelib.errors import DependencyUnavailable
from chalicelib.settings import get_settings
from chalicelib.store import objects


def key(request_id: str, sha256: str) -> str:
    """Beside the request's documents (``requests/{id}/DOC-…``), never one of them. Named by its hash: a keyed
    submission refused after its body was kept, then filed again with the same key and a corrected body, keeps
    each body under its own name, and the trail's ``body_sha256`` says which one is the request's."""
    return f"requests/{request_id}/filed-{sha256}.json"


def keep(request_id: str, body: bytes) -> None:
    """Store the body before the request is: if S3 refuses, the submission fails whole (503) and is retried.
    S3 checks the bytes against their SHA-256 on arrival. A retry stores a new version of the same bytes."""
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
        raise DependencyUnavailable("The evidence store is unavailable; nothing was stored. Retry shortly.") from error


def read(request_id: str, sha256: str) -> bytes | None:
    """The body filed under this hash, as its latest version holds it (locked versions cannot be changed or
    removed; a later one can only be added, and is what this reads), or None if there is none."""
    return objects.body_or_none(get_settings().evidence_bucket, key(request_id, sha256))
