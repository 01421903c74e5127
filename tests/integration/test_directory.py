"""The public directory: where each jurisdiction's authorities write; kept by admins."""

from __future__ import annotations

import copy
import json

import pytest

from chalicelib.services import directory
from tests.helpers import FR, admin, authority, bearer


def put(client, path, body, headers):
    return client.http.put(path, body=json.dumps(body).encode(), headers=headers)


def test_given_no_token_then_the_directory_lists_every_routed_country_with_its_contact(client):
    response = client.http.get("/v1/public/contacts")
    assert response.status_code == 200 and "public" in response.headers["Cache-Control"]
    body = response.json_body
    assert body["version"] >= 3 and body["updated_at"] and body["api_base_url"] == "https://liaison.test"
    by_country = {e["country"]: e for e in body["jurisdictions"]}
    assert by_country["FR"]["region"] == by_country["DE"]["region"] == "eu"
    eu = by_country["FR"]["contact"]
    assert eu["establishment"]["kind"] == "legal_representative" and eu["establishment"]["postal_address"]
    assert eu["emergency"]["hours"] == "24/7" and "fr" in eu["languages"] and eu["onboarding"]["email"]
    assert by_country["US"]["contact"]["establishment"]["kind"] == "designated_establishment"
    assert body["default"]["region"] == "eu" and body["default"]["rule"] == "default_region"


@pytest.mark.parametrize(("country", "region", "rule"), [
    ("FR", "eu", "country:FR"), ("fr", "eu", "country:FR"), ("US", "us", "country:US"),
    ("AE", "mena", "country:AE"), ("BR", "eu", "default_region"),
])
def test_given_a_country_then_its_contact_or_the_default_one(client, country, region, rule):
    body = client.http.get(f"/v1/public/contacts?country={country}").json_body
    [entry] = body["jurisdictions"]
    assert (entry["country"], entry["region"], entry["rule"]) == (country.upper(), region, rule)
    assert entry["contact"]["establishment"]["email"].endswith("@liaison-platform.example")


@pytest.mark.parametrize(("country", "status", "code"), [
    ("XX", 404, "unknown_country"), ("F1", 400, "invalid_country"), ("FRA", 400, "invalid_country"),
    ("", 400, "invalid_country"),
])
def test_given_an_unknown_or_malformed_country_then_4xx_pointing_to_the_default_contact(client, country, status,
                                                                                       code):
    response = client.http.get(f"/v1/public/contacts?country={country}")
    assert (response.status_code, response.json_body["code"]) == (status, code)
    assert response.json_body["default"]["contact"]["establishment"]["email"]


@pytest.fixture
def eu_contact(client, issuer):
    before = client.http.get("/v1/public/contacts?country=FR").json_body["jurisdictions"][0]["contact"]
    yield copy.deepcopy(before)
    put(client, "/v1/admin/contacts/eu", before, admin(issuer))
    directory.forget()


def test_given_an_admin_edit_then_the_directory_shows_it_with_a_new_version(client, issuer, eu_contact):
    version = client.http.get("/v1/public/contacts").json_body["version"]
    eu_contact["establishment"]["email"] = "new-eu-legal@liaison-platform.example"
    stored = put(client, "/v1/admin/contacts/eu", eu_contact, admin(issuer))
    assert stored.status_code == 200, stored.body
    assert stored.json_body["version"] == version + 1
    fr = client.http.get("/v1/public/contacts?country=FR").json_body["jurisdictions"][0]
    assert fr["contact"]["establishment"]["email"] == "new-eu-legal@liaison-platform.example"


@pytest.mark.parametrize(("path", "change", "status", "code"), [
    ("/v1/admin/contacts/eu", {"establishment": {"email": "not-an-address"}}, 400, "invalid_field"),
    ("/v1/admin/contacts/eu", {"languages": []}, 400, "invalid_field"),
    ("/v1/admin/contacts/eu", {"emergency": {"phone": "call us"}}, 400, "invalid_field"),
    ("/v1/admin/contacts/eu", {"version": 7}, 400, "unknown_field"),
    ("/v1/admin/contacts/atlantis", {}, 404, "unknown_region"),
    ("/v1/admin/contacts/BAD_REGION", {}, 404, "unknown_region"),
])
def test_given_a_bad_contact_edit_then_4xx_and_the_directory_stands(client, issuer, eu_contact, path, change, status,
                                                                   code):
    body = copy.deepcopy(eu_contact)
    for key, value in change.items():
        body[key] = {**body[key], **value} if isinstance(value, dict) and isinstance(body.get(key), dict) else value
    response = put(client, path, body, admin(issuer))
    assert (response.status_code, response.json_body["code"]) == (status, code), response.body
    assert client.http.get("/v1/public/contacts?country=FR").json_body["jurisdictions"][0]["contact"] == eu_contact


def test_given_a_non_admin_then_the_directory_cannot_be_edited(client, issuer, eu_contact):
    rep = bearer(issuer.mint(role="representative", sub="rep-eu-okafor", region="eu", mfa=True))
    for headers in (authority(issuer, FR), rep):
        assert put(client, "/v1/admin/contacts/eu", eu_contact, headers).status_code == 403


def test_given_a_routing_change_then_the_directory_has_a_new_version_and_no_desk_is_left_without_a_contact(
        client, issuer):
    routing = client.http.get("/v1/admin/routing", headers=admin(issuer)).json_body["document"]
    version = client.http.get("/v1/public/contacts").json_body["version"]
    changed = {**routing, "regions": {**routing["regions"], "apac": {"name": "Asia-Pacific desk"}},
               "countries": {**routing["countries"], "JP": "apac"}}
    try:
        assert put(client, "/v1/admin/routing", changed, admin(issuer)).status_code == 200
        body = client.http.get("/v1/public/contacts?country=JP").json_body
        assert body["version"] == version + 1
        [japan] = body["jurisdictions"]
        assert japan["region"] == "apac" and "default desk" in japan["rule"]
        assert japan["contact"]["establishment"]["email"] == body["default"]["contact"]["establishment"]["email"]
    finally:
        put(client, "/v1/admin/routing", routing, admin(issuer))
        directory.forget()


def test_given_a_long_country_parameter_then_400_still_points_to_the_default_contact(client):
    response = client.http.get("/v1/public/contacts?country=" + "F" * 30)
    assert (response.status_code, response.json_body["code"]) == (400, "invalid_country")
    assert response.json_body["default"]["contact"]
