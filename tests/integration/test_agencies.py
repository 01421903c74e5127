"""The agency registry (admins) and standing: only verified agencies' officers get in."""

from __future__ import annotations

import uuid

import pytest

from tests.helpers import FR, admin, authority, post, submission


def new_agency(**overrides):
    suffix = uuid.uuid4().hex[:8]
    body = {"id": f"it-police-{suffix}", "name": "Polizia Postale di Serravalle", "country": "IT",
            "kind": "police", "email_domain": "serravalle-polizia.example",
            "contact_email": "richieste@serravalle-polizia.example"}
    body.update(overrides)
    return body


def register(client, issuer, **overrides):
    return post(client, "/v1/admin/agencies", new_agency(**overrides), admin(issuer))


def change(client, issuer, agency_id, what):
    return post(client, f"/v1/admin/agencies/{agency_id}/{what}", {}, admin(issuer))


def test_given_a_new_agency_then_it_is_pending_and_its_officers_are_refused_until_verified(client, issuer):
    created = register(client, issuer)
    assert created.status_code == 201, created.body
    agency = created.json_body
    assert agency["standing"] == "pending" and agency["updated_by"] == "admin:admin-1"
    officer = authority(issuer, agency["id"], mfa=True)
    refused = post(client, "/v1/requests", submission(), officer)
    assert (refused.status_code, refused.json_body["code"]) == (403, "agency_not_verified")

    assert change(client, issuer, agency["id"], "verify").json_body["standing"] == "verified"
    accepted = post(client, "/v1/requests", submission(), officer)
    assert accepted.status_code == 201
    assert accepted.json_body["region"] == "eu"  # IT is routed to the eu desk


def test_given_a_suspension_then_live_tokens_are_refused_from_the_next_request_and_reinstatement_restores(
        client, issuer):
    agency = register(client, issuer).json_body
    change(client, issuer, agency["id"], "verify")
    officer = authority(issuer, agency["id"])
    created = post(client, "/v1/requests", submission(), officer).json_body
    assert client.http.get(f"/v1/requests/{created['id']}", headers=officer).status_code == 200

    assert change(client, issuer, agency["id"], "suspend").json_body["standing"] == "suspended"
    for method, path in [("GET", f"/v1/requests/{created['id']}"), ("GET", "/v1/requests"),
                         ("POST", "/v1/requests"), ("GET", "/v1/me")]:
        response = client.http.request(method, path, headers=officer,
                                       body=b"{}" if method == "POST" else b"")
        assert (response.status_code, response.json_body["code"]) == (403, "agency_suspended"), path

    assert change(client, issuer, agency["id"], "reinstate").json_body["standing"] == "verified"
    assert client.http.get(f"/v1/requests/{created['id']}", headers=officer).status_code == 200


def test_given_an_unregistered_agency_in_a_valid_token_then_403(client, issuer):
    response = client.http.get("/v1/requests", headers=authority(issuer, "no-such-agency"))
    assert (response.status_code, response.json_body["code"]) == (403, "agency_unknown")


@pytest.mark.parametrize(("standing_path", "code"), [
    (["verify", "verify"], "illegal_transition"),
    (["reinstate"], "illegal_transition"),
    (["verify", "suspend", "suspend"], "illegal_transition"),
])
def test_given_an_illegal_standing_change_then_409(client, issuer, standing_path, code):
    agency = register(client, issuer).json_body
    responses = [change(client, issuer, agency["id"], what) for what in standing_path]
    assert [r.status_code for r in responses[:-1]] == [200] * (len(responses) - 1)
    assert (responses[-1].status_code, responses[-1].json_body["code"]) == (409, code)


def test_given_an_unknown_agency_then_standing_changes_and_reads_are_404(client, issuer):
    assert change(client, issuer, "no-such-agency", "verify").status_code == 404
    assert client.http.get("/v1/admin/agencies/no-such-agency", headers=admin(issuer)).status_code == 404


def test_given_a_duplicate_id_then_409_and_the_first_is_untouched(client, issuer):
    first = register(client, issuer).json_body
    again = register(client, issuer, id=first["id"], name="Impostor")
    assert (again.status_code, again.json_body["code"]) == (409, "agency_exists")
    assert client.http.get(f"/v1/admin/agencies/{first['id']}", headers=admin(issuer)).json_body["name"] == \
        first["name"]


@pytest.mark.parametrize(("overrides", "field"), [
    ({"country": "XX"}, "country"), ({"country": "fra"}, "country"), ({"country": "fr"}, "country"),
    ({"kind": "militia"}, "kind"), ({"id": "Bad Id!"}, "id"), ({"id": "ab"}, "id"),
    ({"email_domain": "not a domain"}, "email_domain"), ({"contact_email": "no-at-sign"}, "contact_email"),
    ({"contact_email": "someone@gmail.example"}, "contact_email"), ({"name": "x" * 201}, "name"),
    ({"standing": "verified"}, "standing"), ({"version": 3}, "version"),
])
def test_given_an_invalid_agency_then_400_naming_the_field(client, issuer, overrides, field):
    response = register(client, issuer, **overrides)
    assert response.status_code == 400, response.body
    assert response.json_body["field"] == field


def test_given_a_contact_in_a_subdomain_with_capitals_then_accepted_and_normalised(client, issuer):
    response = register(client, issuer, contact_email="Duty.Officer@Cyber.Serravalle-Polizia.example")
    assert response.status_code == 201
    assert response.json_body["contact_email"] == "Duty.Officer@cyber.serravalle-polizia.example"


def test_given_the_registry_then_it_lists_by_id_with_pages_and_a_standing_filter(client, issuer):
    created = {register(client, issuer, id=f"zz-page-{n}").json_body["id"] for n in range(3)}
    change(client, issuer, "zz-page-1", "verify")
    seen, cursor = [], ""
    while True:
        page = client.http.get(f"/v1/admin/agencies?limit=2{cursor}", headers=admin(issuer)).json_body
        assert len(page["items"]) <= 2
        seen += [item["id"] for item in page["items"]]
        if not page.get("next_cursor"):
            break
        cursor = f"&cursor={page['next_cursor']}"
    assert seen == sorted(seen) and created <= set(seen) and FR in seen
    pending = client.http.get("/v1/admin/agencies?standing=pending&limit=100", headers=admin(issuer)).json_body
    pending_ids = {item["id"] for item in pending["items"]}
    assert {"zz-page-0", "zz-page-2"} <= pending_ids and "zz-page-1" not in pending_ids and FR not in pending_ids


@pytest.mark.parametrize(("method", "path"), [
    ("POST", "/v1/admin/agencies"), ("GET", "/v1/admin/agencies"), ("GET", f"/v1/admin/agencies/{FR}"),
    ("POST", f"/v1/admin/agencies/{FR}/verify"), ("POST", f"/v1/admin/agencies/{FR}/suspend"),
    ("POST", f"/v1/admin/agencies/{FR}/reinstate"),
])
@pytest.mark.parametrize("role, claims", [("authority", {"agency_id": FR}), ("representative", {"region": "eu"})])
def test_given_a_non_admin_then_admin_routes_answer_403_and_change_nothing(client, issuer, method, path, role,
                                                                           claims):
    token = issuer.mint(role=role, sub=f"{role}-1", mfa=True, **claims)
    response = client.http.request(method, path, headers={"Authorization": f"Bearer {token}",
                                                          "Content-Type": "application/json"},
                                   body=b"{}" if method == "POST" else b"")
    assert (response.status_code, response.json_body["code"]) == (403, "role_not_allowed")
    assert client.http.get(f"/v1/admin/agencies/{FR}", headers=admin(issuer)).json_body["standing"] == "verified"


@pytest.mark.parametrize("agency_id", ["A" * 3000, "UPPER", "x"])
def test_given_a_malformed_agency_id_in_the_path_then_404_without_echo(client, issuer, agency_id):
    for response in (client.http.get(f"/v1/admin/agencies/{agency_id}", headers=admin(issuer)),
                     change(client, issuer, agency_id, "verify")):
        assert (response.status_code, response.json_body["code"]) == (404, "not_found")
        assert agency_id not in response.json_body["message"]
