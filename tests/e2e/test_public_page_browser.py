"""The public pages in a real browser, from a `make run` stack: at a phone's 390 px and a desk's 1280 px each is no
wider than the screen, its files load under its CSP (nothing refused), and axe-core finds no violation. The public
page (`/v1/public`), and the API reference (`/docs`, Swagger UI), where a bearer token from the local issuer is
given under Authorize and `GET /v1/me` tried out answers 200.

Playwright drives Debian's Chromium (it cannot download its own browsers here). Without Chromium the test is
skipped, saying how to run it, unless LIAISON_REQUIRE_CHROMIUM is set (.ci/run sets it): then it fails.
Screenshots of both widths are left in the test's tmp_path.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import boto3
import pytest
import requests

from tests.e2e.browser import chromium, require_browser
from tests.e2e.test_local_stack import Running, ready, seed_closed_day
from tests.helpers import submission

pytestmark = pytest.mark.e2e

WIDTHS = {390: 844, 1280: 900}


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    require_browser()
    running = ready(tmp_path_factory.mktemp("state"))
    try:
        # One request filed today (not reported until the day is closed).
        token = json.loads((running.state_dir / "tokens.json").read_text())["authorities"][0]["token"]
        created = requests.post(f"{running.url}/v1/requests", json=submission("content_removal"), timeout=30,
                                headers={"Authorization": f"Bearer {token}"})
        assert created.status_code == 201, created.text
        # The report covers closed days only: six requests received yesterday, banded "5+" in the chart.
        seed_closed_day(running)
        seed_official_forms(running)
        yield running
    finally:
        if running.process.poll() is None:
            running.interrupt()


def seed_official_forms(running: Running) -> None:
    """Yesterday's tallies of orders filed as EU official forms and of Annex III answers, so the page's tables of
    them have rows (exact, banded and withheld) when axe looks at them."""
    counters = {"f|EPOC|FR|received": 6, "f|EPOC|FR|decided": 6, "f|EPOC|FR|ontime": 6, "fack|EPOC|FR|34": 6,
                "fdec|EPOC|FR|50": 6, "f|EPOC|DE|received": 1, "f|TCO-RO|DE|received": 2,
                "a3|e-Evidence Annex III|incomplete": 5, "a3|e-Evidence Annex III|data_not_stored": 1}
    dynamodb = boto3.client("dynamodb", endpoint_url=f"http://127.0.0.1:{running.moto_port}", region_name="eu-west-1",
                            aws_access_key_id="local", aws_secret_access_key="local")
    [table] = [name for name in dynamodb.list_tables()["TableNames"] if "report" in name.lower()]
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    names = {f"#c{index}": name for index, name in enumerate(counters)}
    dynamodb.update_item(TableName=table, Key={"period": {"S": "day"}, "slot": {"S": f"{yesterday}#1"}},
                         UpdateExpression="ADD " + ", ".join(f"#c{index} :c{index}" for index in range(len(counters))),
                         ExpressionAttributeNames=names,
                         ExpressionAttributeValues={f":c{index}": {"N": str(value)}
                                                    for index, value in enumerate(counters.values())})


@pytest.fixture(scope="module")
def browser(stack):
    with chromium() as launched:
        yield launched


@pytest.mark.parametrize("width", sorted(WIDTHS))
def test_given_the_public_page_at_a_phones_and_a_desks_width_then_it_fits_loads_its_css_and_axe_finds_nothing(
        stack, browser, width, tmp_path):
    from axe_playwright_python.sync_playwright import Axe

    context = browser.new_context(viewport={"width": width, "height": WIDTHS[width]})
    try:
        page = context.new_page()
        console: list[str] = []
        page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
        response = page.goto(f"{stack.url}/v1/public")
        assert response is not None and response.status == 200
        assert "style-src 'self'" in response.headers["content-security-policy"]
        page.screenshot(path=str(tmp_path / f"public-{width}.png"), full_page=True)

        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= width, f"the page is {scroll_width} px wide in a {width} px viewport"
        # The stylesheet came from our origin and applied: the desks are a grid, one column on a phone.
        assert page.evaluate("getComputedStyle(document.getElementById('desks')).display") == "grid"
        columns = page.evaluate("getComputedStyle(document.getElementById('desks')).gridTemplateColumns")
        assert (len(columns.split()) == 1) == (width == 390), columns
        assert page.locator(".desk").count() == 3  # the seeded desks: EU (default), MENA, US, each once
        assert page.locator("#monthly-chart rect.bar").count() >= 1
        # The orders filed as EU official forms (a row per form with orders, EPOC and TCO-RO, and State, DE and FR),
        # and the Annex III answers in words.
        assert page.locator("#forms-states-table tbody tr").count() == 4
        assert page.locator("#e-evidence-annex-iii-table").get_by_text("The order is incomplete").count() == 1
        assert not [line for line in console if line.startswith("error")], console  # no CSP refusal, no 404

        result = Axe().run(page)
        found = [(v["id"], len(v["nodes"])) for v in result.response.get("violations", [])]
        assert result.violations_count == 0, found
    finally:
        context.close()


# The policy's refusals, as the page sees them (a console message is not guaranteed for each).
CSP_VIOLATIONS = ("window.__refused = []; document.addEventListener('securitypolicyviolation', "
                  "event => window.__refused.push(event.violatedDirective + ' ' + event.blockedURI));")


def axe_violations(page) -> list[tuple[str, int]]:
    from axe_playwright_python.sync_playwright import Axe

    result = Axe().run(page)
    return [(v["id"], len(v["nodes"])) for v in result.response.get("violations", [])]


@pytest.mark.parametrize("width", sorted(WIDTHS))
def test_given_the_api_reference_when_authorized_with_a_bearer_token_then_get_me_tried_out_answers_200(
        stack, browser, width, tmp_path):
    token = json.loads((stack.state_dir / "tokens.json").read_text())["authorities"][0]["token"]
    context = browser.new_context(viewport={"width": width, "height": WIDTHS[width]})
    try:
        page = context.new_page()
        console: list[str] = []
        page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
        page.add_init_script(CSP_VIOLATIONS)

        # Given the reference page, drawn by Swagger UI from our origin under a policy with nothing inline.
        response = page.goto(f"{stack.url}/docs")
        assert response is not None and response.status == 200
        policy = response.headers["content-security-policy"]
        assert "script-src 'self';" in policy and "style-src 'self';" in policy and "unsafe" not in policy
        page.locator(".opblock").first.wait_for()
        assert page.locator("#operations-identity-get_v1_me").count() == 1
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= width, f"the page is {scroll_width} px wide in a {width} px viewport"
        page.screenshot(path=str(tmp_path / f"docs-{width}.png"))
        assert axe_violations(page) == []

        # When a bearer token is given under Authorize...
        page.locator(".scheme-container .btn.authorize").click()
        dialog = page.locator(".modal-ux")
        dialog.locator("input").fill(token)
        dialog.locator(".btn.modal-btn.auth.authorize").click()
        assert dialog.get_by_text("Authorized").count() >= 1
        assert axe_violations(page) == []
        dialog.locator(".btn-done").click()

        # ... and GET /v1/me is tried out.
        operation = page.locator("#operations-identity-get_v1_me")
        operation.locator(".opblock-summary-control").click()
        operation.locator(".try-out__btn").click()
        operation.locator(".btn.execute").click()
        status = operation.locator(".live-responses-table .response .response-col_status").first
        status.wait_for()

        # Then the API answered 200 with the token's own person.
        assert status.inner_text().strip() == "200"
        body = json.loads(operation.locator(".live-responses-table .response-col_description pre").first.inner_text())
        assert (body["subject"], body["role"], body["agency_id"]) == ("officer-fr-lefevre", "authority",
                                                                      "fr-valmont-cyber")
        page.screenshot(path=str(tmp_path / f"docs-me-{width}.png"))
        assert axe_violations(page) == []
        assert page.evaluate("window.__refused") == []
        assert not [line for line in console if line.startswith("error")], console
    finally:
        context.close()
