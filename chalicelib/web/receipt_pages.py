"""Proof of filing: the signed receipt of a request, as the JWS itself or as a printable PDF.

The receipt is the compact JWS (ES256) Liaison signed when it received the request, over
``{request_id, agency_id, received_at, body_sha256}`` (``services/receipts.py``), and stored on the request.
These pages hand it over unchanged (``?format=jws``) or printed with its fields, its key id and how to check
it against ``/v1/public/keys`` (``?format=pdf``). Who may have it is who may see the request: the page takes
the roles of the API's ``GET /v1/requests/{request_id}`` (which returns the same receipt) and reads the
request through the same ``desk.visible``, so another agency's request is the same 404.

The PDF is 7-bit ASCII (uncompressed, a core font, ASCII text only): it travels through API Gateway and
``chalice local`` as text, so it needs no binary media type and arrives intact whatever the browser's
``Accept`` header says (API Gateway only decodes a base64 body when the request accepts a binary type).
"""

from __future__ import annotations

import base64
import json
import textwrap
import unicodedata
from typing import Any

from chalice import Response

from chalicelib.api import authorities as api_authorities
from chalicelib.api.authorities import desk
from chalicelib.errors import BadRequest, NotFound
from chalicelib.settings import get_settings
from chalicelib.web import render
from chalicelib.web.console import Visit, pages

FORMATS = ("jws", "pdf")
# fpdf2 starts every file with "%PDF-1.x" and a comment of four bytes above 127, which the PDF specification
# asks for when a file holds binary data. This one holds none, so the comment is replaced by ASCII of the same
# length (every offset in the cross-reference table stays right).
_BINARY_MARKER = b"\n%\xe9\xeb\xf1\xbf\n"
_ASCII_MARKER = b"\n%7bit\n"


def _b64url_json(segment: str) -> dict[str, Any]:
    try:
        decoded = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (ValueError, UnicodeDecodeError):
        decoded = None
    if not isinstance(decoded, dict):
        raise NotFound("This request's receipt cannot be read.", code="receipt_unreadable")
    return decoded


def parts(receipt: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The receipt's header and claims as it says them (not verified here: that is the reader's job, with the
    published keys; the signature is what makes it proof)."""
    segments = receipt.split(".")
    if len(segments) != 3:
        raise NotFound("This request's receipt cannot be read.", code="receipt_unreadable")
    return _b64url_json(segments[0]), _b64url_json(segments[1])


def _ascii(value: Any) -> str:
    """Text for the PDF, in 7-bit ASCII: accents dropped, anything else replaced by '?'."""
    text = unicodedata.normalize("NFKD", str(value if value is not None else ""))
    return "".join(c if 32 <= ord(c) < 127 else ("" if unicodedata.combining(c) else "?") for c in text)


def keys_url() -> str:
    return f"{get_settings().api_base_url.rstrip('/')}/v1/public/keys"


def pdf(receipt: str, agency_name: str | None = None) -> bytes:
    """One printable A4 page: the receipt's fields, its key id, the JWS itself and how to verify it."""
    from fpdf import FPDF  # imported here: a PDF is rarely asked for, and the library is a cold start's weight

    header, claims = parts(receipt)
    document = FPDF(format="A4")
    document.set_compression(False)
    document.set_title(_ascii(f"Liaison receipt {claims.get('request_id', '')}"))
    document.set_creator("Liaison")
    document.set_auto_page_break(True, margin=15)
    document.add_page()
    width = document.epw

    document.set_font("Helvetica", "B", 16)
    document.cell(width, 10, "Liaison - receipt of a legal request", new_x="LMARGIN", new_y="NEXT")
    document.set_font("Helvetica", "", 10)
    document.multi_cell(
        width,
        5,
        "Liaison signed this receipt when it received the request. It proves when the "
        "request was received and exactly what was filed (the SHA-256 of the body).",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    document.ln(3)

    agency = _ascii(claims.get("agency_id"))
    if agency_name:
        agency = f"{agency} ({_ascii(agency_name)})"
    received = claims.get("received_at")
    try:
        received_words = f"{render.when(received)} ({_ascii(received)})" if received else ""
    except ValueError:
        received_words = _ascii(received)
    fields = [
        ("Request id", _ascii(claims.get("request_id"))),
        ("Agency", agency),
        ("Received at (UTC)", received_words),
        ("Body SHA-256", _ascii(claims.get("body_sha256"))),
        ("Key id (kid)", _ascii(header.get("kid"))),
        ("Algorithm", _ascii(header.get("alg"))),
    ]
    label_width = 38
    for name, value in fields:
        document.set_font("Helvetica", "B", 10)
        document.cell(label_width, 6, name)
        document.set_font("Courier", "", 9)
        document.multi_cell(width - label_width, 6, value, new_x="LMARGIN", new_y="NEXT")
    document.ln(4)

    document.set_font("Helvetica", "B", 11)
    document.cell(width, 7, "The receipt (compact JWS)", new_x="LMARGIN", new_y="NEXT")
    document.set_font("Courier", "", 8)
    for line in textwrap.wrap(_ascii(receipt), 90, break_on_hyphens=False):
        document.cell(width, 4, line, new_x="LMARGIN", new_y="NEXT")
    document.ln(4)

    document.set_font("Helvetica", "B", 11)
    document.cell(width, 7, "How to verify it", new_x="LMARGIN", new_y="NEXT")
    document.set_font("Helvetica", "", 10)
    document.multi_cell(
        width,
        5,
        _ascii(
            "Join the lines above into one string without spaces (or use the .jws file downloaded beside this "
            "PDF). Fetch the public keys (a JWKS) from the address below and take the key whose kid is the one "
            "above. Any JWT library then checks the signature (algorithm ES256) and gives back the fields above: "
            "they are what Liaison signed. To check the body, compute the SHA-256 of the JSON you sent, "
            "re-serialised with sorted keys and no spaces, in UTF-8, and compare it with the body SHA-256 above."
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    document.ln(2)
    document.set_font("Courier", "", 9)
    document.multi_cell(width, 5, _ascii(keys_url()), new_x="LMARGIN", new_y="NEXT")
    document.ln(2)
    document.set_font("Courier", "", 8)
    for line in (
        "# Python, with PyJWT:",
        "keys = jwt.PyJWKSet.from_dict(json.load(urllib.request.urlopen(KEYS_URL)))",
        "claims = jwt.decode(receipt, keys[jwt.get_unverified_header(receipt)['kid']],",
        "                    algorithms=['ES256'])",
    ):
        document.cell(width, 4, line, new_x="LMARGIN", new_y="NEXT")

    out = bytes(document.output())
    if out.startswith(b"%PDF-") and out[8:15] == _BINARY_MARKER:
        out = out[:8] + _ASCII_MARKER + out[15:]
    if not out.isascii():  # every byte must survive being sent as text
        raise RuntimeError("the receipt PDF is not 7-bit ASCII")
    return out


def _filename(request_id: str, extension: str) -> str:
    safe = "".join(c for c in request_id if c.isalnum() or c in "-_")[:64] or "request"
    return f"receipt-{safe}.{extension}"


@pages.page("/console/requests/{request_id}/receipt", like=api_authorities.get_request)
def receipt(visit: Visit) -> Response:
    """The request's receipt as a file: ``?format=jws`` (the default) or ``?format=pdf``."""
    chosen = visit.query.get("format") or "jws"
    if chosen not in FORMATS:
        raise BadRequest(f"Unknown format '{chosen[:20]}': choose jws or pdf.", code="invalid_format", field="format")
    item = desk.visible(visit.principal, visit.params["request_id"], read=visit.read)
    if not item.receipt:
        raise NotFound("This request has no receipt.", code="no_receipt")
    headers = {**render.security_headers(), "Cache-Control": "no-store"}
    if chosen == "jws":
        return Response(
            body=item.receipt,
            status_code=200,
            headers={
                **headers,
                "Content-Type": "application/jose",
                "Content-Disposition": f'attachment; filename="{_filename(item.request_id, "jws")}"',
            },
        )
    agency = visit.agency if visit.agency is not None and visit.agency.agency_id == item.agency_id else None
    body = pdf(item.receipt, agency.name if agency else None)
    return Response(
        body=body.decode("ascii"),
        status_code=200,
        headers={
            **headers,
            "Content-Type": "application/pdf",
            "Content-Disposition": f'attachment; filename="{_filename(item.request_id, "pdf")}"',
        },
    )
