"""Proof of filing in the officers' portal: the signed receipt as a JWS file and as a printable PDF.

The JWS downloaded from the page is checked the way an authority would check it: a stock JWT library (PyJWT)
and the keys of ``GET /v1/public/keys``, nothing else.
"""

from __future__ import annotations

import re

import jwt
import pytest

from tests.helpers import DE, FR
from tests.integration.test_console import Browser, filed, text

OFFICER = "officer-fr-lefevre"


def officer(client, sub: str = OFFICER, agency: str = FR) -> Browser:
    return Browser(client, role="authority", sub=sub, agency_id=agency)


def verify(client, receipt: str) -> dict:
    keys = jwt.PyJWKSet.from_dict(client.http.get("/v1/public/keys").json_body)
    return jwt.decode(receipt, keys[jwt.get_unverified_header(receipt)["kid"]], algorithms=["ES256"])


def test_given_a_filed_request_then_its_page_shows_the_proof_of_filing_with_both_downloads(client, issuer):
    created = filed(client, issuer)
    page = officer(client).get(f"/console/requests/{created['id']}")
    assert page.status_code == 200
    html = text(page)
    assert "Proof of filing" in html
    claims = jwt.decode(created["receipt"], options={"verify_signature": False})
    assert claims["body_sha256"] in html and created["id"] in html
    assert f'href="/console/requests/{created["id"]}/receipt?format=jws"' in html
    assert f'href="/console/requests/{created["id"]}/receipt?format=pdf"' in html
    assert ">Download receipt<" in html and ">Download receipt (PDF)<" in html
    # The section sits above the request's fields, where an officer looks first.
    assert html.index("Proof of filing") < html.index('id="h-request"')


def test_given_the_jws_download_then_it_verifies_with_the_published_keys_and_matches_the_request(client, issuer):
    created = filed(client, issuer)
    response = officer(client).get(f"/console/requests/{created['id']}/receipt?format=jws")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/jose"
    assert response.headers["Content-Disposition"] == f'attachment; filename="receipt-{created["id"]}.jws"'
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    receipt = text(response)
    assert receipt == created["receipt"]
    claims = verify(client, receipt)
    assert client.http.get(f"/console/requests/{created['id']}/receipt").status_code == 303  # no cookie: sign in
    assert claims["request_id"] == created["id"] and claims["agency_id"] == FR
    assert claims["received_at"] == created["received_at"]
    assert re.fullmatch(r"[0-9a-f]{64}", claims["body_sha256"])
    # Without a format the JWS is what is given.
    assert text(officer(client).get(f"/console/requests/{created['id']}/receipt")) == receipt


def test_given_the_pdf_download_then_it_is_one_printable_page_with_the_fields_the_kid_and_how_to_verify(
        client, issuer):
    from chalicelib.settings import get_settings

    created = filed(client, issuer)
    response = officer(client).get(f"/console/requests/{created['id']}/receipt?format=pdf")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == f'attachment; filename="receipt-{created["id"]}.pdf"'
    body = response.body
    assert body.startswith(b"%PDF-") and body.rstrip().endswith(b"%%EOF")
    assert body.isascii()  # sent as text through the gateway: every byte must survive
    assert len(re.findall(rb"/Type /Page(?!s)", body)) == 1  # one page
    header = jwt.get_unverified_header(created["receipt"])
    claims = jwt.decode(created["receipt"], options={"verify_signature": False})
    shown = b"".join(re.findall(rb"\((.*?)\) Tj", body))  # the page's text (uncompressed content stream)
    for value in (created["id"], claims["body_sha256"], header["kid"], FR, claims["received_at"],
                  f"{get_settings().api_base_url.rstrip('/')}/v1/public/keys"):
        assert value.encode() in shown, value
    # The JWS itself, wrapped over several lines, joins back into the receipt.
    assert created["receipt"].encode() in b"".join(re.findall(rb"\(([A-Za-z0-9_\-.]{20,})\) Tj", body))


def test_given_another_agencys_officer_then_the_receipt_is_404_as_everywhere_else(client, issuer):
    created = filed(client, issuer)
    stranger = officer(client, "officer-de-prober", DE)
    for fmt in ("jws", "pdf"):
        response = stranger.get(f"/console/requests/{created['id']}/receipt?format={fmt}")
        assert response.status_code == 404
        assert created["receipt"] not in text(response)
    assert stranger.get(f"/console/requests/{created['id']}").status_code == 404


def test_given_an_unknown_request_then_the_receipt_is_404(client):
    assert officer(client).get("/console/requests/LR-AAAAAAAAAAAAAAAA/receipt").status_code == 404


@pytest.mark.parametrize("fmt", ["docx", "PDF", "<script>", ""])
def test_given_a_bad_format_then_a_400_page_names_its_code(client, issuer, fmt):
    created = filed(client, issuer)
    response = officer(client).get(f"/console/requests/{created['id']}/receipt?format={fmt}")
    if fmt == "":
        assert response.status_code == 200  # an empty format is the default, the JWS
        return
    assert response.status_code == 400
    html = text(response)
    assert "invalid_format" in html and "text/html" in response.headers["Content-Type"]
    assert "<script>" not in html


def test_given_a_representative_then_the_page_has_no_proof_of_filing_section(client, issuer):
    # The receipt is the authority's proof; the region's people have the audit trail on the same page. The API
    # returns the receipt to whoever may see the request, so the download is theirs too (same roles).
    created = filed(client, issuer)
    html = text(Browser(client).get(f"/console/requests/{created['id']}"))
    assert "Proof of filing" not in html and "Download receipt" not in html


def test_given_a_post_to_the_receipt_then_it_is_not_an_action(client, issuer):
    created = filed(client, issuer)
    response = officer(client).post(f"/console/requests/{created['id']}/receipt", {})
    assert response.status_code in (404, 405)
