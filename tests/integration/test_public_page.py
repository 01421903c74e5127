"""The public page (/v1/public) and its stylesheet: strict headers, no script or inline style, each desk once
with the countries it serves, every value escaped. How it looks and axe-core's verdict: tests/e2e."""

from __future__ import annotations

import copy
import html
import json
import re
from collections import defaultdict
from pathlib import Path

import pytest

from chalicelib.api import page
from chalicelib.services import directory
from tests.helpers import admin

CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'none'")
DESK = re.compile(r'<article class="desk" id="desk-([^"]+)"[^>]*>(.*?)</article>', re.S)
SERVES = re.compile(r'<p class="serves"><span class="term">Countries</span> (.*?)</p>', re.S)


def put(client, path, body, headers):
    return client.http.put(path, body=json.dumps(body).encode(), headers=headers)


def public_page(client) -> str:
    response = client.http.get("/v1/public")
    assert response.status_code == 200, response.body
    return response.body.decode()


def desks(text: str) -> dict[str, str]:
    found = DESK.findall(text)
    assert len(found) == len({region for region, _ in found}), "a desk is shown more than once"
    return dict(found)


def test_given_the_page_then_it_carries_a_strict_csp_nosniff_and_a_same_origin_referrer_policy(client):
    response = client.http.get("/v1/public")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.headers["Content-Security-Policy"] == CSP
    assert "unsafe" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "public, max-age=300"


def test_given_the_stylesheet_route_then_it_serves_the_pages_css_cacheable_and_nosniff(client):
    response = client.http.get("/v1/public/page.css")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/css; charset=utf-8"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "public, max-age=300"
    css = response.body.decode()
    assert css == (Path(page.__file__).with_name("page.css")).read_text(encoding="utf-8")
    assert "#monthly-chart" in css and ".desks" in css
    # The page's CSP does not apply to the stylesheet's own response; the page links it from our origin.
    assert "Content-Security-Policy" not in response.headers
    assert '<link rel="stylesheet" href="public/page.css">' in public_page(client)


def test_given_the_openapi_document_then_the_stylesheet_route_is_a_public_text_css_operation(client):
    operation = client.http.get("/openapi.json").json_body["paths"]["/v1/public/page.css"]["get"]
    assert operation["security"] == [] and "text/css" in operation["responses"]["200"]["content"]


def test_given_the_page_then_it_has_no_script_no_inline_style_and_no_event_handler(client):
    text = public_page(client)
    assert not re.search(r"<script|<style|\sstyle\s*=|\son[a-z]+\s*=|javascript:", text, re.I)


def test_given_the_page_then_its_parts_sit_in_landmarks_and_its_tables_are_labelled(client):
    text = public_page(client)
    assert text.count("<main>") == 1 and text.count("<header") == 1 and text.count("<footer>") == 1
    assert text.index("</header>") < text.index("<main>") < text.index("</main>") < text.index("<footer>")
    assert re.search(r"<main>.*<h2 id=\"directory\">.*<h2 id=\"policies\">.*<h2 id=\"transparency\">.*</main>",
                     text, re.S)
    tables = re.findall(r"<table\b.*?</table>", text, re.S)
    assert len(tables) >= 3
    for table in tables:
        assert "<caption" in table and '<th scope="col"' in table
    # Each table scrolls on its own in a labelled region instead of widening the page.
    assert text.count('<div class="scroll" role="region" aria-labelledby="') == len(tables)


def test_given_the_directory_then_each_desk_is_shown_once_with_the_countries_it_serves(client):
    contacts = client.http.get("/v1/public/contacts").json_body
    served = defaultdict(list)
    for entry in contacts["jurisdictions"]:
        served[entry["region"]].append(entry["country"])
    text = public_page(client)
    shown = desks(text)
    default = contacts["default"]["region"]
    assert set(shown) == set(served) | {default}
    for region, body in shown.items():
        [countries] = SERVES.findall(body)
        listed = re.findall(r"\b[A-Z]{2}\b", countries)
        assert listed == sorted(served[region]), (region, countries)
        assert ("default desk" in body) == (region == default)
    assert "every country no other desk lists" in shown[default]
    # Each desk's contact appears once on the page, not once per country.
    for entry in [contacts["default"], *contacts["jurisdictions"]]:
        email = entry["contact"]["establishment"]["email"]
        assert text.count(f">{email}<") == 1, email
        assert email in shown[entry["region"]]
    assert list(shown)[0] == default  # the default desk comes first


def test_given_a_desk_without_a_contact_of_its_own_then_it_points_to_the_default_desk(client, issuer):
    routing = client.http.get("/v1/admin/routing", headers=admin(issuer)).json_body["document"]
    changed = {**routing, "regions": {**routing["regions"], "apac": {"name": "Asia-Pacific desk"}},
               "countries": {**routing["countries"], "JP": "apac", "KR": "apac"}}
    try:
        assert put(client, "/v1/admin/routing", changed, admin(issuer)).status_code == 200
        shown = desks(public_page(client))
        assert SERVES.findall(shown["apac"]) == ["JP, KR"]
        assert "No contact of its own" in shown["apac"] and f'href="#desk-{routing["default_region"]}"' in shown["apac"]
        assert "<dl>" not in shown["apac"]  # the default desk's contact is shown once, under the default desk
    finally:
        put(client, "/v1/admin/routing", routing, admin(issuer))
        directory.forget()


@pytest.fixture
def eu_contact(client):
    before = client.http.get("/v1/public/contacts?country=FR").json_body["jurisdictions"][0]["contact"]
    return copy.deepcopy(before)


HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)> & \'Desk\' <style>*{}</style>'


def test_given_a_hostile_contact_name_then_the_page_shows_it_escaped(client, issuer, eu_contact):
    hostile = copy.deepcopy(eu_contact)
    hostile["establishment"]["name"] = HOSTILE
    hostile["onboarding"]["instructions"] = "Write to us <b>now</b> & \"quickly\"."
    try:
        assert put(client, "/v1/admin/contacts/eu", hostile, admin(issuer)).status_code == 200
        text = public_page(client)
        assert html.escape(HOSTILE) in text
        assert html.escape('Write to us <b>now</b> & "quickly".') in text
        assert "<script" not in text and "<img" not in text and "<style" not in text and "<b>now" not in text
    finally:
        put(client, "/v1/admin/contacts/eu", eu_contact, admin(issuer))
        directory.forget()


def test_given_the_page_then_it_still_shows_the_request_types_the_report_and_the_chart(client):
    text = public_page(client)
    for kind in ("data_disclosure", "preservation", "content_removal", "emergency_disclosure",
                 "terrorist_content_removal"):
        assert f"<code>{kind}</code>" in text
    assert 'id="policies-table"' in text and 'id="timing-table"' in text and 'id="counts-table"' in text
    assert "Emergency disclosure requests:" in text and "Transparency report, " in text


def test_given_monthly_figures_then_the_chart_scales_and_gives_its_figures_as_a_table():
    monthly = [{"month": "2031-01", "type": "data_disclosure", "received": 3},
               {"month": "2031-03", "type": "content_removal", "received": 5},
               {"month": "2031-03", "type": "preservation", "received": 1}]
    svg = page.chart(monthly)
    assert svg.count('class="bar"') == 3 and "style=" not in svg
    assert re.search(r'<desc id="chart-desc">[^<]*2031-02: 0', svg)  # the empty month is a gap, said so
    assert '<table id="monthly-table">' in svg and "<td class=\"n\">6</td>" in svg  # March's total
    assert page.chart([]) == '<p class="note" id="chart-empty">No requests in this period.</p>'


def test_given_the_page_then_it_sends_officers_to_the_portal_s_sign_in_and_its_application_form(client):
    """Issue 14, point 9."""
    from chalicelib.settings import get_settings

    page = client.http.get("/v1/public").body.decode()
    portal = get_settings().console_base_url.rstrip("/")
    assert f'<a href="{portal}/">officers\' portal</a>' in page
    assert f'<a href="{portal}/apply">applies for an account</a>' in page
