"""Issue 15, point 1: EU orders filed as their official forms (EPOC, EPOC-PR, TCO-RO), as structured data.

Given a certificate filed with POST /v1/requests, then it maps onto the request type its form stands for, is
kept exactly as filed (on the request, bound by the audit trail's first event), and is refused with 422 naming
each missing mandatory section or field, 422 when filed as another type, 422 naming the desk's languages when
in a language the desk does not accept, and 400 naming a section or field the form does not have.
"""

from __future__ import annotations

import copy
import json
from datetime import timedelta

import pytest

from chalicelib.clock import parse_instant
from chalicelib.domain import certificates
from tests.helpers import FR, admin, authority, post, submission


def epoc(**sections) -> dict:
    """An EPOC with every mandatory section, as a French prosecutor fills it (sections whose official wording was
    not retrieved are free text)."""
    filled = {
        "A": {"issuing_state": "FR", "issuing_authority": "Parquet de Valmont, section cybercriminalité",
              "issuing_file_number": "PV-2026-0042"},
        "B": {"addressee": "Liaison Platform EU Legal Representative B.V.", "addressee_is": "legal_representative"},
        "C": {"text": "Within 10 days of receipt."},
        "I": {"text": "Parquet de Valmont, Mme A. Durand, procureure adjointe, 1 place de la Justice, Valmont; "
                      "+33 1 00 00 00 00; cyber@parquet-valmont.justice.example"},
        "L": {"text": "(a) Parquet de Valmont, through the decentralised IT system."},
    }
    filled.update(sections)
    return {"form": "EPOC", "sections": filled}


def epoc_pr() -> dict:
    return {"form": "EPOC-PR", "sections": {
        "A": {"issuing_state": "FR", "issuing_authority": "Parquet de Valmont", "rest": "File number PV-2026-7"},
        "C": {"text": "Subscriber and traffic data of suspect_account_42, October 2026."}}}


def tco_ro() -> dict:
    return {"form": "TCO-RO", "sections": {
        "A": {"issuing_state": "FR", "addressee": "Liaison Platform EU Legal Representative B.V.",
              "issued_at": "2026-12-01T09:00:00Z", "reference": "TCO-FR-2026-001"},
        "B": {"urls": ["https://platform.example/c/123/m/456"], "reasons": "A call to attack named places.",
              "material": ["incites others to commit terrorist offences"]},
        "E": {"text": "Office central de lutte contre la criminalité liée aux technologies (OCLCTIC)"}}}


def filed(client, issuer, kind: str, certificate: dict, *, mfa: bool = False, **overrides):
    return post(client, "/v1/requests", submission(kind, certificate=certificate, **overrides),
                authority(issuer, FR, mfa=mfa))


@pytest.mark.parametrize(("kind", "certificate", "resolve"), [
    # subscriber and traffic data (the default submission): the enforcing authority's 10 days, then a day to send
    ("data_disclosure", epoc(), timedelta(days=11)),
    ("emergency_disclosure", epoc(C={"text": "Emergency case: within 8 hours of receipt."}), timedelta(hours=8)),
    ("preservation", epoc_pr(), None),
    ("terrorist_content_removal", tco_ro(), timedelta(hours=1)),
])
def test_given_each_form_then_it_is_filed_as_its_type_and_kept_exactly_as_filed(client, issuer, kind, certificate,
                                                                                 resolve):
    created = filed(client, issuer, kind, certificate, mfa=True)
    assert created.status_code == 201, created.body
    stored = created.json_body
    assert stored["type"] == kind and stored["certificate"] == certificate
    if resolve is not None:
        assert parse_instant(stored["due_at"]) - parse_instant(stored["received_at"]) == resolve
    trail = client.http.get(f"/v1/requests/{stored['id']}/audit", headers=admin(issuer)).json_body
    assert trail["verified"] is True, trail
    assert trail["events"][0]["kind"] == "submitted"
    detail = trail["events"][0]["detail"]
    detail = json.loads(detail) if isinstance(detail, str) else detail
    assert detail["set"]["certificate"] == certificate  # bound by the trail as filed


@pytest.mark.parametrize(("certificate", "kind", "named"), [
    ({"form": "EPOC", "sections": {}}, "data_disclosure", "missing A, B, C, I, L"),
    (epoc(A={"issuing_authority": "Parquet de Valmont"}), "data_disclosure", "A.issuing_state, A.issuing_file_number"),
    ({"form": "TCO-RO", "sections": {"A": tco_ro()["sections"]["A"]}}, "terrorist_content_removal", "missing B, E"),
    ({"form": "EPOC-PR", "sections": {"C": {"text": "x"}}}, "preservation", "missing A"),
    (epoc(D={}), "data_disclosure", "missing D.text"),
])
def test_given_a_missing_section_or_field_then_422_names_each(client, issuer, certificate, kind, named):
    response = filed(client, issuer, kind, certificate)
    assert response.status_code == 422, response.body
    assert response.json_body["code"] == "certificate_incomplete" and named in response.json_body["message"]


@pytest.mark.parametrize(("kind", "certificate"), [
    ("preservation", epoc()),
    ("terrorist_content_removal", epoc()),
    ("data_disclosure", epoc_pr()),
    ("data_disclosure", tco_ro()),
])
def test_given_a_certificate_filed_as_another_type_then_422(client, issuer, kind, certificate):
    response = filed(client, issuer, kind, certificate, mfa=True)
    assert response.status_code == 422 and response.json_body["code"] == "certificate_type_mismatch", response.body


def test_given_a_language_the_desk_does_not_accept_then_422_names_the_accepted_ones(client, issuer):
    response = filed(client, issuer, "data_disclosure", epoc(), language="pl")
    assert response.status_code == 422 and response.json_body["code"] == "language_not_accepted"
    assert "en, fr, de, es, nl, it" in response.json_body["message"]
    assert filed(client, issuer, "data_disclosure", epoc(), language="fr-BE").status_code == 201


@pytest.mark.parametrize(("change", "field"), [
    (lambda c: c["sections"].update(Z={"text": "x"}), "certificate.sections.Z"),
    (lambda c: c["sections"]["A"].update(colour="red"), "certificate.sections.A.colour"),
    (lambda c: c["sections"]["A"].update(issuing_state="France"), "certificate.sections.A.issuing_state"),
    (lambda c: c["sections"]["B"].update(addressee_is="parent_company"), "certificate.sections.B.addressee_is"),
    (lambda c: c["sections"]["B"].update(emergency_other_addressee="yes"),
     "certificate.sections.B.emergency_other_addressee"),
    (lambda c: c["sections"].update(M={"text": "x"}), "certificate.sections.M"),
    (lambda c: c["sections"]["B"].update(addressee="line\nbreak"), "certificate.sections.B.addressee"),
    (lambda c: c.update(form="EIO"), "certificate.form"),
    (lambda c: c.update(signed=True), "certificate.signed"),
])
def test_given_a_section_or_field_the_form_does_not_have_then_400_names_it(client, issuer, change, field):
    certificate = copy.deepcopy(epoc())
    change(certificate)
    response = filed(client, issuer, "data_disclosure", certificate)
    assert response.status_code == 400 and response.json_body["field"] == field, response.body


def test_given_the_api_description_then_it_documents_each_form_section_by_section(client):
    schema = client.http.get("/openapi.json").json_body
    text = str(schema)
    for form in certificates.FORMS.values():
        assert form.source in text and f"Section {form.sections[0].letter}: {form.sections[0].title}" in text


def test_given_an_epoc_for_traffic_or_content_data_then_it_needs_the_enforcing_authority():
    """e-Evidence Art. 8(1); Liaison cannot tell identification-only traffic data apart, so it keeps the wait."""
    assert certificates.requires_enforcing_authority(epoc(), ["subscriber", "traffic"])
    assert certificates.requires_enforcing_authority(epoc(), ["content"])
    assert not certificates.requires_enforcing_authority(epoc(), ["subscriber"])
    assert not certificates.requires_enforcing_authority(epoc_pr(), ["traffic"])
    assert not certificates.requires_enforcing_authority(None, ["traffic"])


def test_given_the_forms_then_sections_not_retrieved_are_free_text_only_and_say_so():
    for form in certificates.FORMS.values():
        for section in form.sections:
            if not section.retrieved:
                assert [f.name for f in section.fields] == ["text"] and "not retrieved" in section.fields[0].label


@pytest.mark.parametrize(("where", "value"), [
    ("addressee", "Liaison\u202eexe.pdf"), ("addressee", "two\nlines"), ("addressee", "nul\x00"),
])
def test_given_a_line_with_control_or_bidi_characters_then_400_as_everywhere(client, issuer, where, value):
    certificate = epoc()
    certificate["sections"]["B"][where] = value
    response = filed(client, issuer, "data_disclosure", certificate)
    assert response.status_code == 400 and response.json_body["field"] in (f"certificate.sections.B.{where}",
                                                                           "certificate"), response.body


def test_given_a_certificate_then_both_sides_see_it_section_by_section_escaped(client, issuer):
    from tests.integration.test_console import Browser

    certificate = epoc(D={"text": "<script>alert(1)</script> earlier EPOC PV-2026-0001"})
    created = filed(client, issuer, "data_disclosure", certificate).json_body
    for browser in (Browser(client, sub=created["assignee"]),
                    Browser(client, "authority", "officer-fr-lefevre", agency_id=FR)):
        page = browser.get(f"/console/requests/{created['id']}").body.decode()
        assert "The certificate: EPOC" in page and "Section A: Issuing/validating authority" in page
        assert "Section D: title not retrieved" in page and "PV-2026-0042" in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
        assert page.index("Section A:") < page.index("Section B:") < page.index("Section D:") < page.index("Section L:")


# --- e-Evidence Art. 8 and 10: the enforcing authority's wait --------------------------------------------------

@pytest.fixture
def clock(clock_from_now):
    return clock_from_now


def rep_headers(issuer, sub: str, clock) -> dict:
    from tests.helpers import bearer

    return bearer(issuer.mint(role="representative", sub=sub, region="eu", mfa=True, now=clock.now().timestamp()))


def officer_headers(issuer, clock, *, mfa: bool = True) -> dict:
    from tests.helpers import bearer

    return bearer(issuer.mint(role="authority", sub="officer-1", agency_id=FR, mfa=mfa, now=clock.now().timestamp()))


def notified_epoc(client, issuer, clock, kind: str = "data_disclosure", categories=("subscriber", "traffic")) -> dict:
    created = post(client, "/v1/requests", submission(kind, certificate=epoc(), data_categories=list(categories)),
                   officer_headers(issuer, clock))
    assert created.status_code == 201, created.body
    return created.json_body


def fulfil(client, issuer, clock, request_id: str, assignee: str):
    return post(client, f"/v1/requests/{request_id}/decision", {"outcome": "fulfilled"},
                rep_headers(issuer, assignee, clock))


def answer(client, issuer, clock, request_id: str, assignee: str, kind: str, note: str | None = None):
    body = {"answer": kind, "authority": "Procureur de la République, Amsterdam", **({"note": note} if note else {})}
    return post(client, f"/v1/requests/{request_id}/enforcing-authority", body, rep_headers(issuer, assignee, clock))


def test_given_an_epoc_for_traffic_data_then_no_fulfilment_before_ten_days_unless_no_ground(client, issuer, clock):
    created = notified_epoc(client, issuer, clock)
    rid, assignee = created["id"], created["assignee"]
    waits = parse_instant(created["enforcing_authority"]["wait_until"]) - parse_instant(created["received_at"])
    assert waits == timedelta(days=10) and created["enforcing_authority"]["answers"] == []
    post(client, f"/v1/requests/{rid}/acknowledge", {}, rep_headers(issuer, assignee, clock))
    refused = fulfil(client, issuer, clock, rid, assignee)
    assert refused.status_code == 409 and refused.json_body["code"] == "enforcing_authority_wait", refused.body
    assert "no data may be produced before" in refused.json_body["message"]
    recorded = answer(client, issuer, clock, rid, assignee, "no_ground")
    assert recorded.status_code == 200, recorded.body
    assert fulfil(client, issuer, clock, rid, assignee).status_code == 200
    trail = client.http.get(f"/v1/requests/{rid}/audit", headers=admin(issuer)).json_body
    assert trail["verified"] is True and "enforcing_authority_answered" in [e["kind"] for e in trail["events"]]


def test_given_ten_days_without_a_ground_then_the_data_may_go(client, issuer, clock):
    created = notified_epoc(client, issuer, clock)
    rid, assignee = created["id"], created["assignee"]
    post(client, f"/v1/requests/{rid}/acknowledge", {}, rep_headers(issuer, assignee, clock))
    clock.advance(timedelta(days=9, hours=23))
    assert fulfil(client, issuer, clock, rid, assignee).status_code == 409
    clock.advance(timedelta(hours=1))
    assert fulfil(client, issuer, clock, rid, assignee).status_code == 200


def test_given_a_ground_for_refusal_then_the_request_ends_rejected_with_the_ground(client, issuer, clock):
    created = notified_epoc(client, issuer, clock)
    rid, assignee = created["id"], created["assignee"]
    post(client, f"/v1/requests/{rid}/acknowledge", {}, rep_headers(issuer, assignee, clock))
    missing = answer(client, issuer, clock, rid, assignee, "ground_raised")
    assert missing.status_code == 400 and missing.json_body["field"] == "note"
    ended = answer(client, issuer, clock, rid, assignee, "ground_raised", "Art. 12(1)(a): immunity of the person.")
    assert ended.status_code == 200, ended.body
    assert ended.json_body["status"] == "rejected"
    assert "immunity of the person" in ended.json_body["decision"]["note"]
    assert answer(client, issuer, clock, rid, assignee, "no_ground").status_code == 409  # closed


def test_given_subscriber_data_only_then_there_is_no_wait(client, issuer, clock):
    created = notified_epoc(client, issuer, clock, categories=("subscriber",))
    rid, assignee = created["id"], created["assignee"]
    post(client, f"/v1/requests/{rid}/acknowledge", {}, rep_headers(issuer, assignee, clock))
    assert fulfil(client, issuer, clock, rid, assignee).status_code == 200
    late = answer(client, issuer, clock, created["id"], assignee, "no_ground")
    assert late.status_code == 409 and late.json_body["code"] == "enforcing_authority_not_notified"


def test_given_an_emergency_epoc_then_an_objection_counts_within_96_hours_only(client, issuer, clock):
    created = notified_epoc(client, issuer, clock, "emergency_disclosure")
    rid, assignee = created["id"], created["assignee"]
    window = parse_instant(created["enforcing_authority"]["objection_until"]) - parse_instant(created["received_at"])
    assert window == timedelta(hours=96) and "wait_until" not in created["enforcing_authority"]
    wrong = answer(client, issuer, clock, rid, assignee, "no_ground")
    assert wrong.status_code == 409 and wrong.json_body["code"] == "invalid_enforcing_answer"
    clock.advance(timedelta(hours=95))
    assert answer(client, issuer, clock, rid, assignee, "objection", "Not for use in the trial.").status_code == 200
    clock.advance(timedelta(hours=2))
    closed = answer(client, issuer, clock, rid, assignee, "conditions", "Only for locating the victim.")
    assert closed.status_code == 409 and closed.json_body["code"] == "objection_window_closed"


def test_given_an_officer_then_they_cannot_record_the_enforcing_authority_s_answer(client, issuer, clock):
    created = notified_epoc(client, issuer, clock)
    response = post(client, f"/v1/requests/{created['id']}/enforcing-authority",
                    {"answer": "no_ground", "authority": "Me"}, officer_headers(issuer, clock))
    assert response.status_code == 403


def test_given_the_console_then_the_desk_sees_the_wait_and_records_the_answer_by_form(client, issuer, clock):
    from tests.integration.test_console import Browser

    created = notified_epoc(client, issuer, clock)
    desk = Browser(client, sub=created["assignee"])
    page = desk.get(f"/console/requests/{created['id']}").body.decode()
    assert "Enforcing authority (e-Evidence Art. 8)" in page and "No data may be produced before" in page
    assert desk.post(f"/console/requests/{created['id']}/enforcing-authority",
                     {"answer": "no_ground", "authority": "OM Amsterdam"}, csrf=None).status_code == 403
    refused = desk.post(f"/console/requests/{created['id']}/enforcing-authority",
                        {"answer": "ground_raised", "authority": "OM Amsterdam"})
    assert refused.status_code == 400 and "OM Amsterdam" in refused.body.decode()  # beside the form, kept
    done = desk.post(f"/console/requests/{created['id']}/enforcing-authority",
                     {"answer": "no_ground", "authority": "OM Amsterdam"})
    assert done.status_code == 303
    page = desk.get(f"/console/requests/{created['id']}?done=enforcing-authority").body.decode()
    assert "No ground" in page and "OM Amsterdam" in page
    officer = Browser(client, "authority", "officer-fr-lefevre", agency_id=FR)
    seen = officer.get(f"/console/requests/{created['id']}").body.decode()
    assert "No data may be produced before" in seen and "Record the enforcing authority" not in seen


# --- Annex III: the platform's answer when an EPOC or EPOC-PR cannot be executed ----------------------------------

def annex_iii(client, issuer, clock, request_id: str, assignee: str, reasons: list[str], explanation: str = "x"):
    return post(client, f"/v1/requests/{request_id}/impossibility", {"reasons": reasons, "explanation": explanation},
                rep_headers(issuer, assignee, clock))


def acknowledged_epoc(client, issuer, clock, certificate=None, kind="data_disclosure", categories=("subscriber",)):
    created = post(client, "/v1/requests", submission(kind, certificate=certificate or epoc(),
                                                      data_categories=list(categories)),
                   officer_headers(issuer, clock)).json_body
    post(client, f"/v1/requests/{created['id']}/acknowledge", {}, rep_headers(issuer, created["assignee"], clock))
    return created


def test_given_only_curable_reasons_then_annex_iii_asks_to_clarify_and_stops_the_clock(client, issuer, clock):
    created = acknowledged_epoc(client, issuer, clock)
    answered = annex_iii(client, issuer, clock, created["id"], created["assignee"], [
        "incomplete", "insufficient_information"], "Section L names no authority to receive the data.")
    assert answered.status_code == 200, answered.body
    stored = answered.json_body
    assert stored["status"] == "awaiting_information"
    (form,) = stored["official_answers"]
    assert form["form"] == "e-Evidence Annex III" and form["certificate"] == "EPOC"
    assert form["reasons"] == ["incomplete", "insufficient_information"] and form["effect"] == "clarification_requested"
    clock.advance(timedelta(hours=5))
    post(client, f"/v1/requests/{created['id']}/messages", {"body": "Section L: Parquet de Valmont."},
         officer_headers(issuer, clock))
    resumed = client.http.get(f"/v1/requests/{created['id']}", headers=officer_headers(issuer, clock)).json_body
    assert resumed["status"] == "acknowledged"
    assert parse_instant(resumed["due_at"]) - parse_instant(created["due_at"]) == timedelta(hours=5)
    trail = client.http.get(f"/v1/requests/{created['id']}/audit", headers=admin(issuer)).json_body
    assert trail["verified"] is True


def test_given_data_not_stored_then_annex_iii_ends_the_request_rejected_with_the_form(client, issuer, clock):
    created = acknowledged_epoc(client, issuer, clock, epoc_pr(), "preservation")
    answered = annex_iii(client, issuer, clock, created["id"], created["assignee"],
                         ["data_not_stored", "incomplete"], "The account was deleted in 2024.")
    assert answered.status_code == 200, answered.body
    stored = answered.json_body
    assert stored["status"] == "rejected" and stored["decision"]["reason"] == "no_data"
    assert "Annex III" in stored["decision"]["note"] and "deleted in 2024" in stored["decision"]["note"]
    assert stored["official_answers"][0]["certificate"] == "EPOC-PR"
    assert stored["official_answers"][0]["effect"] == "not_executed"
    seen = client.http.get(f"/v1/requests/{created['id']}", headers=officer_headers(issuer, clock)).json_body
    assert seen["official_answers"] == stored["official_answers"]  # the authority gets it as data


@pytest.mark.parametrize(("reasons", "status", "code"), [
    (["incomplete", "incomplete"], 400, "invalid_field"),
    ([], 400, "invalid_field"),
    (["not_a_reason"], 400, "invalid_field"),
])
def test_given_bad_annex_iii_reasons_then_400_and_nothing_changes(client, issuer, clock, reasons, status, code):
    created = acknowledged_epoc(client, issuer, clock)
    response = annex_iii(client, issuer, clock, created["id"], created["assignee"], reasons)
    assert (response.status_code, response.json_body["code"]) == (status, code)
    after = client.http.get(f"/v1/requests/{created['id']}", headers=officer_headers(issuer, clock)).json_body
    assert after["status"] == "acknowledged" and after.get("official_answers") is None


def test_given_a_request_not_filed_as_an_eevidence_order_then_annex_iii_is_409(client, issuer, clock):
    plain = post(client, "/v1/requests", submission(), officer_headers(issuer, clock)).json_body
    post(client, f"/v1/requests/{plain['id']}/acknowledge", {}, rep_headers(issuer, plain["assignee"], clock))
    response = annex_iii(client, issuer, clock, plain["id"], plain["assignee"], ["de_facto_impossibility"])
    assert response.status_code == 409 and response.json_body["code"] == "not_an_eevidence_order"
    officer = post(client, f"/v1/requests/{plain['id']}/impossibility", {"reasons": ["other"], "explanation": "x"},
                   officer_headers(issuer, clock))
    assert officer.status_code == 403


def test_given_the_console_then_the_desk_answers_with_annex_iii_by_form(client, issuer, clock):
    from tests.integration.test_console import Browser

    created = acknowledged_epoc(client, issuer, clock)
    desk = Browser(client, sub=created["assignee"])
    page = desk.get(f"/console/requests/{created['id']}").body.decode()
    assert "Answer with Annex III" in page and 'name="reason.data_not_stored"' in page
    empty = desk.post(f"/console/requests/{created['id']}/impossibility", {"explanation": "Deleted in 2024."})
    assert empty.status_code == 400 and "Deleted in 2024." in empty.body.decode()
    sent = desk.post(f"/console/requests/{created['id']}/impossibility",
                     {"reason.data_not_stored": "1", "explanation": "Deleted in 2024."})
    assert sent.status_code == 303
    page = desk.get(f"/console/requests/{created['id']}?done=impossibility").body.decode()
    assert "e-Evidence Annex III" in page and "Data not stored" in page and "Answer with Annex III" not in page
