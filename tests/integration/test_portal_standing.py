"""Issue 14, point 1: an officer whose agency cannot file gets a page that says why and where to turn.

Given an officer signed in for an agency that is unknown, pending or suspended, when they open any portal page,
then the page (403, as the API answers) names their agency's standing, gives the directory's onboarding contact
for the agency's country (the default desk's for an unknown agency) and the emergency channel, never a blank
error.
"""

from __future__ import annotations

import json
import uuid

import pytest

from chalicelib.services import directory
from tests.helpers import admin
from tests.integration.test_console import Browser, text


def register(client, issuer, country: str, then: str | None) -> str:
    agency = f"pt-{uuid.uuid4().hex[:8]}"
    created = client.http.post("/v1/admin/agencies", headers=admin(issuer), body=json.dumps({
        "id": agency, "name": "Polícia de teste", "country": country, "kind": "police",
        "email_domain": "teste.example", "contact_email": "x@teste.example"}).encode())
    assert created.status_code == 201, created.body
    for change in ([then] if then else []):
        assert client.http.post(f"/v1/admin/agencies/{agency}/{change}", headers=admin(issuer)).status_code == 200
    return agency


@pytest.mark.parametrize(("then", "heading", "code"), [
    (None, "Your agency is not verified yet", "agency_not_verified"),
    ("suspend", "Your agency&#39;s access is suspended", "agency_suspended"),
])
def test_given_an_agency_that_cannot_file_then_the_page_says_so_and_where_to_turn(client, issuer, then, heading,
                                                                                  code):
    agency = register(client, issuer, "PT", "verify" if then else None)
    if then:
        client.http.post(f"/v1/admin/agencies/{agency}/{then}", headers=admin(issuer))
    contact = directory.for_country("PT")["contact"]
    for path in ("/console/requests", "/console/requests/new"):
        page = Browser(client, "authority", "officer-pt-1", agency_id=agency).get(path)
        body = text(page)
        assert page.status_code == 403 and f"<h1>{heading}</h1>" in body and code in body, path
        assert contact is not None, "the seeded directory publishes a contact for every region"
        onboarding = contact["onboarding"] if isinstance(contact, dict) else contact.onboarding.model_dump()
        emergency = contact["emergency"] if isinstance(contact, dict) else contact.emergency.model_dump()
        assert f'href="mailto:{onboarding["email"]}"' in body
        assert emergency["phone"] in body and "A life at risk?" in body


def test_given_an_agency_unknown_to_the_registry_then_the_default_desk_s_contact_is_given(client):
    page = Browser(client, "authority", "officer-xx-1", agency_id="no-such-agency-here").get("/console/requests")
    body = text(page)
    current = directory.directory()
    default = current.entry(None, current.default_region, "default_region")["contact"]
    onboarding = default["onboarding"] if isinstance(default, dict) else default.onboarding.model_dump()
    assert page.status_code == 403 and "<h1>Your agency is not registered</h1>" in body
    assert onboarding["email"] in body and "agency_unknown" in body


def test_given_the_standing_page_then_it_links_to_the_public_page_not_back_into_the_console(client):
    from chalicelib.settings import get_settings

    body = text(Browser(client, "authority", "officer-xx-2", agency_id="no-such-agency-either").get("/console/"))
    assert f'href="{get_settings().api_base_url.rstrip("/")}/v1/public"' in body and "Back to the console" not in body
