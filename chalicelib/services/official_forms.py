"""Every EU certificate filed and every answer sent, also as a PDF laid out like the official form.

The structured data on the request is the record; the PDF is how people file and print it. Each one is rendered
once, when the certificate is filed or the answer recorded (``domain/form_pdfs.py``: the same bytes for the same
data), stored in the evidence bucket beside the request's other documents, and listed among them: both sides
download it through the same audited five-minute links. Its SHA-256 goes into the trail with the
``official_form_rendered`` event, in the same transaction as its document entry.

A rendering or storage failure never undoes what was filed or answered: it is logged, counted
(``OfficialFormFailures``) and operators are alerted; ``render_missing`` draws what is missing on the next try.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.aws import client
from chalicelib.clock import Clock, app_clock, isoformat
from chalicelib.errors import Conflict
from chalicelib.observability import logger, metrics
from chalicelib.settings import get_settings
from chalicelib.store.models import Document, LegalRequest
from chalicelib.store.requests import Change, RequestRepository

ATTEMPTS = 4
RENDERED = "official_form_rendered"


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text).strip("-")


def filename(request_id: str, form: str, index: int | None) -> str:
    """``LR-…-EPOC.pdf`` for the certificate, ``LR-…-2-TCO-Annex-II.pdf`` for its second answer."""
    return f"{request_id}-{_slug(form)}.pdf" if index is None else f"{request_id}-{index + 1}-{_slug(form)}.pdf"


class OfficialForms:
    def __init__(self, *, requests: RequestRepository | None = None, clock: Clock = app_clock) -> None:
        self.requests = requests or RequestRepository()
        self.clock = clock

    def render_missing(self, item: LegalRequest) -> LegalRequest:
        """Render and keep each form of the request that has no PDF yet: the certificate, then each answer in
        order. Returns the request as it stands after."""
        if not item.certificate:
            return item
        from chalicelib.domain import form_pdfs  # fpdf2 and its fonts load only when a form is drawn

        done = {d.get("form_index") for d in (item.official_form_pdfs or [])}  # -1: the certificate itself
        wanted: list[tuple[int | None, str, Any]] = []
        if -1 not in done:
            wanted.append(
                (
                    None,
                    item.certificate["form"],
                    lambda: form_pdfs.certificate_pdf(
                        item.certificate, request_id=item.request_id, received_at=item.received_at
                    ),
                )
            )
        for index, answer in enumerate(item.official_answers or []):
            if index not in done:
                wanted.append(
                    (
                        index,
                        answer["form"],
                        lambda answer=answer: form_pdfs.answer_pdf(
                            answer, request_id=item.request_id, certificate=item.certificate
                        ),
                    )
                )
        for position, form, draw in wanted:
            try:
                item = self._keep(item, position, form, draw())
            except Exception:  # what was filed or answered stands; the PDF is drawn again later
                logger.exception("official form not rendered", extra={"request_id": item.request_id, "form": form})
                metrics.add_metric(name="OfficialFormFailures", unit="Count", value=1)
                from chalicelib.notify.publisher import Publisher

                Publisher().alert_operators(
                    f"The PDF of {form} on request {item.request_id} could not be drawn "
                    "or stored; the structured form is on the request. It is drawn again "
                    "at the next change of the request.",
                    item.request_id,
                )
                break
        return item

    def _keep(self, item: LegalRequest, index: int | None, form: str, data: bytes) -> LegalRequest:
        digest = hashlib.sha256(data)
        sha256 = digest.hexdigest()
        name = filename(item.request_id, form, index)
        # The same form drawn again gets the same id (a retry stores nothing twice); two forms never share one.
        slot = hashlib.sha256(f"{item.request_id}|{index}|{sha256}".encode()).digest()
        document_id = "DOC-" + base64.b32encode(slot[:10]).decode()
        key = f"requests/{item.request_id}/{document_id}"
        try:
            stored = client("s3").put_object(
                Bucket=get_settings().evidence_bucket,
                Key=key,
                Body=data,
                ContentType="application/pdf",
                ChecksumAlgorithm="SHA256",
                ChecksumSHA256=base64.b64encode(digest.digest()).decode("ascii"),
            )
        except (BotoCoreError, ClientError) as error:
            raise RuntimeError(f"the evidence bucket refused the PDF: {error}") from error
        now = isoformat(self.clock.now())
        entry = {
            "form": form,
            "form_index": -1 if index is None else index,
            "document_id": document_id,
            "sha256": sha256,
            "size": len(data),
        }
        document = Document(
            item.request_id,
            document_id,
            filename=name,
            content_type="application/pdf",
            size=len(data),
            sha256=sha256,
            status="stored",
            key=key,
            object_version=stored.get("VersionId"),
            uploaded_by="liaison",
            uploader_role="system",
            created_at=now,
            upload_expires_at=now,
            checked_at=now,
        )
        for attempt in range(1, ATTEMPTS + 1):
            if attempt > 1:
                item = self.requests.get(item.request_id) or item
            if any(d.get("form_index") == entry["form_index"] for d in item.official_form_pdfs or []):
                return item  # drawn by a concurrent call
            try:
                return self.requests.apply(
                    item,
                    Change(RENDERED, "system", "liaison", now, {**entry, "filename": name}),
                    [LegalRequest.official_form_pdfs.set([*(item.official_form_pdfs or []), entry])],
                    also=[lambda t: t.save(document, condition=Document.document_id.does_not_exist())],
                )
            except Conflict:
                if attempt == ATTEMPTS:
                    raise
        raise AssertionError("unreachable")
