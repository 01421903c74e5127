"""The official forms as PDFs (``form_pdfs``): read back with pypdf, every section and every value filed is on the
page, in the form's wording, whatever the language; long text runs on to further pages uncut; the same inputs give
the same bytes (their SHA-256 goes into the audit trail); and each answer form is headed as its annex."""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from chalicelib.domain import certificates, form_pdfs
from chalicelib.domain.certificates import FORMS, Field

REQUEST_ID = "req-01JD8Z3K9QX7"
RECEIVED_AT = "2026-12-01T09:00:00Z"
POLISH = "Prokuratura Okręgowa w Łodzi, Wydział ds. Cyberprzestępczości"
GREEK = "Δεδομένα συνδρομητή του λογαριασμού «πελάτης_42»"
BULGARIAN = "Софийска градска прокуратура, отдел „Киберпрестъпност“"


def _value(letter: str, spec: Field):
    """A value that fits the field, unique to it, so each one can be looked for on the page."""
    tag = f"{letter}-{spec.name}"
    return {
        "line": f"Value {tag}",
        "text": f"Text of {tag}, as filed.",
        "date": "2026-11-30T17:45:00Z",
        "country": "PL",
        "flag": True,
        "choice": spec.choices[-1] if spec.choices else None,
        "choices": list(spec.choices[:1]),
        "lines": [f"https://platform.example/{tag}/1", f"https://platform.example/{tag}/2"],
    }[spec.kind]


def full(name: str, **fields) -> dict:
    """Every section of the form with every field, from ``FORMS``; ``fields`` ("A.issuing_authority": value)
    replace some values. Checked as filing checks it."""
    sections = {section.letter: {spec.name: _value(section.letter, spec) for spec in section.fields}
                for section in FORMS[name].sections}
    for where, value in fields.items():
        letter, field = where.split(".")
        sections[letter][field] = value
    return certificates.check({"form": name, "sections": sections})


def text_of(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def flat(text: str) -> str:
    """Whitespace as one space: a value wrapped over lines reads as written."""
    return " ".join(text.split())


def expected(spec: Field, value) -> list[str]:
    """What the page shows for a field: its value, each line, or the box ticked beside the form's words."""
    if spec.kind == "flag":
        return [f"{form_pdfs.TICKED if value else form_pdfs.UNTICKED} {spec.label}"]
    if spec.kind == "choice":
        return [f"{form_pdfs.TICKED} {value.replace('_', ' ').capitalize()}"]
    if isinstance(value, list):
        return list(value)
    return [value]


def assert_shows_certificate(certificate: dict, pdf: bytes) -> str:
    form = FORMS[certificate["form"]]
    page = flat(" ".join(text_of(pdf)))
    assert form.source.upper() in page and form.title.upper() in page
    for section in form.sections:
        assert f"SECTION {section.letter}: {flat(section.title)}" in page
        for name, value in certificate["sections"].get(section.letter, {}).items():
            spec = next(f for f in section.fields if f.name == name)
            if section.retrieved:
                assert flat(spec.label) in page, (section.letter, name)
            for shown in expected(spec, value):
                assert flat(shown) in page, (section.letter, name, shown)
    return page


# --- certificates -----------------------------------------------------------------------------------------------

def test_given_an_epoc_with_every_section_filled_then_every_heading_and_value_is_on_the_page():
    certificate = full("EPOC", **{"A.issuing_authority": POLISH, "D.text": GREEK, "I.text": BULGARIAN})

    page = assert_shows_certificate(certificate, form_pdfs.certificate_pdf(
        certificate, request_id=REQUEST_ID, received_at=RECEIVED_AT))

    assert POLISH in page and GREEK in page and BULGARIAN in page
    not_retrieved = sum(not s.retrieved for s in FORMS["EPOC"].sections)
    assert page.count(flat(form_pdfs.SECTION_NOT_RETRIEVED)) == not_retrieved
    assert form_pdfs.NOT_FILLED not in page


def test_given_an_unticked_box_then_it_is_printed_unticked():
    certificate = full("EPOC", **{"B.emergency_other_addressee": False, "B.addressee_is": "designated_establishment"})

    page = flat(" ".join(text_of(form_pdfs.certificate_pdf(certificate, request_id=REQUEST_ID,
                                                           received_at=RECEIVED_AT))))

    label = FORMS["EPOC"].section("B").fields[2].label
    assert f"{form_pdfs.UNTICKED} {flat(label)}" in page
    assert f"{form_pdfs.TICKED} Designated establishment" in page
    assert f"{form_pdfs.UNTICKED} Legal representative" in page


def test_given_an_epoc_pr_with_two_sections_then_the_others_say_not_filled_in():
    certificate = certificates.check({"form": "EPOC-PR", "sections": {
        "A": {"issuing_state": "BG", "issuing_authority": BULGARIAN, "rest": "Файл № 42/2026"},
        "C": {"text": GREEK}}})

    page = assert_shows_certificate(certificate, form_pdfs.certificate_pdf(
        certificate, request_id=REQUEST_ID, received_at=RECEIVED_AT))

    assert "Файл № 42/2026" in page
    assert page.count(form_pdfs.NOT_FILLED) == len(FORMS["EPOC-PR"].sections) - 2


def test_given_a_full_epoc_pr_then_every_value_is_on_the_page():
    certificate = full("EPOC-PR", **{"A.issuing_authority": POLISH, "B.text": GREEK})

    page = assert_shows_certificate(certificate, form_pdfs.certificate_pdf(
        certificate, request_id=REQUEST_ID, received_at=RECEIVED_AT))

    assert POLISH in page and GREEK in page


def test_given_a_tco_removal_order_then_every_heading_and_value_is_on_the_page_urls_one_per_line():
    certificate = full("TCO-RO", **{"A.addressee": POLISH, "E.text": BULGARIAN, "B.reasons": GREEK})

    pdf = form_pdfs.certificate_pdf(certificate, request_id=REQUEST_ID, received_at=RECEIVED_AT)

    page = assert_shows_certificate(certificate, pdf)
    assert POLISH in page and BULGARIAN in page and GREEK in page
    lines = [line.strip() for text in text_of(pdf) for line in text.splitlines()]
    assert "https://platform.example/B-urls/1" in lines and "https://platform.example/B-urls/2" in lines


# --- long text, footer, determinism -----------------------------------------------------------------------------

def test_given_free_text_of_the_largest_size_then_it_runs_on_to_further_pages_and_is_not_cut():
    long = f"START-OF-L {' '.join(f'w{n:05d}' for n in range(2854))} END-OF-L"
    assert certificates.MAX_TEXT - 10 < len(long) <= certificates.MAX_TEXT
    url = "https://platform.example/" + "x" * 450  # one word wider than the page
    certificate = full("EPOC", **{"L.text": long, "C.text": url})

    pages = text_of(form_pdfs.certificate_pdf(certificate, request_id=REQUEST_ID, received_at=RECEIVED_AT))

    assert len(pages) >= 4
    start = next(n for n, page in enumerate(pages) if "START-OF-L" in page)
    assert "END-OF-L" in pages[-1] and start < len(pages) - 2
    body = " ".join(page.rsplit("Liaison request", 1)[0] for page in pages)  # without the footers
    assert flat(long) in flat(body)
    assert url in "".join(body.split())


def test_given_several_pages_then_each_has_the_footer_with_the_request_and_its_number():
    certificate = full("EPOC", **{"L.text": "lorem ipsum " * 1500})

    pages = text_of(form_pdfs.certificate_pdf(certificate, request_id=REQUEST_ID, received_at=RECEIVED_AT))

    assert len(pages) > 1
    for number, page in enumerate(pages, start=1):
        assert flat(f"Liaison request {REQUEST_ID}, received {RECEIVED_AT} \u2014 rendered from the certificate "
                    f"as filed; page {number}/{len(pages)}") in flat(page)


def test_given_the_same_inputs_then_the_same_bytes_dated_at_receipt():
    certificate = full("TCO-RO", **{"E.text": BULGARIAN})

    first = form_pdfs.certificate_pdf(certificate, request_id=REQUEST_ID, received_at=RECEIVED_AT)
    again = form_pdfs.certificate_pdf(certificate, request_id=REQUEST_ID, received_at=RECEIVED_AT)
    later = form_pdfs.certificate_pdf(certificate, request_id=REQUEST_ID, received_at="2026-12-02T09:00:00Z")

    assert first == again and first != later
    assert PdfReader(io.BytesIO(first)).metadata.creation_date == datetime(2026, 12, 1, 9, tzinfo=UTC)
    answer = dict(ANSWERS["TCO Annex II"])
    assert form_pdfs.answer_pdf(answer, request_id=REQUEST_ID, certificate=certificate) == \
        form_pdfs.answer_pdf(answer, request_id=REQUEST_ID, certificate=certificate)


def test_given_the_fonts_then_glyphs_are_subset_and_the_licence_ships_beside_them():
    pdf = form_pdfs.certificate_pdf(full("EPOC"), request_id=REQUEST_ID, received_at=RECEIVED_AT)

    assert len(pdf) < 150_000  # the two fonts whole are 1.4 MB
    assert (form_pdfs.FONTS / "LICENSE-DejaVu.txt").read_text().count("Bitstream") > 0


def test_given_the_module_then_it_imports_neither_aws_nor_fpdf_until_a_pdf_is_asked_for():
    root = Path(__file__).resolve().parents[3]
    probe = ("import sys, chalicelib.domain.form_pdfs; "
             "print(sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore', 'pynamodb', 'fpdf')))")

    loaded = subprocess.run([sys.executable, "-c", probe], cwd=root, capture_output=True, text=True, check=True)

    assert loaded.stdout.strip() == "[]"


# --- answers ----------------------------------------------------------------------------------------------------

BY, AT = "rep-fr-1", "2026-12-02T10:15:00Z"
ANSWERS = {
    "e-Evidence Annex III": {"form": "e-Evidence Annex III", "certificate": "EPOC",
                             "reasons": ["manifest_errors", "other"],
                             "explanation": "Le numéro de compte ne correspond à aucun utilisateur.",
                             "effect": "clarification_requested", "by": BY, "at": AT},
    "e-Evidence Annex V": {"form": "e-Evidence Annex V", "certificate": "EPOC-PR",
                           "production_reference": "PO-III-Ds.42.2026/EPOC", "note": "Wniosek o wydanie danych.",
                           "by": BY, "at": AT},
    "e-Evidence Annex VI": {"form": "e-Evidence Annex VI", "certificate": "EPOC-PR",
                            "expires_at_before": "2027-01-30T09:00:00Z", "expires_at_after": "2027-03-01T09:00:00Z",
                            "basis": "EU 2023/1543 Art. 11", "by": BY, "at": AT},
    "TCO Annex II": {"form": "TCO Annex II", "certificate": "TCO-RO", "action": "disabled",
                     "done_at": "2026-12-01T09:41:00Z", "outcome": "fulfilled",
                     "note": "Access disabled in all Member States.",
                     "by": BY, "at": AT},
    "TCO Annex III": {"form": "TCO Annex III", "certificate": "TCO-RO",
                      "reasons": ["force_majeure", "insufficient_information"],
                      "explanation": "The URL given leads to no content.", "effect": "clock_stopped",
                      "by": BY, "at": AT},
    "fulfilment": {"form": "fulfilment", "certificate": "EPOC", "outcome": "partially_fulfilled",
                   "note": "Traffic data for October only.", "by": BY, "at": AT},
}
ORDERS = {"EPOC": full("EPOC", **{"A.issuing_authority": POLISH}),
          "EPOC-PR": full("EPOC-PR", **{"A.issuing_authority": BULGARIAN}),
          "TCO-RO": full("TCO-RO", **{"A.addressee": POLISH})}


@pytest.mark.parametrize(("form", "heading", "words", "codes"), [
    ("e-Evidence Annex III",
     ("REGULATION (EU) 2023/1543, ANNEX III", "INFORMATION ON THE IMPOSSIBILITY TO EXECUTE AN EPOC/EPOC-PR"),
     ["Reasons", "The order contains manifest errors", "Another reason, given in the explanation", "Explanation",
      "Le numéro de compte ne correspond à aucun utilisateur.", "Effect on the request",
      "Clarification asked of the issuing authority"], ["manifest_errors", "clarification_requested"]),
    ("e-Evidence Annex V",
     ("REGULATION (EU) 2023/1543, ANNEX V", "CONFIRMATION OF ISSUANCE OF REQUEST FOR PRODUCTION FOLLOWING A "
                                            "EUROPEAN PRESERVATION ORDER"),
     ["Reference of the request for production", "PO-III-Ds.42.2026/EPOC", "Note", "Wniosek o wydanie danych."],
     ["production_reference"]),
    ("e-Evidence Annex VI",
     ("REGULATION (EU) 2023/1543, ANNEX VI", "EXTENSION OF THE PRESERVATION OF ELECTRONIC EVIDENCE"),
     ["The preservation ended at (before the extension)", "2027-01-30T09:00:00Z",
      "The preservation ends at (after the extension)", "2027-03-01T09:00:00Z", "Legal basis EU 2023/1543 Art. 11"],
     ["expires_at_after"]),
    ("TCO Annex II",
     ("REGULATION (EU) 2021/784, ANNEX II", "FEEDBACK FORM FOLLOWING THE REMOVAL OF OR DISABLING OF ACCESS TO "
                                           "TERRORIST CONTENT"),
     ["Action taken", "Access to the terrorist content was disabled", "2026-12-01T09:41:00Z", "Outcome Fulfilled",
      "Access disabled in all Member States."], ["done_at", "fulfilled"]),
    ("TCO Annex III",
     ("REGULATION (EU) 2021/784, ANNEX III", "INFORMATION ABOUT THE IMPOSSIBILITY TO EXECUTE THE REMOVAL ORDER"),
     ["Force majeure", "The order does not contain sufficient information", "The URL given leads to no content.",
      "The deadline is stopped"], ["force_majeure", "clock_stopped"]),
])
def test_given_each_annex_answer_then_it_is_headed_as_its_annex_with_the_order_and_values_in_words(
        form, heading, words, codes):
    answer = ANSWERS[form]
    order = ORDERS[answer["certificate"]]

    pages = text_of(form_pdfs.answer_pdf(answer, request_id=REQUEST_ID, certificate=order))

    page = flat(" ".join(pages))
    assert all(flat(line) in page for line in heading)
    assert flat(form_pdfs.ANNEX_NOT_RETRIEVED) in page  # its official field list was not read: no fields made up
    for shown in words:
        assert flat(shown) in page, shown
    for code in codes:
        assert code not in page, code  # recorded codes are printed in words
    reference = [value for name, value in order["sections"]["A"].items() if name in form_pdfs.REFERENCE_FIELDS]
    assert len(reference) >= 3 and all(flat(value) in page for value in reference)  # its file number, state...
    assert f"Recorded in Liaison by {BY}" in page and f"Recorded in Liaison at {AT}" in page
    assert flat(f"Liaison request {REQUEST_ID}, {form} recorded {AT}") in flat(pages[-1])


def test_given_a_fulfilment_then_it_says_it_is_no_official_form_and_names_the_order():
    pages = text_of(form_pdfs.answer_pdf(ANSWERS["fulfilment"], request_id=REQUEST_ID, certificate=ORDERS["EPOC"]))

    page = flat(" ".join(pages))
    assert "REGULATION (EU) 2023/1543: NO OFFICIAL FORM" in page and "FULFILMENT OF THE ORDER" in page
    assert "Not an official form" in page and flat(form_pdfs.ANNEX_NOT_RETRIEVED) not in page
    assert "Outcome Partially fulfilled" in page and "Traffic data for October only." in page
    assert "EPOC: European Production Order Certificate" in page and POLISH in page


def test_given_an_answer_without_its_certificate_then_the_order_is_named_by_its_form_and_request():
    page = flat(" ".join(text_of(form_pdfs.answer_pdf(ANSWERS["TCO Annex II"], request_id=REQUEST_ID))))

    assert "TCO-RO: Removal order (Regulation (EU) 2021/784, Annex I)" in page
    assert f"Liaison request {REQUEST_ID}" in page


def test_given_an_unknown_answer_form_then_every_key_and_value_is_shown_rather_than_failing():
    answer = {"form": "e-Evidence Annex IX", "certificate": "EPOC", "verdict": "ανεπαρκής", "items": ["a1", "b2"],
              "detail": {"k": "v"}, "by": BY, "at": AT}

    page = flat(" ".join(text_of(form_pdfs.answer_pdf(answer, request_id=REQUEST_ID))))

    assert "E-EVIDENCE ANNEX IX" in page and "Not a form Liaison lays out" in page
    for shown in ("Verdict ανεπαρκής", "Items \u2022 a1 \u2022 b2", '"k": "v"', f"Recorded in Liaison by {BY}"):
        assert shown in page, shown
