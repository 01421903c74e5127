"""Issue 14's proof, from the start: an officer of an agency Liaison does not know applies, proves their address
from the outbox, is approved by an admin in the console, signs in, and files each of the five types.

Against `make run`, in Debian's Chromium, clicking what a person clicks; axe-core and both widths on every page
(``shoot``). Each filing is then read back through the API with a token for the new officer. Last, the admin
suspends the new agency and the officer's next page explains why, with where to turn.
"""

from __future__ import annotations

import re
import uuid

import jwt
import pytest
import requests
from playwright.sync_api import expect

from infra.local.outbox import mail_to
from tests.e2e.test_console_browser import chromium, desk, shoot, signed_in  # noqa: F401

pytestmark = pytest.mark.e2e

# What each type needs beyond the common fields, as an officer types it.
TYPES = {
    "data_disclosure": {"categories": ("Subscriber", "Traffic")},
    "preservation": {"categories": ("Subscriber",)},
    "content_removal": {"target": ("message_link", "https://platform.example/c/1/m/2")},
    "terrorist_content_removal": {"target": ("message_link", "https://platform.example/c/1/m/3")},
    "emergency_disclosure": {"emergency": ("A credible threat to kill, posted an hour ago.", "+33 1 23 45 67 89")},
}


def file_in_browser(page, base: str, kind: str, reference: str) -> str:
    page.goto(f"{base}/console/requests/new")
    page.get_by_label("Type", exact=True).select_option(kind)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Reference", exact=True).fill(reference)
    page.get_by_label("Legal basis", exact=True).fill("Code de procédure pénale, art. 60-1")
    page.get_by_label("Language", exact=True).fill("fr")
    page.get_by_label("Description", exact=True).fill(f"A {kind.replace('_', ' ')} filed in the portal.")
    needs = TYPES[kind]
    target_kind, target_value = needs.get("target", ("username", "suspect_account_42"))
    page.get_by_label("Target kind", exact=True).select_option(target_kind)
    page.get_by_label("Target value", exact=True).fill(target_value)
    for category in needs.get("categories", ()):
        page.get_by_label(category, exact=True).check()
    if "emergency" in needs:
        threat, number = needs["emergency"]
        page.get_by_label("Threat", exact=True).fill(threat)
        page.get_by_label("Call-back number", exact=True).fill(number)
    page.get_by_role("button", name="Submit request").click()
    page.wait_for_url(f"{base}/console/requests/LR-*")
    return page.url.rsplit("/", 1)[-1].split("?", 1)[0]


def test_given_an_unregistered_agency_then_an_officer_applies_is_approved_signs_in_and_files(chromium, desk):  # noqa: F811
    from infra.local.identity import DevIssuer

    outbox = desk.running.state_dir / "outbox"
    suffix = uuid.uuid4().hex[:6]
    domain = f"police-{suffix}.gouv.example"
    email = f"camille.martin@{domain}"
    agency_id = f"fr-pm-testville-{suffix}"

    # The applicant: no account, so no sign-in; the public page sends them to the form.
    applicant = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = applicant.new_page()
    page.goto(f"{desk.url}/v1/public")
    page.get_by_role("link", name="applies for an account").click()
    expect(page.get_by_role("heading", name="Apply for an account")).to_be_visible()
    shoot(page, "apply-form")
    page.get_by_label("Agency name").fill("Police municipale de Testville")
    page.get_by_label("Country").fill("FR")
    page.get_by_label("Kind of agency").select_option("police")
    page.get_by_label("Agency website").fill(f"https://www.{domain}")
    page.get_by_label("Your name").fill("Camille Martin")
    page.get_by_label("Rank or position").fill("Capitaine")
    page.get_by_label("Official e-mail address").fill("camille.martin@gmail.com")
    page.get_by_label("Direct phone number").fill("+33 1 23 45 67 89")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("alert")).to_contain_text("official address")
    expect(page.get_by_label("Agency name")).to_have_value("Police municipale de Testville")
    shoot(page, "apply-refused")
    page.get_by_label("Official e-mail address").fill(email)
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    shoot(page, "apply-sent")

    (proof,) = mail_to(outbox, email)
    link = re.search(r"http\S+/apply/confirm\?\S+", proof.get_content()).group()
    page.goto(link)
    shoot(page, "apply-confirm")
    page.get_by_role("button", name="Confirm my address").click()
    expect(page.get_by_role("heading", name="Address confirmed")).to_be_visible()
    shoot(page, "apply-confirmed")
    application_id = re.search(r"AP-[A-Z2-7]{16}", page.content()).group()
    applicant.close()

    # The admin: checks, then approves, in the console.
    context, admin = signed_in(chromium, desk, "admin-platform-ops", start="/console/admin/applications")
    admin.get_by_role("link", name=application_id).click()
    shoot(admin, "admin-application")
    admin.get_by_label("Agency identifier").fill(agency_id)
    admin.get_by_role("button", name="Approve").click()
    expect(admin.get_by_role("alert").first).to_contain_text("domain check and the call-back")
    admin.get_by_label("How you checked").fill("The ministry's directory lists this domain for the municipal police.")
    admin.get_by_label("The domain belongs to the agency").check()
    admin.get_by_role("button", name="Record the domain check").click()
    expect(admin.get_by_role("status")).to_contain_text("Domain check recorded")
    admin.get_by_label("Number called").fill("+33 4 00 00 00 00")
    admin.get_by_label("Where the number comes from").fill("Town hall switchboard, annuaire.service-public.fr")
    admin.get_by_label("Who confirmed").fill("Commandant Leroy, head of the municipal police")
    admin.get_by_label("The agency confirmed the applicant").check()
    admin.get_by_role("button", name="Record the call-back").click()
    admin.get_by_label("Agency identifier").fill(agency_id)
    admin.get_by_role("button", name="Approve").click()
    expect(admin.get_by_role("status")).to_contain_text("Approved")
    expect(admin.get_by_text("Verified: 7 events")).to_be_visible()
    shoot(admin, "admin-application-approved")
    (outcome,) = [m for m in mail_to(outbox, email) if "Your application" in m["Subject"]]
    assert "was approved" in outcome.get_content() and agency_id in outcome.get_content()

    # The officer signs in with their address and files each type; each is stored as the API reads it.
    officer_context, officer = signed_in(chromium, desk, email, start="/console/requests")
    expect(officer.get_by_role("link", name="New request")).to_be_visible()
    token = DevIssuer(desk.running.state_dir).mint(role="authority", sub=email, agency_id=agency_id)
    for kind in TYPES:
        request_id = file_in_browser(officer, desk.url, kind, f"PV-APPLY-{kind}")
        stored = requests.get(f"{desk.url}/v1/requests/{request_id}", timeout=30,
                              headers={"Authorization": f"Bearer {token}"}).json()
        assert (stored["type"], stored["reference"], stored["agency_id"]) == (kind, f"PV-APPLY-{kind}",
                                                                             agency_id), stored
    shoot(officer, "portal-filed-emergency")

    # The proof of filing, downloaded as a person does, checks with a stock JWT library and the published keys.
    with officer.expect_download() as download:
        officer.get_by_role("link", name="Download receipt", exact=True).click()
    receipt = open(download.value.path(), encoding="ascii").read().strip()
    keys = jwt.PyJWKSet.from_dict(requests.get(f"{desk.url}/v1/public/keys", timeout=30).json())
    claims = jwt.decode(receipt, keys[jwt.get_unverified_header(receipt)["kid"]], algorithms=["ES256"])
    assert claims["request_id"] == request_id and claims["agency_id"] == agency_id, claims
    with officer.expect_download() as printable:
        officer.get_by_role("link", name="Download receipt (PDF)").click()
    assert open(printable.value.path(), "rb").read(5) == b"%PDF-"

    # Another agency's request: 404, as in the API.
    theirs = desk.file(desk.fr, reference="PV-NOT-YOURS")
    missing = officer.goto(f"{desk.url}/console/requests/{theirs['id']}")
    assert missing.status == 404
    expect(officer.get_by_role("heading", name="Not found")).to_be_visible()
    assert "PV-NOT-YOURS" not in officer.content()

    # Suspended: the officer's next page says why and where to turn.
    admin.goto(f"{desk.url}/console/admin?standing=verified")
    admin.get_by_role("button", name="Suspend Police municipale de Testville").click()
    officer.goto(f"{desk.url}/console/requests")
    expect(officer.get_by_role("heading", name="Your agency's access is suspended")).to_be_visible()
    expect(officer.get_by_text("A life at risk?")).to_be_visible()
    shoot(officer, "portal-suspended")
    assert not officer.errors and not admin.errors  # type: ignore[attr-defined]
    officer_context.close()
    context.close()
