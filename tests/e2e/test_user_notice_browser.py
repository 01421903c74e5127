"""User notice and non-disclosure orders in a real browser, against `make run` (issue 16 on the pages).

The desk's task: a content removal the desk fulfilled owes its user a notice at once (DSA Art. 9(5)); it is listed
under "User notice due" on the queue; the representative opens it, records the notice (first without a channel:
the API's refusal beside the form, the text kept), and the task leaves the queue.

The officer's order: on a data disclosure, the officer is told to attach the order first, attaches it through the
page, declares a non-disclosure order naming it (first without a date: the refusal beside the form, what was typed
kept), and sees the prohibition and its end. The representative, whose page was opened before the order came,
records a notice anyway: refused (409 notice_prohibited) beside the form, the text kept, and the page now says not
to tell the user. Each state is looked at by axe-core at 390 and 1280 px (``shoot``) and must show nothing;
screenshots go to build/screenshots/.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.test_console_browser import chromium, desk, shoot, signed_in  # noqa: F401
from tests.e2e.test_eu_answers_browser import as_rep

pytestmark = pytest.mark.e2e

NOTICE = ("A French police authority ordered us to remove a message you posted on 1 December 2026. We removed it "
          "today. You can contest the removal at https://platform.example/appeals.")
LAW = "18 USC 2705(b), order of the District Court, case 26-mj-104"
ORDER = b"%PDF-1.7\n% non-disclosure order\n" + bytes(range(256)) * 20


def test_given_a_removal_acted_on_then_the_desk_finds_its_notice_in_the_queue_and_records_it(
        chromium, desk):  # noqa: F811
    removal = desk.file(desk.fr, "content_removal", reference="CR-NOTICE-BROWSER")
    as_rep(desk, removal, "acknowledge", {})
    assert as_rep(desk, removal, "decision", {"outcome": "fulfilled"})["user_notice"]["state"] == "due"
    context, page = signed_in(chromium, desk, removal["assignee"], start="/console/queue")

    tasks = page.locator("section.notice-tasks")
    expect(tasks.get_by_role("heading", name="User notice due")).to_be_visible()
    task = tasks.locator("tbody tr").filter(has_text=removal["id"])
    expect(task).to_contain_text("Content removal")
    expect(task).to_contain_text("Notice due")
    expect(task).to_contain_text("left")
    shoot(page, "console-queue-notice-tasks")

    task.get_by_role("link", name=removal["id"]).click()
    expect(page.locator("section.primary")).to_contain_text("the user is still to be told")
    notice = page.locator("#notice")
    expect(notice).to_contain_text("Notice due now: record it by")
    expect(notice).to_contain_text("DSA Art. 9(5)")
    # No channel chosen (the browser's own check set aside): the API's refusal beside the form, the text kept.
    page.get_by_label("Text sent to the user, exactly as sent").fill(NOTICE)
    page.locator("#notice form").first.evaluate("form => form.noValidate = true")
    page.get_by_role("button", name="Record notice").click()
    expect(page.locator("#refusal-user-notice")).to_contain_text("channel")
    expect(page.get_by_label("Text sent to the user, exactly as sent")).to_have_value(NOTICE)
    shoot(page, "console-user-notice-refused")
    page.get_by_label("Channel").select_option("in_app")
    shoot(page, "console-user-notice-form")
    page.get_by_role("button", name="Record notice").click()
    expect(page.get_by_text("Notice to the user recorded")).to_be_visible()
    expect(notice).to_contain_text("Notified")
    expect(notice).to_contain_text("In app")
    expect(notice).to_contain_text("We removed it today.")
    expect(page.get_by_role("button", name="Record notice")).to_have_count(0)
    assert desk.seen_by_authority(removal["id"])["user_notice"]["state"] == "notified"
    shoot(page, "console-user-notice-recorded")

    page.goto(f"{desk.url}/console/queue")
    expect(page.locator("section.notice-tasks").get_by_role("link", name=removal["id"])).to_have_count(0)
    assert page.errors == []  # type: ignore[attr-defined]
    context.close()


def test_given_the_order_attached_then_the_officer_declares_it_and_the_desk_is_refused_a_notice(
        chromium, desk):  # noqa: F811
    disclosure = desk.file(desk.fr, "data_disclosure", reference="PV-ORDER-BROWSER")
    # The representative's page, opened while the notice is still owed before the disclosure.
    rep_context, rep_page = signed_in(chromium, desk, disclosure["assignee"],
                                      start=f"/console/requests/{disclosure['id']}")
    expect(rep_page.locator("#notice")).to_contain_text("a fulfilment is refused until this notice is recorded")
    expect(rep_page.get_by_role("button", name="Record notice")).to_be_visible()

    context, page = signed_in(chromium, desk, "officer-fr-lefevre", start=f"/console/requests/{disclosure['id']}")
    notice = page.locator("#notice")
    expect(notice).to_contain_text("Attach the order first")
    shoot(page, "portal-non-disclosure-attach-first")
    page.locator("#legal-process").set_input_files(
        {"name": "order-2705b.pdf", "mimeType": "application/pdf", "buffer": ORDER})
    page.get_by_role("button", name="Attach document").click()
    page.wait_for_url(f"**/console/requests/{disclosure['id']}?done=attach*", timeout=60_000)
    expect(page.locator("table.desk tbody tr").filter(has_text="order-2705b.pdf")).to_contain_text("Matches")

    # Until a day, but no day given: the refusal beside the form, what was typed kept.
    page.get_by_label("Legal basis of the order").fill(LAW)
    page.get_by_role("radio", name="Until a day").check()
    page.get_by_label("The order (a document your agency attached)").select_option(index=1)
    page.get_by_role("button", name="Declare order").click()
    expect(page.locator("#refusal-non-disclosure")).to_contain_text("'until'")
    expect(page.locator("#refusal-non-disclosure")).not_to_contain_text("field 'body'")  # no field nobody typed
    expect(page.get_by_label("Legal basis of the order")).to_have_value(LAW)
    expect(page.get_by_role("radio", name="Until a day")).to_be_checked()
    shoot(page, "portal-non-disclosure-refused")

    until = (date.today() + timedelta(days=90)).isoformat()
    page.get_by_label("Last day it applies (UTC)").fill(until)
    shoot(page, "portal-non-disclosure-form")
    page.get_by_role("button", name="Declare order").click()
    expect(page.get_by_text("Non-disclosure order declared")).to_be_visible()
    expect(notice).to_contain_text(f"Notice prohibited through {until}; the user may be told from the day after.")
    expect(notice).to_contain_text(LAW)
    expect(notice.get_by_role("link", name="order-2705b.pdf")).to_be_visible()
    expect(notice).to_contain_text("the user may be told from")
    expect(notice.locator("summary", has_text="End the order early")).to_be_visible()
    seen = desk.seen_by_authority(disclosure["id"])["user_notice"]
    assert (seen["state"], seen["prohibition"]["until"]) == ("prohibited", until)
    shoot(page, "portal-non-disclosure-declared")
    assert page.errors == []  # type: ignore[attr-defined]
    context.close()

    # The desk's page, still open on the form: the notice is refused beside it, the text kept.
    rep_page.get_by_label("Channel").select_option("email")
    rep_page.get_by_label("Text sent to the user, exactly as sent").fill("We are about to disclose your data.")
    rep_page.get_by_role("button", name="Record notice").click()
    expect(rep_page.locator("#refusal-user-notice")).to_contain_text(
        f"A non-disclosure order forbids telling the user through {until}")
    expect(rep_page.get_by_label("Text sent to the user, exactly as sent")).to_have_value(
        "We are about to disclose your data.")
    expect(rep_page.locator("#notice")).to_contain_text("Do not tell the user while the order runs.")
    assert desk.seen_by_authority(disclosure["id"])["user_notice"]["state"] == "prohibited"
    shoot(rep_page, "console-user-notice-prohibited")
    rep_page.goto(f"{desk.url}/console/requests/{disclosure['id']}")
    expect(rep_page.get_by_role("button", name="Record notice")).to_have_count(0)
    expect(rep_page.locator("#notice").get_by_role("link", name="order-2705b.pdf")).to_be_visible()
    assert rep_page.errors == []  # type: ignore[attr-defined]
    rep_context.close()
