"""The officers' portal in a real browser, against `make run`: an officer files a new request (issue 14 point 3),
then works on a request's page (points 7 and 4).

From the officer's home, "New request", choose the type, fill the form, add then remove a target row (no script
involved: the buttons post the form), see a field error beside its field with everything typed kept, submit,
land on the request page; a double click on "Submit request" files one request, as the API sees.

On a request's page the officer attaches legal process (our script sends the form with XMLHttpRequest and shows
a <progress>, then follows the redirect to the page with the document's SHA-256 and "Matches"; a refused type
comes back beside the form), answers the platform's question (the decide-by date moves later), and withdraws
another request with a reason. axe-core on each page at 390 and 1280 px.
"""

from __future__ import annotations

import hashlib
import json

import requests
from playwright.sync_api import expect

from tests.e2e.test_console_browser import SHOTS, chromium, desk, no_axe_violations, shoot, signed_in  # noqa: F401

import pytest

pytestmark = pytest.mark.e2e


def references(desk) -> list[str]:  # noqa: F811 - the fixture's value
    answer = requests.get(f"{desk.url}/v1/requests?limit=100", timeout=30,
                          headers={"Authorization": f"Bearer {desk.fr}"})
    return [item["reference"] for item in answer.json()["items"]]


def test_given_an_officer_then_they_file_a_request_in_the_browser(chromium, desk):  # noqa: F811
    context, page = signed_in(chromium, desk, "officer-fr-lefevre", start="/console/requests")
    page.get_by_role("link", name="New request").click()
    expect(page.get_by_role("heading", name="New request")).to_be_visible()
    shoot(page, "portal-new-choose")
    page.get_by_label("Type", exact=True).select_option("data_disclosure")
    page.get_by_role("button", name="Continue").click()

    page.get_by_label("Reference", exact=True).fill("PV-PORTAL-1")
    page.get_by_label("Legal basis", exact=True).fill("Code de procédure pénale, art. 60-1")
    page.get_by_label("Language", exact=True).fill("French")  # not a BCP 47 tag: the API refuses it
    page.get_by_label("Description", exact=True).fill("Subscriber data of the account.")
    page.get_by_label("Target kind", exact=True).select_option("username")
    page.get_by_label("Target value", exact=True).fill("suspect_account_42")
    page.get_by_label("Subscriber", exact=True).check()
    page.get_by_role("button", name="Add a target").click()
    page.locator("#targets-1-kind").select_option("phone")
    page.locator("#targets-1-value").fill("+33 6 00 00 00 00")
    page.get_by_role("button", name="Add a target").click()
    page.get_by_role("button", name="Remove target 3").click()
    expect(page.locator("#targets-2-value")).to_have_count(0)
    expect(page.get_by_label("Reference", exact=True)).to_have_value("PV-PORTAL-1")

    page.get_by_role("button", name="Submit request").click()
    expect(page.locator("#err-language")).to_contain_text("Invalid body field 'language'")
    expect(page.get_by_label("Target value", exact=True).nth(1)).to_have_value("+33 6 00 00 00 00")
    expect(page.get_by_label("Subscriber", exact=True)).to_be_checked()
    shoot(page, "portal-new-error")
    page.get_by_label("Language", exact=True).fill("fr")
    page.get_by_role("button", name="Submit request").dblclick()  # a double click files one request
    page.wait_for_url(f"{desk.url}/console/requests/LR-*")
    expect(page.get_by_text("PV-PORTAL-1")).to_be_visible()
    assert references(desk).count("PV-PORTAL-1") == 1
    assert not page.errors  # type: ignore[attr-defined]
    context.close()


def representative(stack, request_id: str) -> dict[str, str]:
    """The bearer token of the request's assignee (the stack's seeded tokens)."""
    tokens = json.loads((stack.running.state_dir / "tokens.json").read_text())
    assignee = stack.seen_by_authority(request_id)["assignee"]
    return {"Authorization": "Bearer " + next(r["token"] for r in tokens["representatives"] if r["rep_id"] == assignee)}


def asked(stack, request_id: str, question: str) -> None:
    """The request's representative acknowledges it and asks the agency a question (the clock pauses)."""
    headers = representative(stack, request_id)
    for path, body in (("acknowledge", {}), ("request-information", {"question": question})):
        answer = requests.post(f"{stack.url}/v1/requests/{request_id}/{path}", json=body, headers=headers, timeout=30)
        assert answer.status_code == 200, answer.text


def test_given_an_officer_then_they_attach_answer_and_withdraw_on_the_request_page(chromium, desk):  # noqa: F811
    from chalicelib.web.render import when

    answered = desk.file(desk.fr, reference="PV-PORTAL-ANSWER")
    withdrawn = desk.file(desk.fr, reference="PV-PORTAL-WITHDRAW")
    asked(desk, answered["id"], "Which time zone are the timestamps in?")
    paused = desk.seen_by_authority(answered["id"])
    assert paused["status"] == "awaiting_information"

    context, page = signed_in(chromium, desk, "officer-fr-lefevre", start="/console/requests")
    page.get_by_role("link", name=answered["id"]).click()
    expect(page.get_by_role("heading", name="Next step: answer the platform's question")).to_be_visible()
    expect(page.get_by_text("Which time zone are the timestamps in?").first).to_be_visible()
    assert page.get_by_role("button", name="Acknowledge").count() == 0  # no desk action for an officer
    shoot(page, "portal-request")

    # Larger than a page takes: the script says so before sending anything (the server refuses it too, 413).
    page.locator("#legal-process").set_input_files(
        {"name": "scan.pdf", "mimeType": "application/pdf", "buffer": b"%PDF" + bytes(5 * 1024 * 1024)})
    page.get_by_role("button", name="Attach document").click()
    expect(page.locator(".upload-progress")).to_contain_text("at most 4 MB")
    # A refused type: the API's 415 message comes back beside the form (the script swaps the page's content).
    page.locator("#legal-process").set_input_files(
        {"name": "tool.exe", "mimeType": "application/x-msdownload", "buffer": b"MZ" + bytes(100)})
    page.get_by_role("button", name="Attach document").click()
    expect(page.locator("#refusal-attach")).to_contain_text("Documents may be")
    no_axe_violations(page, "request page with a refused upload")

    # Legal process, uploaded slowly enough to watch the progress bar, then checked: "Matches".
    order = b"%PDF-1.7\n% ordonnance\n" + bytes(range(256)) * 6000  # about 1.5 MB
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 20, "downloadThroughput": -1,
                                                  "uploadThroughput": 512 * 1024})
    page.locator("#legal-process").set_input_files(
        {"name": "ordonnance.pdf", "mimeType": "application/pdf", "buffer": order})
    with page.expect_request(lambda r: r.url.endswith("/attach") and r.resource_type == "xhr"):
        page.get_by_role("button", name="Attach document").click()
    expect(page.get_by_role("progressbar", name="Upload progress")).to_be_visible()
    expect(page.locator("#refusal-attach")).to_have_count(0)  # the earlier refusal is not about this file
    expect(page.locator(".upload-progress")).to_contain_text("ordonnance.pdf")
    page.screenshot(path=str(SHOTS / "portal-request-uploading-1280.png"))
    page.wait_for_url(f"**/console/requests/{answered['id']}?done=attach*", timeout=60_000)
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 0, "downloadThroughput": -1,
                                                  "uploadThroughput": -1})
    expect(page.get_by_text("Document attached; its SHA-256 check is shown under Documents.")).to_be_visible()
    row = page.locator("table.desk tbody tr").filter(has_text="ordonnance.pdf")
    expect(row).to_contain_text("Matches")
    expect(row).to_contain_text(hashlib.sha256(order).hexdigest())

    # The answer: the clock restarts, the decide-by date moves later by the time it was paused.
    page.get_by_label("Your answer").fill("All timestamps are in UTC.")
    page.get_by_role("button", name="Send answer").click()
    expect(page.get_by_text("Answer sent.")).to_be_visible()
    after = desk.seen_by_authority(answered["id"])
    assert after["status"] == "acknowledged" and after["due_at"] > paused["due_at"]
    expect(page.get_by_role("status").filter(has_text="Answer sent.")).to_contain_text(when(after["due_at"]))
    expect(page.locator(".thread")).to_contain_text("All timestamps are in UTC.")
    shoot(page, "portal-request-answered")

    # Another request, withdrawn with a reason.
    page.goto(f"{desk.url}/console/requests/{withdrawn['id']}")
    page.get_by_label("Reason (optional; kept in the request's timeline)").fill("Filed twice; see PV-PORTAL-ANSWER.")
    page.get_by_role("button", name="Withdraw request").click()
    expect(page.get_by_text("Request withdrawn: the platform stops working on it.")).to_be_visible()
    expect(page.locator(".status-line")).to_contain_text("Withdrawn")
    expect(page.locator("ol.timeline")).to_contain_text("Filed twice; see PV-PORTAL-ANSWER.")
    assert page.get_by_role("button", name="Withdraw request").count() == 0
    assert desk.seen_by_authority(withdrawn["id"])["status"] == "withdrawn"
    shoot(page, "portal-request-withdrawn")
    assert not page.errors  # type: ignore[attr-defined]
    context.close()
