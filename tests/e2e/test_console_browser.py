"""The console in a real browser, against `make run`, clicking what a person clicks.

Playwright drives Debian's Chromium (it cannot download its own browsers here). Given a stack with requests
filed by two agencies, a representative signs in through the local provider's page (typing their id), triages
the queue, opens a request, acknowledges it, asks a question, decides once the authority answered, and signs
out; the old cookie then lands on the sign-in page. A representative of another region gets 404; a request
whose every text field holds script and event-handler payloads shows them literally and runs none; a POST
without the CSRF token changes nothing. axe-core runs on every page visited and must find nothing.
Screenshots of each page are written to build/screenshots/ (the console's pictures in the README and
docs/console.md are copies of them, in docs/images/).

Without Chromium the module is skipped, saying how to run it, unless LIAISON_REQUIRE_CHROMIUM is set
(.ci/run sets it): then it fails.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect

from tests.e2e.browser import chromium as launch, require_browser
from tests.e2e.test_local_stack import ROOT, ready
from tests.helpers import submission

pytestmark = pytest.mark.e2e

SHOTS = Path(os.environ.get("LIAISON_SCREENSHOTS", ROOT / "build" / "screenshots"))
HOSTILE = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">"\'&amp;'


class Desk:
    """The stack, and the API calls an authority makes around the browser's clicks."""

    def __init__(self, running) -> None:
        self.running = running
        self.url = running.url
        tokens = json.loads((running.state_dir / "tokens.json").read_text())
        self.fr = tokens["authorities"][0]["token"]  # fr-valmont-cyber → region eu
        self.us = next(a["token"] for a in tokens["authorities"] if a["agency_id"].startswith("us-"))

    def file(self, token: str, kind: str = "data_disclosure", **overrides) -> dict:
        answer = requests.post(f"{self.url}/v1/requests", json=submission(kind, **overrides), timeout=30,
                               headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 201, answer.text
        return answer.json()

    def seen_by_authority(self, request_id: str, token: str | None = None) -> dict:
        return requests.get(f"{self.url}/v1/requests/{request_id}", timeout=30,
                            headers={"Authorization": f"Bearer {token or self.fr}"}).json()

    def answer(self, request_id: str, body: str) -> None:
        answered = requests.post(f"{self.url}/v1/requests/{request_id}/messages", json={"body": body}, timeout=30,
                                 headers={"Authorization": f"Bearer {self.fr}"})
        assert answered.status_code == 200, answered.text


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    require_browser()
    running = ready(tmp_path_factory.mktemp("state"))
    try:
        yield Desk(running)
    finally:
        if running.process.poll() is None:
            running.interrupt()


@pytest.fixture(scope="module")
def chromium(desk):
    with launch() as browser:
        yield browser


def no_axe_violations(page, name: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    result = Axe().run(page)
    found = [(v["id"], v["help"], len(v["nodes"])) for v in result.response.get("violations", [])]
    assert result.violations_count == 0, f"{name}: {found}"


def shoot(page, name: str) -> None:
    """Both widths a person uses, saved for people to look at; axe at each."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in ((390, 844), (1280, 900)):
        page.set_viewport_size({"width": width, "height": height})
        assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{name} is wider than {width} px"
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
        no_axe_violations(page, f"{name} at {width} px")
    page.set_viewport_size({"width": 1280, "height": 900})


def signed_in(chromium, desk, sub: str, start: str = "/console/"):
    """A fresh browser, signed in as ``sub`` by typing it into the provider's page."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("dialog", lambda dialog: errors.append(f"dialog: {dialog.message}") or dialog.dismiss())
    page.goto(f"{desk.url}{start}")
    page.fill("input[name=sub]", sub)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(f"{desk.url}/console/**")
    page.errors = errors  # type: ignore[attr-defined]
    return context, page


def test_given_a_representative_then_they_triage_act_and_sign_out_in_the_browser(chromium, desk):
    routine = desk.file(desk.fr, "data_disclosure", reference="PV-BROWSER-1",
                        description="Subscriber information of the account.")
    desk.file(desk.fr, "terrorist_content_removal", reference="TCO-BROWSER-1")
    context, page = signed_in(chromium, desk, "rep-eu-lindqvist")

    # The queue: most urgent first (the TCO order's 15 minutes before the routine 24 hours), then filtered.
    expect(page.get_by_role("heading", name="Open requests · EU")).to_be_visible()
    rows = page.locator("table.desk tbody tr")
    assert rows.count() >= 2
    assert "TCO removal (1 h)" in rows.first.inner_text()
    shoot(page, "console-queue")
    page.get_by_label("Type").select_option("data_disclosure")
    page.get_by_role("button", name="Filter").click()
    assert page.locator("table.desk tbody tr").count() == 1

    # The request page, then each step of the desk.
    page.get_by_role("link", name=routine["id"]).click()
    expect(page.get_by_role("heading", name=f"Data disclosure {routine['id']}")).to_be_visible()
    expect(page.get_by_text("The evidence verifies")).to_be_visible()
    shoot(page, "console-request")
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_text("Acknowledged: escalation stopped.")).to_be_visible()
    page.get_by_text("Ask the authority for information").click()
    page.get_by_label("Question").fill("Which time zone are the timestamps in?")
    page.get_by_role("button", name="Request information").click()
    expect(page.locator(".status-line").get_by_text("Awaiting information").first).to_be_visible()
    desk.answer(routine["id"], "All timestamps are in UTC.")
    page.reload()
    expect(page.get_by_text("All timestamps are in UTC.")).to_be_visible()
    # A refused decision keeps what was typed and shows the API's reason beside the form.
    page.get_by_label("Outcome", exact=True).select_option("rejected")
    page.get_by_label("Note", exact=True).fill("Scope too wide for one account.")
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_text("A reason is required unless the request is fulfilled in full.").first).to_be_visible()
    assert page.get_by_label("Note", exact=True).input_value() == "Scope too wide for one account."
    no_axe_violations(page, "request page with a refusal")
    page.get_by_label("Reason (required unless fulfilled in full)").select_option("overbroad")
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_text("Decision recorded.")).to_be_visible()
    assert desk.seen_by_authority(routine["id"])["status"] == "rejected"
    assert page.errors == []  # type: ignore[attr-defined]

    # Sign out: our session ends, then the provider's; the old cookie then lands on the sign-in page.
    old_cookies = context.cookies()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{desk.running.oidc_url}/oauth2/end_session?**")  # the provider's own sign-out page
    page.get_by_role("button", name="End session").click()
    page.wait_for_url(f"{desk.url}/console/signed-out")
    expect(page.get_by_role("heading", name="You are signed out")).to_be_visible()
    shoot(page, "console-signed-out")
    context.close()
    replay = chromium.new_context()
    replay.add_cookies(old_cookies)
    again = replay.new_page()
    again.goto(f"{desk.url}/console/queue")
    expect(again.locator("input[name=sub]")).to_be_visible()  # the provider's sign-in form, not the queue
    replay.close()


def test_given_another_regions_representative_then_the_request_is_404(chromium, desk):
    eu_request = desk.file(desk.fr)
    context, page = signed_in(chromium, desk, "rep-us-jordan")
    answer = page.goto(f"{desk.url}/console/requests/{eu_request['id']}")
    assert answer.status == 404 and page.get_by_role("heading", name="Not found").is_visible()
    no_axe_violations(page, "404 page")
    context.close()


def test_given_script_in_every_text_field_then_it_is_shown_literally_and_nothing_runs(chromium, desk):
    hostile = desk.file(desk.fr, "emergency_disclosure", reference=HOSTILE[:120], legal_basis=HOSTILE,
                        description=HOSTILE, targets=[{"kind": "username", "value": HOSTILE}],
                        emergency={"threat": HOSTILE, "callback_number": "+33 1 23 45 67 89"})
    context, page = signed_in(chromium, desk, "rep-eu-okafor", f"/console/requests/{hostile['id']}")
    expect(page.get_by_role("heading", name=f"Emergency disclosure {hostile['id']}")).to_be_visible()
    page.get_by_text("Reply with a message").click()
    page.get_by_role("textbox", name="Message").fill(HOSTILE)
    page.get_by_role("button", name="Send message").click()
    page.goto(f"{desk.url}/console/requests/{hostile['id']}")
    assert page.evaluate("window.__pwned") is None
    assert page.locator("img[src=x]").count() == 0 and page.locator("main script").count() == 0
    body = page.locator("main").inner_text()
    assert body.count("<script>window.__pwned = 1</script>") >= 6  # reference, basis, description, target...
    page.goto(f"{desk.url}/console/queue")
    assert page.evaluate("window.__pwned") is None and HOSTILE[:40] in page.locator("main").inner_text()
    assert page.errors == []  # type: ignore[attr-defined]
    context.close()


def test_given_a_post_without_its_csrf_token_then_nothing_changes(chromium, desk):
    created = desk.file(desk.fr)
    context, page = signed_in(chromium, desk, "rep-eu-lindqvist", f"/console/requests/{created['id']}")
    forged = page.request.post(f"{desk.url}/console/requests/{created['id']}/acknowledge",
                               form={"note": "no token"}, max_redirects=0)
    assert forged.status == 403
    assert desk.seen_by_authority(created["id"])["status"] == "assigned"
    context.close()


def test_given_the_lead_then_the_region_page_passes_axe(chromium, desk):
    desk.file(desk.fr, "preservation")
    context, page = signed_in(chromium, desk, "lead-eu-rossi", "/console/lead")
    expect(page.get_by_role("heading", name="Region EU")).to_be_visible()
    shoot(page, "console-lead")
    context.close()


def test_given_the_admin_then_every_admin_page_passes_axe_and_a_registration_works(chromium, desk):
    context, page = signed_in(chromium, desk, "admin-platform-ops")
    expect(page.get_by_role("heading", name="Agencies")).to_be_visible()
    for path, name in (("/console/admin", "admin-agencies"), ("/console/admin/representatives", "admin-representatives"),
                       ("/console/admin/routing", "admin-routing"), ("/console/admin/contacts", "admin-contacts"),
                       ("/console/admin/risk-tiers", "admin-risk-tiers"),
                       ("/console/admin/notice-policy", "admin-notice-policy")):
        page.goto(f"{desk.url}{path}")
        shoot(page, name)
    page.goto(f"{desk.url}/console/admin")
    page.get_by_label("Identifier").fill("be-browser-police")
    page.get_by_label("Name").fill("Police fédérale (test)")
    page.get_by_label("Country").fill("BE")
    page.get_by_label("Kind").select_option("police")
    page.get_by_label("E-mail domain").fill("police-test.example")
    page.get_by_label("Contact e-mail").fill("requests@police-test.example")
    page.get_by_role("button", name="Register agency").click()
    page.wait_for_url("**/console/admin?**done=register**")
    row = page.locator("tbody tr").filter(has_text="be-browser-police")
    assert "Pending" in row.inner_text()
    row.get_by_role("button", name="Verify").click()
    page.wait_for_url("**done=verify**")
    page.goto(f"{desk.url}/console/admin?standing=verified")
    assert "Verified" in page.locator("tbody tr").filter(has_text="be-browser-police").inner_text()
    assert page.errors == []  # type: ignore[attr-defined]
    context.close()


def test_given_an_officer_then_their_requests_page_passes_axe(chromium, desk):
    created = desk.file(desk.fr, reference="PV-OFFICER-1")
    context, page = signed_in(chromium, desk, "officer-fr-lefevre")
    expect(page.get_by_role("link", name=created["id"])).to_be_visible()
    shoot(page, "console-officer-requests")
    page.get_by_role("link", name=created["id"]).click()
    expect(page.get_by_text("PV-OFFICER-1").first).to_be_visible()
    assert page.get_by_role("button", name="Acknowledge").count() == 0  # no desk action for an officer
    shoot(page, "console-officer-request")
    context.close()


def test_given_an_emergency_then_its_safeguard_forms_and_a_refused_fulfilment_pass_axe(chromium, desk):
    """The states of the request page the first walk does not reach: the call-back forms of an emergency, and the
    refusal of a fulfilment before any call-back (409 beside the form)."""
    emergency = desk.file(desk.fr, "emergency_disclosure", reference="EMERG-AXE-1")
    assignee = desk.seen_by_authority(emergency["id"])["assignee"]
    context, page = signed_in(chromium, desk, assignee, start=f"/console/requests/{emergency['id']}")
    expect(page.get_by_role("heading", name=f"Emergency disclosure {emergency['id']}")).to_be_visible()
    shoot(page, "console-emergency")
    page.get_by_role("button", name="Acknowledge").click()
    page.get_by_label("Outcome", exact=True).select_option("fulfilled")
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_role("alert").first).to_be_visible()
    assert desk.seen_by_authority(emergency["id"])["status"] != "fulfilled"
    shoot(page, "console-emergency-refused")
    assert page.errors == []  # type: ignore[attr-defined]
    context.close()
