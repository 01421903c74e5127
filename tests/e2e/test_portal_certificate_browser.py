"""An officer files an EU order as its official form (EPOC) in a real browser, against `make run` (issue 15,
point 6).

From the officer's home: "New request", "EPOC: European Production Order Certificate", then the request's fields
and the certificate section by section, typed and clicked as a person does. The first try types the Issuing State
in lower case and leaves section C (Deadlines, mandatory) empty: the field's 400 comes back beside it (the API's
message); the officer follows the summary's link, fixes it, and the API's 422 then names section C, beside that
section and in the summary at the top, with everything typed kept; filled in, the request is filed and the
officer lands on its page, which shows the certificate section by section, as the API holds it. axe-core at 390
and 1280 px on the form, both error states and the request page; screenshots in build/screenshots/.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.test_console_browser import chromium, desk, shoot, signed_in  # noqa: F401

pytestmark = pytest.mark.e2e


def section(page, letter: str):
    """A section of the certificate: its fieldset, by its legend ('Section B: Addressee Required')."""
    return page.get_by_role("group", name=re.compile(rf"^Section {letter}: "))


def test_given_an_officer_then_they_file_an_epoc_section_by_section(chromium, desk):  # noqa: F811
    context, page = signed_in(chromium, desk, "officer-fr-lefevre", start="/console/requests")
    page.get_by_role("link", name="New request").click()
    page.get_by_role("link", name="EPOC: European Production Order Certificate").click()
    expect(page.get_by_role("heading", name="The certificate: EPOC, section by section")).to_be_visible()
    shoot(page, "portal-epoc-form")

    # The request: what the certificate does not say.
    page.get_by_label("Data disclosure", exact=True).check()
    page.get_by_label("Reference", exact=True).fill("PV-EPOC-BROWSER")
    page.get_by_label("Legal basis", exact=True).fill("Regulation (EU) 2023/1543, Art. 5")
    page.get_by_label("Language", exact=True).fill("fr")
    page.get_by_label("Description", exact=True).fill("Subscriber data of the account used in the fraud.")
    page.get_by_label("Target kind", exact=True).select_option("username")
    page.get_by_label("Target value", exact=True).fill("suspect_account_42")
    page.get_by_label("Subscriber", exact=True).check()

    # The certificate, box by box; section C (Deadlines, mandatory) forgotten.
    a = section(page, "A")
    a.get_by_label("Issuing State (required)").fill("fr")  # lower case: not the ISO code the form asks for
    a.get_by_label("Issuing authority (required)", exact=True).fill("Parquet de Valmont, section cybercriminalité")
    a.get_by_label("File number of the issuing authority").fill("PV-2026-0042")
    b = section(page, "B")
    b.get_by_label("Addressee (required)").fill("Liaison Platform EU Legal Representative B.V.")
    b.get_by_role("radio", name="Legal representative").check()
    section(page, "I").get_by_role("textbox").fill("Parquet de Valmont, Mme A. Durand, procureure adjointe")
    section(page, "L").get_by_role("textbox").fill("(a) Parquet de Valmont, through the decentralised IT system.")
    page.get_by_role("button", name="Submit request").click()

    # Refused first for the country, beside its field (the API's message), everything typed kept.
    issuing_state = section(page, "A").get_by_label("Issuing State (required)")
    expect(page.locator("#err-certificate-sections-A-issuing_state")).to_have_text(
        "Invalid field 'certificate.sections.A.issuing_state': must be an ISO 3166-1 alpha-2 code, e.g. FR.")
    expect(issuing_state).to_have_attribute("aria-invalid", "true")
    expect(section(page, "B").get_by_role("radio", name="Legal representative")).to_be_checked()
    shoot(page, "portal-epoc-invalid-field")
    page.locator("#errors").get_by_role("link", name=re.compile("Section A, Issuing State")).click()
    expect(issuing_state).to_be_focused()
    issuing_state.fill("FR")
    page.get_by_role("button", name="Submit request").click()

    # Refused: beside section C and in the summary, everything typed kept.
    summary = page.locator("#errors")
    expect(summary).to_contain_text("The EPOC certificate is incomplete: missing C")
    expect(page.locator("#err-certificate-sections-C")).to_have_text(
        "Section C (Deadlines) is mandatory on the EPOC: fill it in.")
    expect(section(page, "A").get_by_label("Issuing State")).to_have_value("FR")
    expect(section(page, "B").get_by_role("radio", name="Legal representative")).to_be_checked()
    expect(page.get_by_label("Subscriber", exact=True)).to_be_checked()
    shoot(page, "portal-epoc-error")
    summary.get_by_role("link", name=re.compile("Section C")).click()
    expect(page).to_have_url(re.compile(r"#certificate-sections-C$"))
    section(page, "C").get_by_role("textbox").fill("Within 10 days of receipt.")
    page.get_by_role("button", name="Submit request").click()

    # Filed: the request's page shows the certificate section by section.
    page.wait_for_url(f"{desk.url}/console/requests/LR-*")
    expect(page.get_by_role("heading", name="The certificate: EPOC")).to_be_visible()
    for heading in ("Section A: Issuing/validating authority", "Section B: Addressee", "Section C: Deadlines",
                    "Section I: Details of the issuing authority"):
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
    expect(page.get_by_text("Within 10 days of receipt.")).to_be_visible()
    shoot(page, "portal-epoc-request")
    request_id = page.url.rsplit("/", 1)[1].split("?")[0].split("#")[0]
    stored = desk.seen_by_authority(request_id)
    assert stored["type"] == "data_disclosure" and stored["reference"] == "PV-EPOC-BROWSER"
    assert stored["certificate"] == {"form": "EPOC", "sections": {
        "A": {"issuing_state": "FR", "issuing_authority": "Parquet de Valmont, section cybercriminalité",
              "issuing_file_number": "PV-2026-0042"},
        "B": {"addressee": "Liaison Platform EU Legal Representative B.V.", "addressee_is": "legal_representative"},
        "C": {"text": "Within 10 days of receipt."},
        "I": {"text": "Parquet de Valmont, Mme A. Durand, procureure adjointe"},
        "L": {"text": "(a) Parquet de Valmont, through the decentralised IT system."}}}
    assert not page.errors  # type: ignore[attr-defined]
    context.close()
