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


def key(request_id: str) -> str:
    return f"requests/{request_id}/filed.json"  # beside its documents (``requests/{id}/DOC-…``), never one of them


def keep(request_id: str, body: bytes) -> None:
    """Store the body before the request is: if S3 refuses, the submission fails whole (503) and is retried.
    S3 checks the bytes against their SHA-256 on arrival. A retried submission stores a new version of the
    same bytes; versions are never overwritten."""
    digest = hashlib.sha256(body).digest()
    try:
        client("s3").put_object(Bucket=get_settings().evidence_bucket, Key=key(request_id), Body=body,
                                ContentType="application/json", ChecksumAlgorithm="SHA256",
                                ChecksumSHA256=base64.b64encode(digest).decode("ascii"))
    except (BotoCoreError, ClientError) as error:
        raise DependencyUnavailable("The evidence store is unavailable; nothing was stored. Retry shortly.") \
            from error


def versions(request_id: str) -> list[bytes]:
    """Every version of the body as filed, oldest first (a retried submission adds one with the same bytes;
    whoever can write the bucket can add one, but not change or remove those before it)."""
    s3, bucket, name = client("s3"), get_settings().evidence_bucket, key(request_id)
    listed = s3.list_object_versions(Bucket=bucket, Prefix=name)
    # S3 lists a key's versions newest first (LastModified has one-second steps: no order of its own).
    found = [v for v in listed.get("Versions", []) if v["Key"] == name][::-1]
    return [s3.get_object(Bucket=bucket, Key=name, VersionId=v["VersionId"])["Body"].read() for v in found]
