"""Notices say what happened and where, never who is targeted; every one links to the request's console page."""

from __future__ import annotations

import re

import pytest

from chalicelib.notify import publisher as publisher_module
from chalicelib.notify.notices import agency_notice
from chalicelib.notify.publisher import Publisher, request_page
from chalicelib.settings import get_settings

BASE = dict(request_id="LR-ABC", request_type="data_disclosure", region="eu", reference="PV-1",
            due_at="2026-12-08T14:01:28.158Z", link="https://liaison.example/console/requests/LR-ABC")
JSON_URL = re.compile(r"https?://\S*/v1/")  # a link to the JSON API, which answers 401 in a browser


def links_to_its_page(text: str, request_id: str) -> bool:
    """The text links to the console page of the request, and to no JSON endpoint."""
    page = f"{get_settings().console_base_url}/requests/{request_id}"
    return page in text and not JSON_URL.search(text)


@pytest.mark.parametrize(("kind", "extra", "expected"), [
    ("acknowledged", {}, "acknowledged your request"),
    ("information_requested", {"question": "Which account?"}, "Question: Which account?"),
    ("decided", {"outcome": "rejected", "reason": "overbroad"}, "rejected (reason: overbroad)"),
])
def test_given_each_kind_then_the_notice_names_the_request_its_deadline_and_link(kind, extra, expected):
    notice = agency_notice(kind, **BASE, **extra)
    assert "LR-ABC" in notice.subject
    for fragment in ("LR-ABC", "PV-1", "data disclosure", "eu desk", BASE["due_at"], BASE["link"], expected):
        assert fragment in notice.text
    assert not JSON_URL.search(notice.text)


def test_given_an_unknown_kind_then_no_notice():
    with pytest.raises(ValueError):
        agency_notice("gossip", **BASE)


def test_given_a_request_then_its_page_is_under_the_console_base_url(monkeypatch):
    assert request_page("LR-ABC") == f"{get_settings().console_base_url}/requests/LR-ABC"
    slashed = get_settings().model_copy(update={"console_base_url": "https://liaison.example/console/"})
    monkeypatch.setattr(publisher_module, "get_settings", lambda: slashed)
    assert request_page("LR-ABC") == "https://liaison.example/console/requests/LR-ABC"


class FakeSns:
    def __init__(self) -> None:
        self.published: list[dict] = []

    def publish(self, **call):
        self.published.append(call)
        return {"MessageId": "m-1"}


@pytest.fixture
def sns(monkeypatch) -> FakeSns:
    fake = FakeSns()
    monkeypatch.setattr(publisher_module, "client", lambda service: fake)
    return fake


def test_given_a_notice_to_a_representative_then_it_ends_with_the_request_page(sns):
    assert Publisher().notify_representative("eu", "rep-eu-okafor", "LR-ABC", "Request LR-ABC was reassigned to you.")
    message = sns.published[0]["Message"]
    assert message == f"Request LR-ABC was reassigned to you. {request_page('LR-ABC')}"
    assert links_to_its_page(message, "LR-ABC")


def test_given_an_operator_alert_then_it_ends_with_the_request_page(sns):
    assert Publisher().alert_operators("Request LR-ABC is stored but its timers did not start.", "LR-ABC")
    assert sns.published[0]["TopicArn"] == get_settings().operator_alerts_topic_arn
    assert links_to_its_page(sns.published[0]["Message"], "LR-ABC")


@pytest.mark.parametrize(("lead", "topic"), [("lead-eu-rossi", "representatives_topic_arn"),
                                             (None, "operator_alerts_topic_arn")])
def test_given_a_flag_to_the_lead_or_operators_then_it_links_to_the_request_page_once(sns, lead, topic):
    assert Publisher().tell_lead("eu", lead, "LR-ABC", "First emergency request from this agency.")
    (sent,) = sns.published
    assert sent["TopicArn"] == getattr(get_settings(), topic)
    assert sent["Message"].startswith("FLAGGED: First emergency request from this agency. ")
    assert links_to_its_page(sent["Message"], "LR-ABC") and sent["Message"].count("/requests/LR-ABC") == 1


def test_given_the_workflow_then_every_message_it_publishes_links_to_the_console_page():
    """The state machine builds the link from the ConsoleBaseUrl substitution, never from the API's base URL."""
    from infra.statemachine import generate

    published = {name: state["Parameters"]["Message.$"] for name, state in generate.states.items()
                 if state.get("Resource") == "arn:aws:states:::sns:publish"}
    # Seven notices to representatives with their failure alerts (assignment, escalation, breach, the end of the
    # enforcing authority's wait, a user notice due, a user notice overdue, a non-disclosure order's review day), two
    # operator alerts, four agency notices (breach, hold reminder, hold expired, the order's review day).
    assert len(published) == 20
    for name, message in published.items():
        assert message.startswith("States.Format('"), name
        template, arguments = message[len("States.Format('"):].split("', ", 1)
        assert template.endswith("${ConsoleBaseUrl}/requests/{}"), name
        assert arguments.endswith("$.request_id)"), name  # the last {} is the request's id
        assert template.count("{}") == len(re.findall(r"\$\.[a-z_.]+|States\.\w+\(", arguments)), name
        assert "$.link" not in message, name


def test_given_a_resync_then_it_reaches_the_annex_v_hold_and_the_enforcing_wait_before_closing():
    """Where the workflow goes after reading the request: a hold kept until production is not a closed request, and
    an acknowledged EPOC still in the enforcing authority's 10 days waits them out (and records their end)."""
    from infra.statemachine import generate

    rules = [choice["Next"] for choice in generate.states["WhereItStands"]["Choices"]]
    assert rules.index("AwaitProduction") < rules.index("Closed")
    assert rules.index("ResumeEnforcingWait") < rules.index("ResumeDecisionTimer")
    assert generate.states["ResumeEnforcingWait"]["Next"] == "AwaitEnforcingAuthority"
    projected = generate.states["Resync"]["Parameters"]["ProjectionExpression"]
    assert "enforcing_timer" in projected and "enforcing_wait_over" in projected
