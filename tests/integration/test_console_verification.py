"""The console's side of issue 13, point 4: a request's page shows its call-back history, and the region's lead
(only they) gets a form to clear a failed call-back, with a reason, CSRF-protected like every other form."""

from __future__ import annotations

from tests.helpers import post
from tests.integration.test_console import Browser, api_get, filed, text
from tests.integration.test_safeguards import rep

LEAD, LINDQVIST = "lead-eu-rossi", "rep-eu-lindqvist"
FAILED = {"method": "phone_callback", "number_source": "official_directory", "outcome": "failed",
          "note": "Nobody <b>there</b> by that name."}
CLEAR_BUTTON = ">Clear failed call-back</button>"


def failed_emergency(client, issuer) -> str:
    request_id = filed(client, issuer, "emergency_disclosure")["id"]
    assert post(client, f"/v1/requests/{request_id}/acknowledge", {}, rep(issuer)).status_code == 200
    assert Browser(client, sub=LINDQVIST).post(f"/console/requests/{request_id}/verification", FAILED
                                               ).status_code == 303
    return request_id


def test_given_a_failed_callback_then_the_page_shows_the_history_and_only_the_lead_can_clear_it(client, issuer):
    rid = failed_emergency(client, issuer)
    desk, lead = Browser(client, sub=LINDQVIST), Browser(client, sub=LEAD)
    page = text(desk.get(f"/console/requests/{rid}"))
    assert "Call-back history (1)" in page and "Failed call-back not cleared" in page
    assert "Nobody &lt;b&gt;there&lt;/b&gt; by that name." in page  # the note, escaped
    assert CLEAR_BUTTON not in page
    refused = desk.post(f"/console/requests/{rid}/clear-verification", {"reason": "I say so."})
    assert refused.status_code == 403 and "Only the region&#39;s lead" in text(refused)
    assert CLEAR_BUTTON in text(lead.get(f"/console/requests/{rid}"))

    assert lead.post(f"/console/requests/{rid}/clear-verification", {"reason": "x"}, csrf=None).status_code == 403
    blank = lead.post(f"/console/requests/{rid}/clear-verification", {"reason": ""})
    assert blank.status_code == 400 and "Missing form field &#39;reason&#39;" in text(blank)
    assert api_get(client, issuer, f"/v1/requests/{rid}")["safeguards"]["verification_uncleared"] is True

    done = lead.post(f"/console/requests/{rid}/clear-verification",
                     {"reason": "Reached the duty officer through the ministry directory: the first call misdialled."})
    assert done.status_code == 303 and done.headers["Location"].endswith("done=clear-verification#top")
    page = text(lead.get(f"/console/requests/{rid}?done=clear-verification"))
    assert "Failed call-back cleared." in page and "Call-back history (2)" in page
    assert "Failure cleared" in page and "the first call misdialled" in page
    assert CLEAR_BUTTON not in page and "Failed call-back not cleared" not in page
    view = api_get(client, issuer, f"/v1/requests/{rid}")["safeguards"]
    assert [v["outcome"] for v in view["verifications"]] == ["failed", "cleared"]
    assert view["verification_uncleared"] is False


def test_given_an_officer_then_their_page_shows_no_callback_history(client, issuer):
    rid = failed_emergency(client, issuer)
    officer = Browser(client, "authority", "officer-fr-lefevre", agency_id="fr-valmont-cyber")
    page = text(officer.get(f"/console/requests/{rid}"))
    assert "Call-back history" not in page and "Nobody" not in page and CLEAR_BUTTON not in page
