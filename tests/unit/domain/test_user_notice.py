"""The pure rules of user notice (chalicelib/domain/user_notice.py)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from chalicelib.domain import user_notice as rules
from chalicelib.domain.deadlines import RequestType
from chalicelib.errors import Conflict, Unprocessable

NOW = datetime(2026, 12, 1, 9, 30, tzinfo=timezone.utc)


def declared(**order) -> dict:
    notice = {"rule": rules.DEFAULT_RULES[RequestType.DATA_DISCLOSURE].model_dump(mode="json")}
    return {**notice, "prohibition": rules.prohibition_of(rules.NonDisclosure(legal_basis="2705(b)", **order),
                                                          "officer-1", "2026-12-01T09:30:00.000Z")}


def test_given_an_order_until_a_day_then_it_runs_through_that_day_and_ends_at_midnight_after():
    notice = declared(until=date(2026, 12, 10))
    assert notice["prohibition"]["ends_at"] == "2026-12-11T00:00:00.000Z"
    assert rules.prohibition_runs(notice, datetime(2026, 12, 10, 23, 59, tzinfo=timezone.utc))
    assert not rules.prohibition_runs(notice, datetime(2026, 12, 11, tzinfo=timezone.utc))
    with pytest.raises(Conflict) as refused:
        rules.check_recordable(rules.NoticeState.PROHIBITED, notice, NOW)
    assert refused.value.code == "notice_prohibited"
    rules.check_recordable(rules.NoticeState.PROHIBITED, notice, NOW + timedelta(days=10))


def test_given_an_indefinite_order_then_it_runs_until_ended_and_is_challengeable():
    notice = declared(indefinite=True, review_on=date(2027, 6, 1))
    assert rules.prohibition_runs(notice, NOW + timedelta(days=3000))
    assert rules.challengeable(notice, NOW)
    ended = {**notice, "prohibition": {**notice["prohibition"], "ended_at": "2026-12-02T00:00:00.000Z"}}
    assert not rules.prohibition_runs(ended, NOW) and not rules.challengeable(ended, NOW)


def test_given_an_order_longer_than_the_policy_then_it_is_challengeable_and_a_short_one_is_not():
    assert rules.challengeable(declared(until=date(2028, 1, 1)), NOW)
    assert not rules.challengeable(declared(until=date(2027, 6, 1)), NOW)


@pytest.mark.parametrize("order", [{}, {"indefinite": True}, {"until": "2027-01-01", "indefinite": True,
                                                               "review_on": "2027-02-01"},
                                   {"until": "2027-01-01", "review_on": "2027-02-01"}])
def test_given_an_order_without_exactly_an_end_or_a_review_then_it_is_refused(order):
    with pytest.raises(ValidationError):
        rules.NonDisclosure(legal_basis="2705(b)", **order)


@pytest.mark.parametrize("order, field", [({"until": date(2026, 11, 30)}, "until"),
                                          ({"indefinite": True, "review_on": date(2026, 12, 1)}, "review_on"),
                                          ({"until": date(2040, 1, 1)}, "until")])
def test_given_days_passed_or_beyond_any_real_order_then_422_names_the_field(order, field):
    with pytest.raises(Unprocessable) as refused:
        rules.check_declaration(rules.NonDisclosure(legal_basis="2705(b)", **order), NOW)
    assert refused.value.field == field


def test_given_the_defaults_then_each_type_has_a_rule_and_preservation_cannot_notify():
    policy = rules.NoticePolicy()
    assert set(policy.types) == set(RequestType)
    document = policy.model_dump(mode="json")
    document["types"]["preservation"] = {"action": "notify", "basis": "x"}
    with pytest.raises(ValidationError, match="preservation"):
        rules.NoticePolicy.model_validate(document)
    document = policy.model_dump(mode="json")
    document["types"]["content_removal"] = {"action": "delay", "delay_days": 3, "basis": "x"}
    with pytest.raises(ValidationError, match="only a disclosure"):
        rules.NoticePolicy.model_validate(document)
    document = policy.model_dump(mode="json")
    del document["types"]["data_disclosure"]
    with pytest.raises(ValidationError, match="missing: data_disclosure"):
        rules.NoticePolicy.model_validate(document)
    with pytest.raises(ValidationError, match="ISO"):
        rules.NoticePolicy.model_validate({**policy.model_dump(mode="json"), "jurisdictions": {"XX": {}}})


def test_given_a_jurisdiction_apart_then_its_rule_applies_there_only():
    us = rules.NoticeRule(action=rules.NoticeAction.NOT_APPLICABLE, basis="US desk practice")
    policy = rules.NoticePolicy(jurisdictions={"US": {RequestType.DATA_DISCLOSURE: us}})
    assert rules.initial(RequestType.DATA_DISCLOSURE, "US", None, policy)[0] is rules.NoticeState.NOT_APPLICABLE
    assert rules.initial(RequestType.DATA_DISCLOSURE, "FR", None, policy)[0] is \
        rules.NoticeState.NOTIFY_BEFORE_DISCLOSURE
    assert rules.initial(RequestType.EMERGENCY_DISCLOSURE, "US", None, policy)[0] is rules.NoticeState.DELAYED
    state, notice = rules.initial(RequestType.DATA_DISCLOSURE, "FR", {"form": "EPOC-PR"}, policy)
    assert state is rules.NoticeState.NOT_APPLICABLE and notice["reason"] == rules.ART_13
    assert rules.initial(RequestType.DATA_DISCLOSURE, "FR", {"form": "TCO-RO"}, policy)[0] is \
        rules.NoticeState.NOTIFY_BEFORE_DISCLOSURE


def test_given_a_policy_too_large_for_its_item_then_it_is_refused_and_one_of_a_size_is_taken():
    from chalicelib.domain.countries import is_country

    codes = [a + b for a in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" for b in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if is_country(a + b)]

    def policy(countries: int) -> dict:
        each = {kind.value: {"action": "notify", "basis": "B" * 500} for kind in RequestType}
        each[RequestType.PRESERVATION.value] = {"action": "not_applicable", "basis": "Nothing is disclosed."}
        return {"types": each, "jurisdictions": {code: each for code in codes[:countries]}}

    with pytest.raises(ValidationError, match="larger than 200 KB"):
        rules.NoticePolicy.model_validate(policy(120))
    assert len(rules.NoticePolicy.model_validate(policy(40)).jurisdictions) == 40
