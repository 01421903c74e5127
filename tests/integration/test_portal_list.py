"""Issue 14, point 6: an officer's list of their agency's requests, newest first, with status and type filters and
paging, as the API lists them (the agency index; another agency's requests never appear)."""

from __future__ import annotations

import json
import re
import uuid

from chalicelib.web import desk_pages
from tests.helpers import DE, FR, authority, post, submission
from tests.integration.test_console import Browser, text

OFFICER = {"role": "authority", "sub": "officer-fr-lefevre", "agency_id": FR}


def references(page: str) -> list[str]:
    return re.findall(r"(LIST-[0-9a-f]{8}-\d)", page)


def test_given_filters_and_pages_then_the_officer_sees_their_agencys_requests_as_the_api_lists_them(
        client, issuer, monkeypatch):
    tag = uuid.uuid4().hex[:8]
    filed = []
    for n, kind in enumerate(["preservation", "content_removal", "preservation"]):
        body = submission(kind, reference=f"LIST-{tag}-{n}")
        created = json.loads(post(client, "/v1/requests", body, authority(issuer, FR)).body)
        filed.append(created["id"])
    post(client, f"/v1/requests/{filed[2]}/withdraw", {"reason": "Filed twice."}, authority(issuer, FR))
    other = json.loads(post(client, "/v1/requests", submission("preservation", reference=f"LIST-{tag}-9"),
                            authority(issuer, DE)).body)
    officer = Browser(client, **OFFICER)

    page = text(officer.get("/console/requests?type=preservation"))
    assert [r for r in references(page) if tag in r] == [f"LIST-{tag}-2", f"LIST-{tag}-0"]  # newest first
    assert other["id"] not in page and 'option value="preservation" selected' in page
    page = text(officer.get("/console/requests?type=preservation&status=withdrawn"))
    assert [r for r in references(page) if tag in r] == [f"LIST-{tag}-2"]

    monkeypatch.setattr(desk_pages, "QUEUE_PAGE_SIZE", 1)  # pages of one, the filter kept from page to page
    first = text(officer.get("/console/requests?type=preservation"))
    cursor = re.search(r'href="/console/requests\?cursor=([^"&]+)&amp;type=preservation"', first)
    assert cursor, first
    second = text(officer.get(f"/console/requests?cursor={cursor.group(1)}&type=preservation"))
    assert "Back to the first page" in second and references(first) != references(second)

    refused = officer.get("/console/requests?status=nonsense")
    assert refused.status_code == 400 and "invalid_field" in text(refused)
