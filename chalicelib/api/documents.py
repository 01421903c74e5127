"""Routes of documents: legal process from authorities, response packages from representatives."""

from __future__ import annotations

from chalicelib.api.authorities import desk
from chalicelib.api.http import Call, Reply, Routes
from chalicelib.auth.principal import Role
from chalicelib.domain.schema import View
from chalicelib.services.documents import Documents, NewDocument
from chalicelib.store.models import Document

routes = Routes(__name__, tag="documents")
documents = Documents(requests=desk.requests)
PARTIES = {Role.AUTHORITY, Role.REPRESENTATIVE}


class DocumentView(View):
    """A document of a request: what was declared and whether the uploaded bytes matched it."""

    document_id: str
    filename: str
    content_type: str
    size: int
    sha256: str
    status: str  # pending | stored | rejected
    reason: str | None = None  # not_uploaded | size_mismatch | content_type_mismatch | sha256_mismatch
    uploaded_by: str
    uploader_role: str
    created_at: str
    upload_expires_at: str
    checked_at: str | None = None

    @classmethod
    def of(cls, document: Document) -> DocumentView:
        return cls(
            document_id=document.document_id,
            filename=document.filename,
            content_type=document.content_type,
            size=int(document.size),
            sha256=document.sha256,
            status=document.status,
            reason=document.reason,
            uploaded_by=document.uploaded_by,
            uploader_role=document.uploader_role,
            created_at=document.created_at,
            upload_expires_at=document.upload_expires_at,
            checked_at=document.checked_at,
        )


class UploadForm(View):
    """A presigned POST: send every field, then the file last, as multipart/form-data to ``url``."""

    url: str
    fields: dict[str, str]
    expires_at: str


class DeclaredDocument(DocumentView):
    upload: UploadForm


class DocumentList(View):
    request_id: str
    items: list[DocumentView]


class DownloadLink(View):
    url: str
    expires_at: str


class DocumentDownload(DocumentView):
    download: DownloadLink


@routes.private(
    "/v1/requests/{request_id}/documents",
    "POST",
    roles=PARTIES,
    body=NewDocument,
    responses={201: DeclaredDocument},
    summary="Declare a document (pdf, png, jpeg, zip, txt, eml, csv, json; at most 25 MB) and get a "
    "presigned POST valid 15 minutes. After the upload, its SHA-256 is checked against the "
    "declared one: the document becomes stored, or rejected with the reason.",
)
def declare_document(call: Call) -> Reply:
    document, upload = documents.declare(call.caller, call.params["request_id"], call.body)
    body = DeclaredDocument(
        **DocumentView.of(document).model_dump(),
        upload=UploadForm(url=upload.url, fields=upload.fields, expires_at=upload.expires_at),
    )
    return Reply(201, body, {"Location": f"/v1/requests/{document.request_id}/documents/{document.document_id}"})


@routes.private(
    "/v1/requests/{request_id}/documents",
    roles=PARTIES,
    responses={200: DocumentList},
    summary="The documents of a request and their state (uploads are checked as they are listed).",
)
def list_documents(call: Call) -> DocumentList:
    request_id = call.params["request_id"]
    return DocumentList(
        request_id=request_id, items=[DocumentView.of(d) for d in documents.list(call.caller, request_id)]
    )


@routes.private(
    "/v1/requests/{request_id}/documents/{document_id}",
    roles=PARTIES,
    responses={200: DocumentDownload},
    summary="Download a stored document: a presigned link valid 5 minutes to the checked bytes. Every "
    "download is written into the request's audit trail. 409 while it is not stored.",
)
def download_document(call: Call) -> DocumentDownload:
    document, link = documents.download(call.caller, call.params["request_id"], call.params["document_id"])
    return DocumentDownload(
        **DocumentView.of(document).model_dump(), download=DownloadLink(url=link.url, expires_at=link.expires_at)
    )
