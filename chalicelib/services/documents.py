"""Documents of a request: declared, uploaded straight to S3, checked, then served for a few minutes at a time.

1. The caller declares ``{filename, content_type, size, sha256}``; the API answers a presigned POST that S3
   accepts only for that content type and exactly that size, under the request's prefix, for 15 minutes.
2. Once uploaded, the stored object is checked: its size, its type and its SHA-256, computed here from the
   bytes S3 holds, against the declaration. The document becomes ``stored`` (pinned to that object version) or
   ``rejected`` with the reason. The check runs when the document is next read (its own GET or the list).
   S3 also enforces the POST policy and the declared checksum where it supports them; the check here does not
   rely on that (moto, for one, enforces neither).
3. A download is a presigned GET of the pinned version, valid 5 minutes, and an event in the audit trail.

Only the owning agency and the region's representatives reach a request's documents (404 for anyone else).
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from datetime import timedelta
from typing import Annotated, Any, NamedTuple

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import Field, StrictInt, StringConstraints

from chalicelib.auth.principal import Principal
from chalicelib.aws import client
from chalicelib.clock import Clock, app_clock, isoformat, parse_instant
from chalicelib.domain.lifecycle import Status
from chalicelib.domain.schema import SingleLine, Strict
from chalicelib.errors import Conflict, DependencyUnavailable, NotFound, PayloadTooLarge, UnsupportedMediaType
from chalicelib.observability import logger
from chalicelib.services.access import record_refusal, visible
from chalicelib.settings import get_settings
from chalicelib.store.models import Document, LegalRequest
from chalicelib.store.requests import Change, RequestRepository

MAX_BYTES = 25 * 1024 * 1024
MAX_DOCUMENTS = 50  # per request
UPLOAD_SECONDS = 15 * 60
DOWNLOAD_SECONDS = 5 * 60
UPLOAD_GRACE = timedelta(minutes=2)  # after the upload window, an absent object is rejected
ATTEMPTS = 3  # a write that meets a concurrent change of the request (often the workflow's) is retried
CONTENT_TYPES = {
    "application/pdf": "pdf",
    "image/png": "png",
    "image/jpeg": "jpeg",
    "application/zip": "zip",
    "text/plain": "txt",
    "message/rfc822": "eml",
    "text/csv": "csv",
    "application/json": "json",
}
DOCUMENT_ID = re.compile(r"^DOC-[A-Z2-7]{16}$")
# A file name, not a path: no separators, no control characters (bidirectional overrides included, which
# can disguise "gpj.exe" as "exe.jpg"), no leading dot.
_NOT_IN_NAME = r"/\\\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff"
FILENAME = rf"^[^{_NOT_IN_NAME}.][^{_NOT_IN_NAME}]{{0,199}}$"


class NewDocument(Strict):
    filename: Annotated[str, StringConstraints(pattern=FILENAME), SingleLine]
    content_type: Annotated[str, StringConstraints(min_length=1, max_length=100), SingleLine]
    size: StrictInt = Field(ge=1)
    sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-fA-F]{64}$"), SingleLine]


class Upload(NamedTuple):
    url: str
    fields: dict[str, str]
    expires_at: str


class Download(NamedTuple):
    url: str
    expires_at: str


def _chunks(body: Any, size: int = 1024 * 1024):
    while chunk := body.read(size):
        yield chunk


class Documents:
    def __init__(self, *, requests: RequestRepository | None = None, clock: Clock = app_clock) -> None:
        self.requests = requests or RequestRepository()
        self.clock = clock

    @property
    def bucket(self) -> str:
        return get_settings().evidence_bucket

    def declare(self, principal: Principal, request_id: str, new: NewDocument) -> tuple[Document, Upload]:
        content_type = new.content_type.strip().lower()
        now = self.clock.now()
        document_id = "DOC-" + base64.b32encode(secrets.token_bytes(10)).decode()
        sha256 = new.sha256.lower()
        document = Document(
            request_id,
            document_id,
            filename=new.filename,
            content_type=content_type,
            size=new.size,
            sha256=sha256,
            key=f"requests/{request_id}/{document_id}",
            uploaded_by=principal.subject,
            uploader_role=principal.role.value,
            created_at=isoformat(now),
            upload_expires_at=isoformat(now + timedelta(seconds=UPLOAD_SECONDS)),
        )
        change = Change(
            "document_declared",
            principal.role.value,
            principal.subject,
            isoformat(now),
            {
                "document_id": document_id,
                "filename": new.filename,
                "content_type": content_type,
                "size": new.size,
                "sha256": sha256,
            },
        )
        for attempt in range(1, ATTEMPTS + 1):
            item = visible(self.requests, principal, request_id)
            try:
                self._admissible(item, content_type, new.size)
            except (UnsupportedMediaType, PayloadTooLarge, Conflict) as refusal:
                record_refusal(self.requests, item, principal, "declare_document", refusal)
                raise
            try:
                self.requests.apply(
                    item,
                    change,
                    [LegalRequest.document_count.add(1)],
                    also=[lambda t: t.save(document, condition=Document.document_id.does_not_exist())],
                )
                break
            except Conflict:  # the workflow or another caller changed the request since it was read
                if attempt == ATTEMPTS:
                    raise
        return document, self._presigned_post(document)

    @staticmethod
    def _admissible(item: LegalRequest, content_type: str, size: int) -> None:
        if content_type not in CONTENT_TYPES:
            raise UnsupportedMediaType(
                f"Documents may be {', '.join(sorted(set(CONTENT_TYPES.values())))} "
                f"({', '.join(sorted(CONTENT_TYPES))}).",
                code="content_type_not_allowed",
                field="content_type",
            )
        if size > MAX_BYTES:
            raise PayloadTooLarge(
                f"A document may be at most {MAX_BYTES} bytes (25 MB).", code="document_too_large", field="size"
            )
        if item.status == Status.WITHDRAWN:
            raise Conflict("The request was withdrawn; it takes no more documents.", code="request_closed")
        if int(item.document_count or 0) >= MAX_DOCUMENTS:
            raise Conflict(f"A request holds at most {MAX_DOCUMENTS} documents.", code="too_many_documents")

    def _presigned_post(self, document: Document) -> Upload:
        checksum = base64.b64encode(bytes.fromhex(document.sha256)).decode()
        fields = {
            "Content-Type": document.content_type,
            "x-amz-checksum-algorithm": "SHA256",
            "x-amz-checksum-sha256": checksum,
        }
        conditions: list[Any] = [{name: value} for name, value in fields.items()]
        conditions.append(["content-length-range", int(document.size), int(document.size)])
        try:
            post = client("s3").generate_presigned_post(
                self.bucket, document.key, Fields=fields, Conditions=conditions, ExpiresIn=UPLOAD_SECONDS
            )
        except (ClientError, BotoCoreError) as error:
            raise DependencyUnavailable("Could not prepare the upload; retry shortly.") from error
        return Upload(url=post["url"], fields=post["fields"], expires_at=document.upload_expires_at)

    def list(self, principal: Principal, request_id: str, read: LegalRequest | None = None) -> list[Document]:
        item = visible(self.requests, principal, request_id, read=read)
        documents = list(Document.query(item.request_id, consistent_read=True, limit=MAX_DOCUMENTS))
        return [self.check(d) if d.status == "pending" else d for d in documents]

    def download(self, principal: Principal, request_id: str, document_id: str) -> tuple[Document, Download]:
        """A short-lived link to the checked bytes; every download is written into the audit trail."""
        item = visible(self.requests, principal, request_id)
        document = self._document(item.request_id, document_id)
        if document.status == "pending":
            document = self.check(document)
        if document.status != "stored":
            refusal = Conflict(
                "The document has not been uploaded yet."
                if document.status == "pending"
                else f"The document was rejected ({document.reason}); declare it again and upload it with "
                "the new form.",
                code="document_not_stored",
            )
            record_refusal(self.requests, item, principal, "download_document", refusal, {"document_id": document_id})
            raise refusal
        now = self.clock.now()
        self._append(
            item.request_id,
            Change(
                "document_downloaded",
                principal.role.value,
                principal.subject,
                isoformat(now),
                {"document_id": document_id, "object_version": document.object_version},
            ),
        )
        safe_name = re.sub(r"[^A-Za-z0-9._ -]", "_", document.filename)
        try:
            url = client("s3").generate_presigned_url(
                "get_object",
                Params={
                    "Bucket": self.bucket,
                    "Key": document.key,
                    "VersionId": document.object_version,
                    "ResponseContentType": document.content_type,
                    "ResponseContentDisposition": f'attachment; filename="{safe_name}"',
                },
                ExpiresIn=DOWNLOAD_SECONDS,
            )
        except (ClientError, BotoCoreError) as error:
            raise DependencyUnavailable("Could not prepare the download; retry shortly.") from error
        return document, Download(url=url, expires_at=isoformat(now + timedelta(seconds=DOWNLOAD_SECONDS)))

    def check(self, document: Document) -> Document:
        """Compare what S3 holds with what was declared; settle a pending document as stored or rejected."""
        now = self.clock.now()
        s3 = client("s3")
        try:
            head = s3.head_object(Bucket=self.bucket, Key=document.key)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") not in {"404", "NoSuchKey", "NotFound"}:
                raise DependencyUnavailable("The evidence store is unavailable; retry shortly.") from error
            if now > parse_instant(document.upload_expires_at) + UPLOAD_GRACE:
                return self._settle(document, "rejected", "not_uploaded", None)
            return document
        except BotoCoreError as error:
            raise DependencyUnavailable("The evidence store is unavailable; retry shortly.") from error
        version = head.get("VersionId")
        size, content_type = int(head["ContentLength"]), str(head.get("ContentType", "")).split(";")[0].lower()
        if size != int(document.size) or size > MAX_BYTES:
            return self._settle(document, "rejected", "size_mismatch", version)
        if content_type != document.content_type:
            return self._settle(document, "rejected", "content_type_mismatch", version)
        digest = hashlib.sha256()
        try:
            body = s3.get_object(Bucket=self.bucket, Key=document.key, **({"VersionId": version} if version else {}))[
                "Body"
            ]
            for chunk in _chunks(body):
                digest.update(chunk)
        except (ClientError, BotoCoreError) as error:
            raise DependencyUnavailable("The evidence store is unavailable; retry shortly.") from error
        if digest.hexdigest() != document.sha256:
            return self._settle(document, "rejected", "sha256_mismatch", version)
        return self._settle(document, "stored", None, version)

    def _settle(self, document: Document, status: str, reason: str | None, version: str | None) -> Document:
        now = isoformat(self.clock.now())
        detail = {"document_id": document.document_id, "status": status}
        if reason:
            detail["reason"] = reason
        if version:
            detail["object_version"] = version

        def actions() -> list:
            # A new list for every attempt: PynamoDB appends the version increment to the list it is given,
            # so a list reused by the retry would carry the increment twice (a ValidationException).
            return [
                Document.status.set(status),
                Document.checked_at.set(now),
                *([Document.reason.set(reason)] if reason else []),
                *([Document.object_version.set(version)] if version else []),
            ]

        try:
            self._append(
                document.request_id,
                Change(f"document_{status}", "system", "evidence", now, detail),
                also=[lambda t: t.update(document, actions=actions(), condition=Document.status == "pending")],
            )
        except Conflict:
            logger.info("document settled concurrently", extra={"document_id": document.document_id})
        return self._document(document.request_id, document.document_id)

    def _append(self, request_id: str, change: Change, also=()) -> None:
        """Append an event to the request's trail; a concurrent change is retried on a fresh read."""
        for attempt in range(1, ATTEMPTS + 1):
            item = self.requests.get(request_id)
            if item is None:
                raise NotFound("No such request for you.")
            try:
                self.requests.apply(item, change, [], also=also)
                return
            except Conflict:
                if attempt == ATTEMPTS:
                    raise

    @staticmethod
    def _document(request_id: str, document_id: str) -> Document:
        if not DOCUMENT_ID.match(document_id):
            raise NotFound("No such document.")
        try:
            return Document.get(request_id, document_id, consistent_read=True)
        except Document.DoesNotExist:
            raise NotFound("No such document.") from None
