"""The safeguard rules on their own (issue 13, points 4 and 5): the kept call-back history and its clearance,
and "someone else" meaning another registered person."""

from __future__ import annotations

import pytest

from chalicelib.domain.decisions import Outcome
from chalicelib.domain.safeguards import Person, canonical_subject, check_fulfilment, check_second_approval, \
    different_people, uncleared_failure, verification_history
from chalicelib.errors import Conflict

REGISTRY = {
    "rep-eu-okafor": Person.registered("rep-eu-okafor", "Marc.Okafor@liaison-platform.example"),
    "rep-eu-okafor-2": Person.registered("rep-eu-okafor-2", " marc.okafor@LIAISON-platform.example "),
    "rep-eu-lindqvist": Person.registered("rep-eu-lindqvist", "anna.lindqvist@liaison-platform.example"),
    "lead-eu-rossi": Person.registered("lead-eu-rossi", None),
    "lead-eu-rossi-x": Person.registered("lead-eu-rossi-x", ""),
}


def people(subject: str) -> Person | None:
    return REGISTRY.get(canonical_subject(subject))


def callback(outcome: str, by: str) -> dict:
    return {"method": "phone_callback", "number_source": "official_directory", "outcome": outcome, "by": by}


def cleared(by: str = "lead-eu-rossi") -> dict:
    return {"outcome": "cleared", "reason": "Checked.", "by": by}


EMERGENCY = "emergency_disclosure"


def fulfil(history, decider="rep-eu-lindqvist", **kw):
    check_fulfilment(EMERGENCY, Outcome.FULFILLED, history, (decider,), people, **kw)


def refused(history, decider="rep-eu-lindqvist", **kw) -> str:
    with pytest.raises(Conflict) as error:
        fulfil(history, decider, **kw)
    return error.value.code


@pytest.mark.parametrize(("one", "other", "differ"), [
    ("rep-eu-okafor", "rep-eu-lindqvist", True),
    ("rep-eu-okafor", "rep-eu-okafor", False),
    ("rep-eu-okafor", " REP-EU-OKAFOR\t", False),  # case and surrounding space: one registry id
    ("rep-eu-okafor", "rep-eu-okafor-2", False),  # two entries, one mailbox: one person
    ("rep-eu-okafor", "ghost-rep", False),  # not registered: nobody, so not "someone else"
    ("ghost-rep", "ghost-rep-2", False),
    ("lead-eu-rossi", "lead-eu-rossi-x", True),  # no address on either: only the ids tell, and they differ
])
def test_given_two_subjects_then_they_differ_only_as_two_registered_people(one, other, differ):
    assert different_people(people(one), people(other)) is differ
    assert different_people(people(other), people(one)) is differ


def test_given_the_stored_fields_then_the_history_is_the_kept_list_or_the_single_legacy_record():
    assert verification_history(None, None) == []
    assert verification_history(None, callback("confirmed", "a")) == [callback("confirmed", "a")]
    kept = [callback("failed", "a"), callback("confirmed", "b")]
    assert verification_history(kept, kept[-1]) == kept


@pytest.mark.parametrize(("history", "flag", "uncleared"), [
    ([], False, False),
    ([callback("failed", "a")], True, True),
    ([callback("failed", "a"), callback("confirmed", "b")], True, True),
    ([callback("unreachable", "a")], False, False),
    ([callback("failed", "a"), cleared()], True, False),
    ([callback("failed", "a"), cleared(), callback("failed", "b")], True, True),
    ([callback("confirmed", "b")], True, True),  # a failure overwritten before the history was kept
    ([callback("confirmed", "b"), cleared()], True, False),
])
def test_given_a_history_then_a_failure_stands_until_a_clearance_comes_after_it(history, flag, uncleared):
    assert uncleared_failure(history, flag) is uncleared


def test_given_a_confirmed_callback_by_another_person_then_fulfilment_passes():
    fulfil([callback("confirmed", "rep-eu-okafor")])
    fulfil([callback("failed", "rep-eu-okafor"), cleared(), callback("confirmed", "rep-eu-okafor")], failed_before=True)


@pytest.mark.parametrize(("history", "code"), [
    ([], "verification_required"),
    ([callback("unreachable", "rep-eu-okafor")], "verification_required"),
    ([callback("failed", "rep-eu-okafor"), callback("confirmed", "rep-eu-okafor")], "verification_failed_uncleared"),
    ([callback("failed", "rep-eu-okafor"), callback("confirmed", "rep-eu-okafor"), cleared()],
     "verification_required"),  # confirmed before the clearance: a new one is needed
    ([callback("confirmed", "ghost-rep")], "verifier_not_registered"),
    ([callback("confirmed", "Rep-EU-Lindqvist ")], "verifier_must_differ"),
])
def test_given_a_history_that_does_not_allow_fulfilment_then_refused_with_its_code(history, code):
    assert refused(history, failed_before=any(e["outcome"] == "failed" for e in history)) == code


def test_given_an_alias_of_the_verifier_among_the_deciders_then_refused():
    history = [callback("confirmed", "rep-eu-okafor")]
    assert refused(history, "rep-eu-okafor-2") == "verifier_must_differ"
    assert refused(history, "ghost-rep") == "verifier_must_differ"  # an unregistered decider is nobody else either
    with pytest.raises(Conflict):
        check_fulfilment(EMERGENCY, Outcome.FULFILLED, history, ("lead-eu-rossi", "REP-EU-OKAFOR"), people)


def test_given_no_emergency_or_no_fulfilment_then_no_verification_is_needed():
    check_fulfilment("data_disclosure", Outcome.FULFILLED, [callback("failed", "a")], ("b",), people,
                     failed_before=True)
    check_fulfilment(EMERGENCY, Outcome.REJECTED, [callback("failed", "a")], ("b",), people, failed_before=True)


@pytest.mark.parametrize(("proposer", "approver", "approve", "code"), [
    ("rep-eu-okafor", "rep-eu-lindqvist", True, None),
    ("rep-eu-okafor", "rep-eu-lindqvist", False, None),
    ("rep-eu-okafor", "rep-eu-okafor", True, "approver_must_differ"),
    ("rep-eu-okafor", "rep-eu-okafor", False, "approver_must_differ"),
    (" REP-EU-OKAFOR", "rep-eu-okafor", True, "approver_must_differ"),
    ("rep-eu-okafor", "rep-eu-okafor-2", True, "approver_must_differ"),
    ("rep-eu-okafor", "rep-eu-okafor-2", False, "approver_must_differ"),
    ("ghost-rep", "rep-eu-lindqvist", True, "proposer_not_registered"),
    ("ghost-rep", "rep-eu-lindqvist", False, None),  # declining is the way out of an unapprovable proposal
    ("rep-eu-okafor", "ghost-rep", True, "approver_must_differ"),
])
def test_given_a_proposal_then_only_another_registered_person_approves_it(proposer, approver, approve, code):
    if code is None:
        check_second_approval(proposer, approver, people, approve=approve)
        return
    with pytest.raises(Conflict) as error:
        check_second_approval(proposer, approver, people, approve=approve)
    assert error.value.code == code
