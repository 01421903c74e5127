"""The officers' portal: an EU order filed as its official form, EPOC, EPOC-PR or TCO-RO (issue 15, point 6).

Given an officer signed in to the portal, when they choose an EU order form on "New request", then the page
draws every section of ``certificates.FORMS`` as a fieldset, and what they type is filed through the API's own
path: the request the API shows holds the certificate exactly as built from the form, as the form's type. A
refusal comes back beside the section or field it names, with everything typed kept. Pages are called as a
browser calls them (the session cookie, form posts) through Chalice's test client.
"""

from __future__ import annotations

import html
import json
import re

import pytest
from markupsafe import escape

from chalicelib.domain.certificates import FORMS
from tests.helpers import FR, authority
from tests.integration.test_console import Browser, text
from tests.integration.test_portal_new_request import NEW, Officer, api_list, api_request, fields_for, key_of
from tests.integration.test_certificates import epoc_pr

FORM_URL = NEW + "?form={}"


def esc(value: str) -> str:
    """As the pages' Jinja2 escapes it."""
    return str(escape(value))


def epoc() -> dict:
    """An EPOC as a French prosecutor copies it into the form: every mandatory section, an optional one (J), the
    tick-box of section B ticked, several lines in a free-text section."""
    return {"form": "EPOC", "sections": {
        "A": {"issuing_state": "FR", "issuing_authority": "Parquet de Valmont, section cybercriminalité",
              "validating_authority": "Juge des libertés et de la détention, TJ Valmont",
              "issuing_file_number": "PV-2026-0042"},
        "B": {"addressee": "Liaison Platform EU Legal Representative B.V.", "addressee_is": "legal_representative",
              "emergency_other_addressee": True, "rest": "Keizersgracht 1\n1015 CJ Amsterdam"},
        "C": {"text": "Within 10 days of receipt."},
        "I": {"text": "Parquet de Valmont, Mme A. Durand, procureure adjointe\n+33 1 00 00 00 00"},
        "J": {"text": "TJ Valmont, M. B. Martin"},
        "L": {"text": "(a) Parquet de Valmont, through the decentralised IT system."},
    }}


def tco_ro() -> dict:
    return {"form": "TCO-RO", "sections": {
        "A": {"issuing_state": "FR", "addressee": "Liaison Platform EU Legal Representative B.V.",
              "contact_point": "OCLCTIC permanence", "main_establishment_state": "NL",
              "issued_at": "2026-12-01T09:00:00Z", "reference": "TCO-FR-2026-001"},
        "B": {"urls": ["https://platform.example/c/123/m/456", "https://platform.example/c/123/m/457"],
              "reasons": "A call to attack named places.",
              "material": ["incites others to commit terrorist offences"]},
        "E": {"text": "Office central de lutte contre la criminalité liée aux technologies (OCLCTIC)"}}}


def certificate_fields(certificate: dict) -> dict[str, str]:
    """The form's inputs for a certificate, as a person fills them: a box ticked, a radio chosen, lines one per
    line (Windows line breaks, as browsers send them)."""
    form = FORMS[certificate["form"]]
    out = {"form": certificate["form"]}
    for letter, content in certificate["sections"].items():
        section = form.section(letter)
        for name, value in content.items():
            spec = next(f for f in section.fields if f.name == name)
            path = f"certificate.sections.{letter}.{name}"
            if spec.kind == "flag":
                if value:
                    out[path] = "1"
            elif spec.kind == "choices":
                out |= {f"{path}.{choice}": "1" for choice in value}
            elif spec.kind == "lines":
                out[path] = "\r\n".join(value)
            else:
                out[path] = value.replace("\n", "\r\n")
    return out


def as_sent(certificate: dict) -> dict:
    return json.loads(json.dumps(certificate).replace("\\n", "\\r\\n"))


def cert_page(officer: Officer, form: str) -> str:
    response = officer.get(FORM_URL.format(form))
    assert response.status_code == 200, text(response)
    return text(response)


def filled(officer: Officer, kind: str, certificate: dict, reference: str) -> dict[str, str]:
    key = key_of(cert_page(officer, certificate["form"]))
    return fields_for(kind, key, reference=reference) | certificate_fields(certificate)


def beside(page: str, anchor: str) -> str:
    """The message shown beside the input or fieldset of id ``anchor``."""
    found = re.search(rf'<p class="field-error" id="err-{re.escape(anchor)}">([^<]+)</p>', page)
    assert found, f"no error beside {anchor}"
    return html.unescape(found.group(1))


# --- The way in -----------------------------------------------------------------------------------------------

def test_given_the_new_request_page_then_it_offers_the_three_eu_order_forms(client):
    page = text(Officer(client).get(NEW))
    assert "Or file an EU official order form" in page
    for name, form in FORMS.items():
        assert f'href="{FORM_URL.format(name)}">{name}: {form.title}</a>' in page
        assert form.source in page


@pytest.mark.parametrize("name", list(FORMS))
def test_given_each_form_then_every_section_and_field_of_forms_is_drawn(client, name):
    """The fieldsets come from ``FORMS``: one per section, in order, legend 'Section X: title', mandatory ones
    marked Required, each field an input of its kind named as the API names it in a refusal."""
    page = cert_page(Officer(client), name)
    form = FORMS[name]
    assert f'<input type="hidden" name="form" value="{name}">' in page
    positions = []
    for section in form.sections:
        sid = f"certificate-sections-{section.letter}"
        legend = re.search(rf'<fieldset id="{sid}"[^>]*>\s*<legend>Section {section.letter}: '
                           rf'{re.escape(esc(section.title))} <span class="tag [a-z-]+">(Required|Optional)'
                           r'</span></legend>', page)
        assert legend, f"section {section.letter}"
        assert legend.group(1) == ("Required" if section.mandatory else "Optional")
        positions.append(legend.start())
        for spec in section.fields:
            path = f"certificate.sections.{section.letter}.{spec.name}"
            fid = path.replace(".", "-")
            assert esc(spec.label) in page, spec.label
            if spec.kind in ("text", "lines"):
                assert re.search(rf'<textarea id="{fid}" name="{re.escape(path)}"', page), path
            elif spec.kind == "flag":
                assert re.search(rf'<input type="checkbox" id="{fid}" name="{re.escape(path)}" value="1"', page)
            elif spec.kind == "choice":
                for choice in spec.choices:
                    assert f'type="radio" id="{fid}-{spec.choices.index(choice)}" name="{path}" value="{choice}"' \
                        in page
            elif spec.kind == "choices":
                for choice in spec.choices:
                    assert f'name="{path}.{choice}"' in page
            else:
                assert re.search(rf'<input id="{fid}" name="{re.escape(path)}"', page), path
            if spec.kind not in ("flag", "choice", "choices"):
                assert f'<label for="{fid}">' in page  # a label tied to its input
    assert positions == sorted(positions)  # in the form's order
    # the type: only what the form is filed as
    offered = re.findall(r'name="type" value="([a-z_]+)"', page)
    assert offered == [t.value for t in form.types]


def test_given_a_section_not_retrieved_then_its_label_says_free_text(client):
    page = cert_page(Officer(client), "EPOC-PR")
    assert "Section D: title not retrieved" in page
    assert "Section D as on the certificate (free text: the official field list was not retrieved)" in page


def test_given_an_unknown_form_then_the_choice_comes_back(client):
    response = Officer(client).get(FORM_URL.format("EIO"))
    assert response.status_code == 400 and "Choose one of the EU order forms below." in text(response)


def test_given_a_type_in_the_link_then_it_is_chosen_if_the_form_is_filed_as_it(client):
    officer = Officer(client)
    page = text(officer.get(FORM_URL.format("EPOC") + "&type=emergency_disclosure"))
    assert 'value="emergency_disclosure" required aria-describedby="hint-type-1" checked>' in page
    page = text(officer.get(FORM_URL.format("EPOC") + "&type=preservation"))
    assert "checked" not in page


# --- Filing ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("kind", "certificate"), [
    ("data_disclosure", epoc()),
    ("emergency_disclosure", epoc()),
    ("preservation", epoc_pr()),
    ("terrorist_content_removal", tco_ro()),
])
def test_given_a_complete_certificate_then_it_is_filed_as_built_and_shown_on_the_request_page(client, issuer, kind,
                                                                                              certificate):
    officer = Officer(client)
    reference = f"PV-CERT-{kind}"
    response = officer.post(NEW, filled(officer, kind, certificate, reference))
    assert response.status_code == 303, text(response)[:4000]
    location = response.headers["Location"]
    assert re.fullmatch(r"/console/requests/LR-[A-Z2-7]+", location), location
    stored = api_request(client, issuer, location.rsplit("/", 1)[1])
    assert stored["type"] == kind and stored["reference"] == reference
    # Exactly as built from the form: optional sections left empty not sent, lines as lists, the box ticked true;
    # text with the line breaks a browser sends (CR LF), as the request's description keeps them.
    assert stored["certificate"] == as_sent(certificate)
    # The officer's request page shows it section by section.
    page = text(officer.get(location))
    assert f"The certificate: {certificate['form']}</h2>" in page
    form = FORMS[certificate["form"]]
    for letter in certificate["sections"]:
        assert f"<h3>Section {letter}: {esc(form.section(letter).title)}</h3>" in page
    for section in certificate["sections"].values():
        for value in section.values():
            if isinstance(value, str) and "\n" not in value:
                assert esc(value) in page or value.replace("_", " ").capitalize() in page, value


def test_given_a_certificate_filed_in_the_portal_then_the_desk_sees_it_too(client, issuer):
    officer = Officer(client)
    response = officer.post(NEW, filled(officer, "data_disclosure", epoc(), "PV-CERT-DESK"))
    assert response.status_code == 303
    request_id = response.headers["Location"].rsplit("/", 1)[1]
    page = text(Browser(client).get(f"/console/requests/{request_id}"))  # the EU region's representative
    assert "The certificate: EPOC</h2>" in page and "<h3>Section B: Addressee</h3>" in page
    assert "Legal representative" in page and "<dd>Yes</dd>" in page  # the choice and the tick-box in words


def test_given_the_certificate_form_then_target_rows_are_added_with_the_certificate_kept(client):
    officer = Officer(client)
    fields = filled(officer, "data_disclosure", epoc(), "PV-CERT-ROWS")
    del fields["submit"]
    page = text(officer.post(NEW, {**fields, "add_target": "1"}))
    assert 'name="targets.1.kind"' in page
    assert 'value="PV-2026-0042"' in page and 'value="legal_representative" checked' in page
    assert "TJ Valmont, M. B. Martin</textarea>" in page


# --- Refusals -------------------------------------------------------------------------------------------------

def test_given_a_mandatory_section_missing_then_422_beside_it_and_everything_typed_kept(client, issuer):
    officer = Officer(client)
    certificate = epoc()
    del certificate["sections"]["C"], certificate["sections"]["A"]["issuing_file_number"]
    certificate["sections"]["J"]["text"] = "<script>alert(1)</script> TJ Valmont"
    fields = filled(officer, "data_disclosure", certificate, "PV-CERT-<MISSING>")
    response = officer.post(NEW, fields)
    assert response.status_code == 422
    page = text(response)
    # the API's message for the same body, whole, at the top
    body = {"type": "data_disclosure", "legal_basis": fields["legal_basis"], "reference": "PV-CERT-X",
            "language": "fr", "description": "x", "targets": [{"kind": "username", "value": "a"}],
            "data_categories": ["subscriber"], "certificate": certificate}
    api = client.http.post("/v1/requests", body=json.dumps(body).encode(),
                           headers={**authority(issuer, FR), "content-type": "application/json"})
    assert api.status_code == 422 and api.json_body["code"] == "certificate_incomplete"
    assert esc(api.json_body["message"]) in page
    # beside the missing section, and beside the missing field, each linked from the summary
    assert beside(page, "certificate-sections-C") == "Section C (Deadlines) is mandatory on the EPOC: fill it in."
    assert 'aria-describedby="err-certificate-sections-C"' in page and 'href="#certificate-sections-C"' in page
    assert beside(page, "certificate-sections-A-issuing_file_number") == \
        "Required in section A: File number of the issuing authority."
    assert re.search(r'<input id="certificate-sections-A-issuing_file_number"[^>]*aria-describedby="'
                     r'err-certificate-sections-A-issuing_file_number" aria-invalid="true"', page)
    assert 'href="#certificate-sections-A-issuing_file_number"' in page
    # everything typed kept, escaped
    assert 'value="PV-CERT-&lt;MISSING&gt;"' in page and 'value="Parquet de Valmont, section cybercriminalité"' in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; TJ Valmont</textarea>" in page and "<script>alert" not in page
    assert 'value="legal_representative" checked' in page
    assert re.search(r'id="certificate-sections-B-emergency_other_addressee" [^>]*value="1" checked', page)
    assert "Keizersgracht 1\r\n1015 CJ Amsterdam</textarea>" in page
    assert key_of(page) == fields["idempotency_key"]
    assert "PV-CERT-<MISSING>" not in [r["reference"] for r in api_list(client, issuer)]


def test_given_an_invalid_country_then_the_apis_message_is_beside_that_field(client, issuer):
    officer = Officer(client)
    certificate = tco_ro()
    certificate["sections"]["A"]["issuing_state"] = "France"
    certificate["sections"]["A"]["issued_at"] = "1 December 2026"
    fields = filled(officer, "terrorist_content_removal", certificate, "TCO-CERT-COUNTRY")
    response = officer.post(NEW, fields)
    assert response.status_code == 400
    page = text(response)
    api = client.http.post("/v1/requests", body=json.dumps({
        "type": "terrorist_content_removal", "legal_basis": "x", "reference": "x", "language": "fr",
        "description": "x", "targets": [{"kind": "channel", "value": "c"}], "certificate": certificate}).encode(),
        headers={**authority(issuer, FR), "content-type": "application/json"})
    assert api.status_code == 400 and api.json_body["field"] == "certificate.sections.A.issuing_state"
    assert beside(page, "certificate-sections-A-issuing_state") == api.json_body["message"]  # word for word
    assert beside(page, "certificate-sections-A-issued_at").endswith("must be an ISO 8601 date or date-time.")
    assert 'href="#certificate-sections-A-issuing_state">Section A, Member State of the issuing competent ' \
           'authority: Invalid field' in page
    assert 'value="France"' in page and 'value="1 December 2026"' in page


def test_given_a_type_the_form_is_not_filed_as_then_it_is_refused_beside_the_type(client, issuer):
    officer = Officer(client)
    fields = filled(officer, "preservation", epoc(), "PV-CERT-WRONG-TYPE")
    response = officer.post(NEW, fields)
    assert response.status_code == 422
    assert beside(text(response), "type") == \
        "An EPOC certificate is filed as data_disclosure or emergency_disclosure, not 'preservation'."
    fields = filled(officer, "data_disclosure", epoc(), "PV-CERT-NO-TYPE")
    del fields["type"]
    response = officer.post(NEW, fields)
    assert response.status_code == 400 and beside(text(response), "type") == "Missing body field 'type'."
    references = [r["reference"] for r in api_list(client, issuer)]
    assert "PV-CERT-WRONG-TYPE" not in references and "PV-CERT-NO-TYPE" not in references


def test_given_a_language_the_desk_does_not_read_then_422_beside_the_language(client, issuer):
    officer = Officer(client)
    page = cert_page(officer, "EPOC")
    assert "The desk for your country reads certificates in en, fr, de, es, nl, it." in page
    fields = filled(officer, "data_disclosure", epoc(), "PV-CERT-PL") | {"language": "pl"}
    response = officer.post(NEW, fields)
    assert response.status_code == 422
    assert "This desk accepts certificates in en, fr, de, es, nl, it, not &#39;pl&#39;" in beside_raw(text(response))


def beside_raw(page: str) -> str:
    found = re.search(r'id="err-language">([^<]+)</p>', page)
    assert found, page
    return found.group(1)


def test_given_a_body_larger_than_the_api_takes_then_413_and_everything_kept(client, issuer):
    officer = Officer(client)
    certificate = epoc()
    for letter in "DEFGHJK":  # each section within its cap; together over the API's body cap
        certificate["sections"][letter] = {"text": "x" * 20_000}
    certificate["sections"]["B"]["rest"] = "y" * 20_000
    fields = filled(officer, "data_disclosure", certificate, "PV-CERT-HUGE") | {"description": "z" * 20_000}
    for row in range(50):
        fields |= {f"targets.{row}.kind": "username", f"targets.{row}.value": "u" * 2_000}
    response = officer.post(NEW, fields)
    assert response.status_code == 413
    page = text(response)
    assert "more than the 256 KB the API takes, so it was not filed" in page
    assert "x" * 20_000 + "</textarea>" in page and 'value="PV-CERT-HUGE"' in page
    assert "PV-CERT-HUGE" not in [r["reference"] for r in api_list(client, issuer)]


def test_given_no_csrf_token_then_403_and_nothing_is_filed(client, issuer):
    officer = Officer(client)
    fields = filled(officer, "data_disclosure", epoc(), "PV-CERT-NOCSRF")
    assert officer.post(NEW, fields, csrf=None).status_code == 403
    assert officer.post(NEW, fields, csrf="x" * 43).status_code == 403
    assert "PV-CERT-NOCSRF" not in [r["reference"] for r in api_list(client, issuer)]


def test_given_a_representative_then_the_form_and_the_post_are_refused(client, issuer):
    browser = Browser(client, role="representative", sub="rep-eu-lindqvist", region="eu")
    assert browser.get(FORM_URL.format("EPOC")).status_code == 403
    fields = fields_for("data_disclosure", "k" * 20, reference="PV-CERT-REP") | certificate_fields(epoc())
    assert browser.post(NEW, fields).status_code == 403
    assert "PV-CERT-REP" not in [r["reference"] for r in api_list(client, issuer)]
