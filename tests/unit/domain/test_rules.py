"""Pure rules: deadlines, lifecycle, routing, agency standing, cursors. No AWS."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.clock import isoformat, parse_instant
from chalicelib.domain.agencies import Standing, StandingChange, next_standing
from chalicelib.domain.deadlines import DeadlinePolicy, RequestType
from chalicelib.domain.lifecycle import DECIDED, OPEN, Action, Status, next_status
from chalicelib.domain.routing import RoutingRules
from chalicelib.errors import BadRequest, Conflict
from chalicelib.store import cursor

RECEIVED = datetime(2026, 11, 28, 3, 7, 12, 345000, tzinfo=UTC)


def test_given_the_default_policy_then_each_type_has_its_legal_clock():
    policy = DeadlinePolicy()
    expected = {
        RequestType.TERRORIST_CONTENT_REMOVAL: (timedelta(minutes=15), timedelta(hours=1)),
        RequestType.EMERGENCY_DISCLOSURE: (timedelta(minutes=15), timedelta(hours=8)),
        RequestType.DATA_DISCLOSURE: (timedelta(hours=24), timedelta(days=10)),
        RequestType.PRESERVATION: (timedelta(hours=24), timedelta(hours=24)),
        RequestType.CONTENT_REMOVAL: (timedelta(hours=24), timedelta(hours=72)),
    }
    for kind, (ack, resolve) in expected.items():
        deadlines = policy.deadlines(kind, RECEIVED)
        assert (deadlines.ack_due_at - RECEIVED, deadlines.due_at - RECEIVED) == (ack, resolve), kind


def test_given_overrides_then_only_the_named_clock_changes():
    policy = DeadlinePolicy({"data_disclosure": {"acknowledge_minutes": 60}})
    assert policy.deadlines(RequestType.DATA_DISCLOSURE, RECEIVED).ack_due_at == RECEIVED + timedelta(hours=1)
    assert policy.deadlines(RequestType.DATA_DISCLOSURE, RECEIVED).due_at == RECEIVED + timedelta(days=10)
    assert policy.deadlines(RequestType.PRESERVATION, RECEIVED).ack_due_at == RECEIVED + timedelta(hours=24)


@pytest.mark.parametrize("overrides", [{"wiretap": {"acknowledge_minutes": 1}},
                                       {"preservation": {"acknowledge_minutes": 10_000}}])
def test_given_nonsense_overrides_then_the_policy_refuses_them(overrides):
    with pytest.raises(ValueError):
        DeadlinePolicy(overrides)


def test_given_an_instant_then_it_is_stored_fixed_width_and_parses_back():
    text = isoformat(RECEIVED)
    assert text == "2026-11-28T03:07:12.345Z"
    assert parse_instant(text) == RECEIVED
    assert isoformat(datetime(2026, 1, 2, tzinfo=UTC)) < isoformat(datetime(2026, 1, 10, tzinfo=UTC))


@pytest.mark.parametrize(("current", "action", "expected"), [
    (Status.RECEIVED, Action.ASSIGN, Status.ASSIGNED),
    (Status.ACKNOWLEDGED, Action.ASSIGN, Status.ACKNOWLEDGED),
    (Status.ASSIGNED, Action.ACKNOWLEDGE, Status.ACKNOWLEDGED),
    (Status.ACKNOWLEDGED, Action.REQUEST_INFORMATION, Status.AWAITING_INFORMATION),
    (Status.AWAITING_INFORMATION, Action.ANSWER, Status.ACKNOWLEDGED),
    *[(status, Action.WITHDRAW, Status.WITHDRAWN) for status in sorted(OPEN)],
])
def test_given_a_legal_transition_then_the_next_status(current, action, expected):
    assert next_status(current, action) == expected


@pytest.mark.parametrize(("current", "action"), [
    *[(status, Action.WITHDRAW) for status in sorted(DECIDED | {Status.WITHDRAWN})],
    (Status.RECEIVED, Action.DECIDE), (Status.AWAITING_INFORMATION, Action.DECIDE),
    (Status.ACKNOWLEDGED, Action.ACKNOWLEDGE), (Status.RECEIVED, Action.ANSWER),
    *[(status, action) for status in sorted(DECIDED) for action in Action],
])
def test_given_an_illegal_transition_then_409(current, action):
    with pytest.raises(Conflict) as caught:
        next_status(current, action, Status.FULFILLED)
    assert caught.value.code == "illegal_transition"


def test_given_a_decision_then_its_outcome_is_the_status():
    assert next_status(Status.ACKNOWLEDGED, Action.DECIDE, Status.REJECTED) is Status.REJECTED
    with pytest.raises(ValueError):
        next_status(Status.ACKNOWLEDGED, Action.DECIDE, Status.WITHDRAWN)


def test_given_routing_rules_then_listed_countries_go_to_their_region_and_others_to_the_default():
    rules = RoutingRules.from_document({"countries": {"FR": "eu", "US": "us"}, "default_region": "eu"})
    assert rules.region_for("US") == ("us", "country:US")
    assert rules.region_for("BR") == ("eu", "default_region")


@pytest.mark.parametrize(("current", "change", "expected"), [
    (Standing.PENDING, StandingChange.VERIFY, Standing.VERIFIED),
    (Standing.PENDING, StandingChange.SUSPEND, Standing.SUSPENDED),
    (Standing.VERIFIED, StandingChange.SUSPEND, Standing.SUSPENDED),
    (Standing.SUSPENDED, StandingChange.REINSTATE, Standing.VERIFIED),
])
def test_given_a_standing_change_then_the_next_standing(current, change, expected):
    assert next_standing(current, change) is expected


@pytest.mark.parametrize(("current", "change"), [
    (Standing.VERIFIED, StandingChange.VERIFY), (Standing.SUSPENDED, StandingChange.VERIFY),
    (Standing.PENDING, StandingChange.REINSTATE), (Standing.VERIFIED, StandingChange.REINSTATE),
    (Standing.SUSPENDED, StandingChange.SUSPEND),
])
def test_given_an_illegal_standing_change_then_409(current, change):
    with pytest.raises(Conflict):
        next_standing(current, change)


KEYS = ("agency_id", "received_at", "request_id")


def test_given_a_cursor_then_it_round_trips_only_for_its_own_partition():
    key = {"agency_id": {"S": "fr-a"}, "received_at": {"S": "2026"}, "request_id": {"S": "LR-1"}}
    token = cursor.encode(key)
    assert cursor.decode(token, keys=KEYS, pinned={"agency_id": "fr-a"}) == key
    with pytest.raises(BadRequest):
        cursor.decode(token, keys=KEYS, pinned={"agency_id": "de-b"})
    assert cursor.encode(None) is None and cursor.decode(None, keys=KEYS, pinned={}) is None


@pytest.mark.parametrize("key", [
    {"agency_id": {"S": "fr-a"}},  # keys missing
    {"agency_id": {"S": "fr-a"}, "received_at": {"N": "1"}, "request_id": {"S": "LR-1"}},  # wrong type
    {"agency_id": {"S": "fr-a"}, "received_at": {"S": "2026"}, "request_id": {"S": "LR-1"}, "x": {"S": "y"}},
    {"agency_id": {"S": "fr-a"}, "received_at": {"S": ""}, "request_id": {"S": "LR-1"}},
    {"agency_id": {"S": "fr-a"}, "received_at": {"S": "2026", "N": "1"}, "request_id": {"S": "LR-1"}},
    {"agency_id": {"S": "fr-a"}, "received_at": ["2026"], "request_id": {"S": "LR-1"}},
])
def test_given_a_cursor_not_shaped_like_the_index_key_then_400(key):
    with pytest.raises(BadRequest):
        cursor.decode(cursor.encode(key), keys=KEYS, pinned={"agency_id": "fr-a"})


@pytest.mark.parametrize("token", ["!!!", "e30", "W10", "eyJhIjogMX0", "x" * 2000])
def test_given_a_forged_cursor_then_400(token):
    with pytest.raises(BadRequest):
        cursor.decode(token, keys=KEYS, pinned={"agency_id": "fr-a"})


@pytest.mark.parametrize("text", ["2026-11-28T15:03:02.860575+00:00", "2026-11-28T15:03:02.860Z",
                                  "2026-11-28T16:03:02.860+01:00"])
def test_given_a_workflow_timestamp_then_it_is_served_in_the_api_format(text):
    from chalicelib.clock import normalize

    assert normalize(text) == "2026-11-28T15:03:02.860Z"
