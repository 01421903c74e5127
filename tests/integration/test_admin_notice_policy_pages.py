"""Issue 16: the admins' page of the user-notice policy (/console/admin/notice-policy).

Its forms go through the API's own schema (``NoticePolicy``) and the service the API's PUT /v1/admin/notice-policy
calls, so what the page saves the API reads, and what the schema refuses the page refuses with its message, beside
the form, what was typed kept. Forms are sent as a browser sends them: read from the page (``form_fields``), then
changed.
"""

from __future__ import annotations

import copy

import pytest

from tests.integration.test_console import Browser, text
from tests.integration.test_console_admin import HOSTILE, api, escaped, form_fields

PAGE = "/console/admin/notice-policy"
OVERRIDE = "/console/admin/notice-policy/jurisdiction"
REMOVE = "/console/admin/notice-policy/jurisdiction/remove"
TYPES = ("data_disclosure", "preservation", "content_removal", "emergency_disclosure", "terrorist_content_removal")


@pytest.fixture
def ops(client):
    return Browser(client, "admin", "admin-platform-ops")


@pytest.fixture
def policy(client, issuer):
    """The stored policy, put back afterwards."""
    original = api(client, issuer, "GET", "/v1/admin/notice-policy")[1]["document"]
    yield copy.deepcopy(original)
    assert api(client, issuer, "PUT", "/v1/admin/notice-policy", original)[0] == 200


def stored(client, issuer) -> dict:
    return api(client, issuer, "GET", "/v1/admin/notice-policy")[1]["document"]


def test_given_the_page_then_it_shows_every_type_s_rule_and_the_jurisdictions_own(client, issuer, ops, policy):
    document = {**policy, "jurisdictions": {"US": {"data_disclosure": {
        "action": "notify", "record_within_days": 3, "max_prohibition_days": 365, "basis": "18 USC 2705(b)."}}}}
    assert api(client, issuer, "PUT", "/v1/admin/notice-policy", document)[0] == 200
    page = ops.get(PAGE)
    assert page.status_code == 200
    html = text(page)
    assert "<h1>User notice policy</h1>" in html
    fields = form_fields(html, PAGE)
    for kind in TYPES:
        assert fields[f"types.{kind}.action"] == policy["types"][kind]["action"]
        assert fields[f"types.{kind}.basis"] == policy["types"][kind]["basis"]
    assert fields["types.emergency_disclosure.delay_days"] == str(policy["types"]["emergency_disclosure"]["delay_days"])
    assert fields["types.data_disclosure.delay_days"] == ""
    # The jurisdiction's own rule is listed, with a link that fills the form with it and a button that removes it.
    assert "<h3>US · Data disclosure</h3>" in html and "18 USC 2705(b)." in html
    assert f'href="{PAGE}?country=US&amp;type=data_disclosure#override"' in html
    assert form_fields(html, REMOVE) == {"country": "US", "type": "data_disclosure"}
    edit = form_fields(text(ops.get(f"{PAGE}?country=US&type=data_disclosure")), OVERRIDE)
    assert (edit["country"], edit["type"], edit["action"], edit["record_within_days"]) == (
        "US", "data_disclosure", "notify", "3")
    # A type not yet set apart for a jurisdiction starts from the type's own rule.
    fresh = form_fields(text(ops.get(f"{PAGE}?country=de&type=emergency_disclosure")), OVERRIDE)
    assert (fresh["country"], fresh["action"], fresh["delay_days"]) == (
        "DE", "delay", str(policy["types"]["emergency_disclosure"]["delay_days"]))


def test_given_the_types_form_then_every_rule_is_saved_and_the_jurisdictions_stay(client, issuer, ops, policy):
    document = {**policy, "jurisdictions": {"US": {"data_disclosure": {"action": "notify", "basis": "US."}}}}
    assert api(client, issuer, "PUT", "/v1/admin/notice-policy", document)[0] == 200
    fields = form_fields(text(ops.get(PAGE)), PAGE)
    fields.update({"types.emergency_disclosure.delay_days": "21", "types.content_removal.record_within_days": "2",
                   "types.data_disclosure.max_prohibition_days": "180",
                   # a delay typed beside another action is not the rule's: it is left out
                   "types.content_removal.delay_days": "9"})
    saved = ops.post(PAGE, fields)
    assert saved.status_code == 303 and saved.headers["Location"] == f"{PAGE}?done=notice-policy#main"
    after = stored(client, issuer)
    assert after["types"]["emergency_disclosure"]["delay_days"] == 21
    assert after["types"]["content_removal"]["record_within_days"] == 2
    assert "delay_days" not in after["types"]["content_removal"]
    assert after["types"]["data_disclosure"]["max_prohibition_days"] == 180
    assert after["jurisdictions"] == {"US": {"data_disclosure": {  # as stored, its defaults filled in
        "action": "notify", "record_within_days": 7, "max_prohibition_days": 365, "basis": "US."}}}
    shown = text(ops.get(f"{PAGE}?done=notice-policy"))
    assert "Notice policy saved." in shown
    # The public policies say the same.
    public = {t["type"]: t for t in client.http.get("/v1/public/policies").json_body["types"]}
    assert public["emergency_disclosure"]["user_notice"]["delay_days"] == 21


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"types.emergency_disclosure.delay_days": ""}, "types.emergency_disclosure.delay_days",
     "delay_days is required with action &#39;delay&#39;, and only there"),
    ({"types.content_removal.action": "delay", "types.content_removal.delay_days": "5"}, None,
     "content_removal: only a disclosure&#39;s notice may be delayed"),
    ({"types.preservation.action": "notify"}, None, "preservation: a preservation discloses nothing"),
    ({"types.data_disclosure.record_within_days": "0"}, "types.data_disclosure.record_within_days",
     "Invalid form field &#39;types.data_disclosure.record_within_days&#39;"),
    ({"types.data_disclosure.basis": ""}, "types.data_disclosure.basis",
     "Missing form field &#39;types.data_disclosure.basis&#39;"),
    ({"types.data_disclosure.action": "tell"}, "types.data_disclosure.action",
     "Invalid form field &#39;types.data_disclosure.action&#39;"),
    ({"note": "x"}, None, "Unknown form field &#39;note&#39;."),
])
def test_given_a_refused_rule_then_400_the_schema_s_message_beside_the_form_and_what_was_typed(
        client, issuer, ops, policy, change, field, message):
    fields = {**form_fields(text(ops.get(PAGE)), PAGE), **change}
    refused = ops.post(PAGE, fields)
    html = text(refused)
    assert refused.status_code == 400 and message in html
    assert '<p class="notice notice-error" id="refusal-notice-types" role="alert">' in html
    if field:  # the control the message is about is marked, and points to it
        control = f'name="{field}"'
        tag = html[html.rindex("<", 0, html.index(control)):html.index(">", html.index(control))]
        assert 'aria-invalid="true"' in tag and "refusal-notice-types" in tag
    typed = form_fields(html, PAGE)
    for name, value in change.items():
        if name.startswith("types.") and value != "tell":
            assert typed[name] == value  # (a choice the select does not offer cannot be shown again)
    assert stored(client, issuer) == policy


def test_given_the_jurisdiction_form_then_a_rule_is_set_replaced_and_removed(client, issuer, ops, policy):
    fields = form_fields(text(ops.get(f"{PAGE}?country=PL&type=data_disclosure")), OVERRIDE)
    fields.update({"action": "notify", "record_within_days": "5", "basis": "Kodeks postępowania karnego, art. 218."})
    saved = ops.post(OVERRIDE, fields)
    assert saved.status_code == 303 and saved.headers["Location"] == f"{PAGE}?done=notice-override#main"
    rule = stored(client, issuer)["jurisdictions"]["PL"]["data_disclosure"]
    assert (rule["action"], rule["record_within_days"], rule["basis"]) == (
        "notify", 5, "Kodeks postępowania karnego, art. 218.")
    # Another type of the same jurisdiction, typed in lower case; then the first replaced.
    assert ops.post(OVERRIDE, {"country": "pl", "type": "emergency_disclosure", "action": "delay", "delay_days": "30",
                               "basis": "Policy."}).status_code == 303
    fields = form_fields(text(ops.get(f"{PAGE}?country=PL&type=data_disclosure")), OVERRIDE)
    assert fields["record_within_days"] == "5"
    fields["max_prohibition_days"] = "90"
    assert ops.post(OVERRIDE, fields).status_code == 303
    after = stored(client, issuer)["jurisdictions"]["PL"]
    assert set(after) == {"data_disclosure", "emergency_disclosure"}
    assert after["data_disclosure"]["max_prohibition_days"] == 90 and after["emergency_disclosure"]["delay_days"] == 30
    assert stored(client, issuer)["types"] == policy["types"]
    # Removed one by one: the jurisdiction goes once it has no rule of its own.
    removed = ops.post(REMOVE, {"country": "PL", "type": "emergency_disclosure"})
    assert removed.status_code == 303 and removed.headers["Location"] == f"{PAGE}?done=notice-override-removed#main"
    assert set(stored(client, issuer)["jurisdictions"]["PL"]) == {"data_disclosure"}
    assert ops.post(REMOVE, {"country": "PL", "type": "data_disclosure"}).status_code == 303
    assert "PL" not in stored(client, issuer)["jurisdictions"]
    gone = ops.post(REMOVE, {"country": "PL", "type": "data_disclosure"})
    assert gone.status_code == 404 and "PL has no rule of its own for data_disclosure" in text(gone)
    assert 'id="refusal-notice-remove"' in text(gone)


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"country": "XX"}, "country", "not ISO 3166-1 alpha-2 codes: XX"),
    ({"country": ""}, "country", "Give the jurisdiction&#39;s country code"),
    ({"type": "subpoena"}, "type", "Choose the type of request the rule is for."),
    ({"action": "delay", "delay_days": ""}, "delay_days", "delay_days is required with action &#39;delay&#39;"),
    ({"delay_days": "400", "action": "delay"}, "delay_days", "Invalid form field"),
    ({"type": "preservation"}, None, "preservation: a preservation discloses nothing"),
    ({"basis": HOSTILE}, None, "Liaison"),
])
def test_given_a_refused_jurisdiction_rule_then_its_message_beside_the_form_and_nothing_stored(
        client, issuer, ops, policy, change, field, message):
    fields = {"country": "PL", "type": "data_disclosure", "action": "notify", "basis": "Policy.", **change}
    answer = ops.post(OVERRIDE, fields)
    html = text(answer)
    if change.get("basis") == HOSTILE:  # not refused (one line, no control character): shown escaped, never run
        assert answer.status_code == 303
        listed = text(ops.get(PAGE))
        assert escaped(HOSTILE) in listed and HOSTILE not in listed
        return
    assert answer.status_code == 400 and message in html
    assert 'id="refusal-notice-override"' in html
    if field:
        control = f'name="{field}"'
        tag = html[html.rindex("<", 0, html.index(control)):html.index(">", html.index(control))]
        assert 'aria-invalid="true"' in tag
    typed = form_fields(html, OVERRIDE)
    assert typed["basis"] == fields["basis"] and typed["country"] == fields["country"]
    assert stored(client, issuer) == policy


def test_given_someone_not_an_admin_then_the_page_and_its_forms_are_refused(client, issuer, policy):
    rep = Browser(client)
    assert rep.get(PAGE).status_code == 403
    for action in (PAGE, OVERRIDE, REMOVE):
        assert rep.post(action, {"country": "PL", "type": "data_disclosure", "action": "notify",
                                 "basis": "x"}).status_code == 403
    assert stored(client, issuer) == policy


def test_given_a_post_without_its_csrf_token_then_nothing_changes(client, issuer, ops, policy):
    refused = ops.post(OVERRIDE, {"country": "PL", "type": "data_disclosure", "action": "notify", "basis": "x"},
                       csrf=None)
    assert refused.status_code == 403
    assert stored(client, issuer) == policy
