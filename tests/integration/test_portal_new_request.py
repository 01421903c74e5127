"""The officers' portal: a new request filed in a browser (issue 14, point 3).

Pages are called as a browser calls them (the session cookie, form posts) through Chalice's test client; what
was filed is read back through the API.
"""

from __future__ import annotations

import html
import json
import re

import pytest

from tests.helpers import FR, authority
from tests.integration.test_console import Browser, text

NEW = "/console/requests/new"
OFFICER = {"role": "authority", "sub": "officer-fr-lefevre", "agency_id": FR}
KINDS = ["data_disclosure", "preservation", "content_removal", "emergency_disclosure", "terrorist_content_removal"]


class Officer(Browser):
    def __init__(self, client, *, mfa: bool = True) -> None:
        super().__init__(client, **OFFICER)
        if not mfa:
            from chalicelib.auth.principal import Principal, Role
            from chalicelib.web.console import sessions

            principal = Principal(subject=OFFICER["sub"], role=Role.AUTHORITY, expires_at=0, mfa=False,
                                  issuer="https://dev-issuer.liaison.local", agency_id=FR)
            self.secret, self.session = sessions.open(principal)


def key_of(page: str) -> str:
    found = re.search(r'name="idempotency_key" value="([^"]+)"', page)
    assert found, page
    return found.group(1)


def fields_for(kind: str, key: str, reference: str = "PV-2026-0042") -> dict[str, str]:
    fields = {"type": kind, "idempotency_key": key, "reference": reference, "submit": "1",
              "legal_basis": "Code de procédure pénale, art. 60-1", "language": "fr",
              "description": "Données d'abonné du compte utilisé pour l'escroquerie.\r\nDeuxième ligne.",
              "targets.0.kind": "username", "targets.0.value": "suspect_account_42"}
    if kind in ("data_disclosure", "preservation"):
        fields |= {"data_categories.subscriber": "1", "data_categories.traffic": "1"}
    if kind in ("content_removal", "terrorist_content_removal"):
        fields |= {"targets.0.kind": "message_link", "targets.0.value": "https://platform.example/c/1/m/2"}
    if kind == "emergency_disclosure":
        fields |= {"emergency.threat": "Threat to kill posted an hour ago.",
                   "emergency.callback_number": "+33 1 23 45 67 89"}
    return fields


def api_request(client, issuer, request_id: str) -> dict:
    response = client.http.get(f"/v1/requests/{request_id}", headers=authority(issuer, FR))
    assert response.status_code == 200, response.body
    return json.loads(response.body)


def api_list(client, issuer) -> list[dict]:
    response = client.http.get("/v1/requests?limit=100", headers=authority(issuer, FR))
    return json.loads(response.body)["items"]


def form_page(officer: Officer, kind: str):
    response = officer.get(f"{NEW}?type={kind}")
    assert response.status_code == 200, text(response)
    return text(response)


# --- The way in -----------------------------------------------------------------------------------------------

def test_given_the_officers_home_then_it_links_to_new_request(client):
    page = text(Officer(client).get("/console/requests"))
    assert f'href="{NEW}">New request</a>' in page


def test_given_new_then_it_is_the_new_request_page_not_a_request_called_new(client):
    from chalice.local import RouteMatcher

    from app import app

    # chalice local and the test client share this matcher; API Gateway prefers the literal path too.
    assert RouteMatcher(list(app.routes)).match_route(NEW).route == NEW
    response = Officer(client).get(NEW)
    assert response.status_code == 200
    page = text(response)
    assert "<h1>New request</h1>" in page and '<label for="type">Type</label>' in page
    for kind in KINDS:
        assert f'href="{NEW}?type={kind}"' in page


def test_given_each_type_then_the_form_has_exactly_that_types_fields(client):
    officer = Officer(client)
    for kind in KINDS:
        page = form_page(officer, kind)
        for label in ("Legal basis", "Reference", "Language", "Description", "Target kind", "Target value"):
            assert label in page
        assert "Submit request</button>" in page
        has_categories = kind in ("data_disclosure", "preservation")
        assert ('name="data_categories.subscriber"' in page) is has_categories
        if has_categories:
            for words in ("Subscriber", "Traffic", "Content", "Access logs"):
                assert f"> {words}</label>" in page
        assert ("<legend>Emergency</legend>" in page) is (kind == "emergency_disclosure")
        if kind == "emergency_disclosure":
            assert "Threat</label>" in page and "Call-back number</label>" in page
    assert "message_link" in form_page(officer, "content_removal")  # the removal rule, from the domain


def test_given_an_unknown_type_then_the_choice_comes_back(client):
    response = Officer(client).get(f"{NEW}?type=wiretap")
    assert response.status_code == 400
    assert "Choose one of the types below." in text(response)


# --- Filing ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", KINDS)
def test_given_each_type_filled_in_then_one_request_is_filed_and_seen_through_the_api(client, issuer, kind):
    officer = Officer(client)
    key = key_of(form_page(officer, kind))
    response = officer.post(NEW, fields_for(kind, key, reference=f"PV-{kind}"))
    assert response.status_code == 303, text(response)
    location = response.headers["Location"]
    assert re.fullmatch(r"/console/requests/LR-[A-Z2-7]+", location), location
    stored = api_request(client, issuer, location.rsplit("/", 1)[1])
    assert stored["type"] == kind and stored["reference"] == f"PV-{kind}"
    assert stored["description"].endswith("Deuxième ligne.")
    assert len(stored["targets"]) == 1
    if kind in ("data_disclosure", "preservation"):
        assert stored["data_categories"] == ["subscriber", "traffic"]
    if kind == "emergency_disclosure":
        assert stored["emergency"]["callback_number"] == "+33 1 23 45 67 89"
    page = officer.get(location)
    assert page.status_code == 200 and f"PV-{kind}" in text(page)


def test_given_the_same_form_posted_twice_then_one_request_is_filed(client, issuer):
    officer = Officer(client)
    fields = fields_for("data_disclosure", key_of(form_page(officer, "data_disclosure")), reference="PV-TWICE")
    first, second = officer.post(NEW, fields), officer.post(NEW, fields)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert [r["reference"] for r in api_list(client, issuer)].count("PV-TWICE") == 1


def test_given_a_new_form_then_it_has_a_new_key_and_files_another_request(client, issuer):
    officer = Officer(client)
    a = officer.post(NEW, fields_for("preservation", key_of(form_page(officer, "preservation")), "PV-A"))
    b = officer.post(NEW, fields_for("preservation", key_of(form_page(officer, "preservation")), "PV-A"))
    assert a.headers["Location"] != b.headers["Location"]


def test_given_the_key_reused_with_other_values_then_the_apis_message_is_shown_and_nothing_more_filed(client, issuer):
    officer = Officer(client)
    key = key_of(form_page(officer, "data_disclosure"))
    assert officer.post(NEW, fields_for("data_disclosure", key, "PV-FIRST")).status_code == 303
    response = officer.post(NEW, fields_for("data_disclosure", key, "PV-CHANGED"))
    assert response.status_code == 422
    assert "This Idempotency-Key was used with a different body." in text(response)
    assert 'value="PV-CHANGED"' in text(response)
    assert "PV-CHANGED" not in [r["reference"] for r in api_list(client, issuer)]


# --- Refusals -------------------------------------------------------------------------------------------------

def test_given_an_invalid_field_then_the_apis_message_is_beside_it_and_everything_typed_is_kept(client, issuer):
    officer = Officer(client)
    fields = fields_for("data_disclosure", key_of(form_page(officer, "data_disclosure")), "PV-<kept>")
    fields |= {"language": "French", "targets.1.kind": "phone", "targets.1.value": "+33 6 00 00 00 00"}
    response = officer.post(NEW, fields)
    assert response.status_code == 400
    page = text(response)
    # The API's own message for the same body.
    body = {"type": "data_disclosure", "legal_basis": fields["legal_basis"], "reference": fields["reference"],
            "language": "French", "description": fields["description"], "data_categories": ["subscriber", "traffic"],
            "targets": [{"kind": "username", "value": "suspect_account_42"},
                        {"kind": "phone", "value": "+33 6 00 00 00 00"}]}
    api = client.http.post("/v1/requests", body=json.dumps(body).encode(),
                           headers={**authority(issuer, FR), "content-type": "application/json"})
    assert api.status_code == 400
    message = json.loads(api.body)["message"]
    beside = re.search(r'<input id="language"[^>]*aria-describedby="([^"]+)"[^>]*>\s*<p class="field-error" '
                       r'id="err-language">([^<]+)</p>', page)
    assert beside and "err-language" in beside.group(1), page
    assert html.unescape(beside.group(2)) == message  # beside the field, word for word the API's
    assert 'aria-invalid="true"' in page and 'href="#language"' in page
    # everything typed is kept: text, the second target row, the checkboxes, the key
    assert 'value="PV-&lt;kept&gt;"' in page and 'value="French"' in page
    assert "Deuxième ligne.</textarea>" in page
    assert 'value="+33 6 00 00 00 00"' in page and '<option value="phone" selected>' in page
    assert page.count("checked") == 2
    assert key_of(page) == fields["idempotency_key"]


def test_given_a_bad_target_value_then_the_error_is_beside_that_row(client):
    officer = Officer(client)
    fields = fields_for("preservation", key_of(form_page(officer, "preservation")))
    fields |= {"targets.1.kind": "username", "targets.1.value": "bad\u202eline"}
    page = text(officer.post(NEW, fields))
    assert re.search(r'id="err-targets-1-value">Invalid body field &#39;targets.1.value&#39;: must be a single line',
                     page), page
    assert 'aria-describedby="err-targets-1-value"' in page


def test_given_a_type_rule_broken_then_its_message_is_beside_the_fieldset(client):
    officer = Officer(client)
    fields = fields_for("data_disclosure", key_of(form_page(officer, "data_disclosure")))
    del fields["data_categories.subscriber"], fields["data_categories.traffic"]
    response = officer.post(NEW, fields)
    assert response.status_code == 400
    assert 'id="err-data_categories">A data_disclosure request needs &#39;data_categories&#39;.</p>' in text(response)
    fields = fields_for("content_removal", key_of(form_page(officer, "content_removal")))
    fields["targets.0.kind"] = "username"
    page = text(officer.post(NEW, fields))
    assert 'id="err-targets">A removal order needs at least one &#39;message_link&#39; or &#39;channel&#39; target.' \
        in page


def test_given_an_emergency_without_mfa_then_the_apis_message_is_shown_and_nothing_is_filed(client, issuer):
    officer = Officer(client, mfa=False)
    fields = fields_for("emergency_disclosure", key_of(form_page(officer, "emergency_disclosure")), "PV-NOMFA")
    response = officer.post(NEW, fields)
    assert response.status_code == 403
    page = text(response)
    assert "An emergency disclosure must be filed with a multi-factor authenticated token." in page
    assert "Threat to kill posted an hour ago.</textarea>" in page
    assert "PV-NOMFA" not in [r["reference"] for r in api_list(client, issuer)]


def test_given_no_csrf_token_then_403_and_nothing_is_filed(client, issuer):
    officer = Officer(client)
    fields = fields_for("data_disclosure", key_of(form_page(officer, "data_disclosure")), "PV-NOCSRF")
    assert officer.post(NEW, fields, csrf=None).status_code == 403
    assert officer.post(NEW, fields, csrf="x" * 43).status_code == 403
    assert "PV-NOCSRF" not in [r["reference"] for r in api_list(client, issuer)]


@pytest.mark.parametrize("who", [{"role": "representative", "sub": "rep-eu-lindqvist", "region": "eu"},
                                 {"role": "admin", "sub": "admin-1"}])
def test_given_another_role_then_the_page_and_the_post_are_refused_as_the_api_route_is(client, who):
    browser = Browser(client, **who)
    assert browser.get(NEW).status_code == 403
    assert browser.get(f"{NEW}?type=data_disclosure").status_code == 403
    response = browser.post(NEW, fields_for("data_disclosure", "k" * 20))
    assert response.status_code == 403


def test_given_no_session_then_the_page_goes_to_sign_in(client):
    response = client.http.get(f"{NEW}?type=preservation")
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/console/sign-in?return_to=%2Fconsole%2Frequests%2Fnew")


# --- Target rows, without JavaScript -------------------------------------------------------------------------

def test_given_add_and_remove_then_rows_change_and_everything_typed_is_kept(client, issuer):
    officer = Officer(client)
    fields = fields_for("data_disclosure", key_of(form_page(officer, "data_disclosure")), "PV-ROWS")
    del fields["submit"]
    page = text(officer.post(NEW, {**fields, "add_target": "1"}))
    assert 'name="targets.1.kind"' in page and "Remove target 2" in page
    assert 'value="suspect_account_42"' in page and 'value="PV-ROWS"' in page and page.count("checked") == 2
    fields |= {"targets.1.kind": "phone", "targets.1.value": "+33 6 11 11 11 11",
               "targets.2.kind": "user_id", "targets.2.value": "9988"}
    page = text(officer.post(NEW, {**fields, "remove_target": "0"}))
    assert 'value="suspect_account_42"' not in page
    assert re.search(r'name="targets.0.value" value="\+33 6 11 11 11 11"', page)
    assert re.search(r'name="targets.1.value" value="9988"', page)
    assert 'name="targets.2.value"' not in page
    # the last row cannot be removed; the form is filed with the rows as shown
    one = {k: v for k, v in fields.items() if not k.startswith("targets.")} | {"targets.0.kind": "user_id",
                                                                            "targets.0.value": "1"}
    assert "Remove target 1" not in text(officer.post(NEW, {**one, "remove_target": "0"}))
    assert 'name="targets.0.value" value="1"' in text(officer.post(NEW, {**one, "remove_target": "0"}))
    response = officer.post(NEW, {**fields, "targets.0.kind": "username", "submit": "1"})
    assert response.status_code == 303
    stored = api_request(client, issuer, response.headers["Location"].rsplit("/", 1)[1])
    assert [t["value"] for t in stored["targets"]] == ["suspect_account_42", "+33 6 11 11 11 11", "9988"]


def test_given_the_form_then_enter_files_the_request_rather_than_removing_a_row(client):
    page = form_page(Officer(client), "data_disclosure")
    form = page[page.index('<form method="post" action="/console/requests/new"'):]
    first_button = re.search(r"<button[^>]*>", form).group(0)
    assert "remove_target" not in first_button and "add_target" not in first_button


def test_given_the_largest_request_the_api_takes_then_the_form_files_it_too(client, issuer):
    """100 target rows of 2,048 characters and a 20,000-character description (non-ASCII: 40 KB of UTF-8), under
    the API's 256 KB: a form far over the field count and the bytes of any other page, which it must still read."""
    officer = Officer(client)
    fields = fields_for("data_disclosure", key_of(form_page(officer, "data_disclosure")), reference="BIG-1")
    fields["description"] = "é" * 20_000
    for row in range(100):
        fields[f"targets.{row}.kind"] = "username"
        fields[f"targets.{row}.value"] = "x" * 2_044 + f"{row:04d}"
    response = officer.post(NEW, fields)
    assert response.status_code == 303, text(response)[:3000]
    filed = api_request(client, issuer, response.headers["Location"].rsplit("/", 1)[-1].split("?")[0])
    assert len(filed["targets"]) == 100 and filed["targets"][99]["value"].endswith("0099")
