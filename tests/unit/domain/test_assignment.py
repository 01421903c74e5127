"""Assignment rotation and the workflow's timers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.assignment import Candidate, assign, reassigned_chain, region_lead, timers

NOW = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
DESK = [Candidate("rep-b", False, True), Candidate("rep-a", False, True), Candidate("lead-x", True, True),
        Candidate("rep-c", False, False)]


@pytest.mark.parametrize(("turn", "assignee", "chain"), [
    (0, "rep-a", ("rep-b", "lead-x")), (1, "rep-b", ("rep-a", "lead-x")), (2, "rep-a", ("rep-b", "lead-x")),
])
def test_given_turns_then_the_available_representatives_take_them_in_order(turn, assignee, chain):
    assignment = assign(DESK, turn)
    assert (assignment.assignee, assignment.chain) == (assignee, chain)
    assert assignment.rule.startswith("round_robin:")


def test_given_only_a_lead_or_nobody_then_the_lead_or_no_one():
    assert assign([Candidate("lead-x", True, True)], 5).assignee == "lead-x"
    assert assign([Candidate("rep-c", False, False)], 0).assignee is None


def test_given_a_tco_order_then_the_waits_add_up_to_its_deadlines():
    plan = timers(NOW, NOW + timedelta(minutes=15), NOW + timedelta(hours=1), 2, 1)
    assert plan.acknowledge == 15 * 60
    assert plan.escalations == (15 * 60, 30 * 60)
    assert plan.acknowledge + sum(plan.escalations) == 3600


def test_given_a_time_scale_then_waits_shrink_but_never_below_a_second():
    plan = timers(NOW, NOW + timedelta(hours=24), NOW + timedelta(days=10), 2, 3600)
    assert plan.acknowledge == 24 and plan.escalations == (24, 192)
    assert timers(NOW, NOW + timedelta(minutes=15), NOW + timedelta(hours=1), 2, 1e6).escalations == (1, 1)


def test_given_a_late_start_then_the_breach_still_falls_on_due_at():
    late = NOW + timedelta(minutes=20)  # started after the acknowledge deadline
    plan = timers(late, NOW + timedelta(minutes=15), NOW + timedelta(hours=1), 2, 1)
    target = (NOW + timedelta(hours=1) - late).total_seconds()
    assert 0 <= plan.acknowledge + sum(plan.escalations) - target <= 2  # at most a second of rounding per wait


def test_given_nobody_to_escalate_to_then_the_wait_runs_to_due_at():
    assert timers(NOW, NOW + timedelta(minutes=15), NOW + timedelta(hours=1), 0, 1).acknowledge == 3600


EU = [Candidate("rep-eu-lindqvist", False, True), Candidate("rep-eu-okafor", False, True),
      Candidate("lead-eu-rossi", True, True)]


@pytest.mark.parametrize(("chain", "previous", "new", "expected"), [
    (["rep-b", "lead-x"], "rep-a", "rep-b", ["rep-a", "lead-x"]),  # the backup takes over: A becomes backup
    (["rep-b", "lead-x"], "rep-a", "rep-c", ["rep-a", "lead-x"]),  # someone outside the chain: A is the backup
    (["rep-b", "lead-x"], "rep-a", "lead-x", ["rep-a", "lead-x"]),  # the lead takes it and stays last
    (["rep-a", "lead-x"], "lead-x", "rep-b", ["rep-a", "lead-x"]),  # from the lead: the old backup stays
    (["rep-b", "lead-x"], "lead-x", "rep-b", ["rep-a", "lead-x"]),  # ... unless taking it: the desk's next
    (["rep-b", "rep-a"], "rep-c", "rep-a", ["rep-b", "lead-x"]),  # a chain without its lead gets it back, last
    (["rep-b", "lead-x"], "rep-c", "rep-a", ["rep-b", "lead-x"]),  # an unavailable previous assignee is no backup
])
def test_given_a_reassignment_then_the_chain_is_backup_then_the_registrys_lead(chain, previous, new, expected):
    assert reassigned_chain(chain, previous, new, DESK) == expected  # DESK: rep-a, rep-b, lead-x; rep-c away


def test_given_the_issues_reproduction_then_the_lead_stays_last():
    """Issue 13 point 3: okafor → rossi → okafor gave [rossi, lindqvist]; rossi → lindqvist left okafor last."""
    start = ["rep-eu-lindqvist", "lead-eu-rossi"]
    to_lead = reassigned_chain(start, "rep-eu-okafor", "lead-eu-rossi", EU)
    assert to_lead == ["rep-eu-okafor", "lead-eu-rossi"]
    assert reassigned_chain(to_lead, "lead-eu-rossi", "rep-eu-okafor", EU) == ["rep-eu-lindqvist", "lead-eu-rossi"]
    assert reassigned_chain(to_lead, "lead-eu-rossi", "rep-eu-lindqvist", EU) == ["rep-eu-okafor", "lead-eu-rossi"]


def test_given_too_few_people_then_the_chain_keeps_its_length_by_repeating_its_last():
    """A running workflow reads one link per escalation level, by index: the chain must not get shorter."""
    alone = [Candidate("rep-a", False, True), Candidate("lead-x", True, True)]
    assert reassigned_chain(["rep-b", "lead-x"], "rep-b", "rep-a", alone) == ["lead-x", "lead-x"]
    no_lead = [Candidate("rep-a", False, True), Candidate("rep-b", False, True)]
    assert reassigned_chain(["rep-b", "lead-x"], "lead-x", "rep-a", no_lead) == ["rep-b", "rep-b"]
    assert reassigned_chain(["rep-b"], "rep-b", "rep-a", [Candidate("rep-a", False, True)]) == []


def test_given_the_region_lead_then_it_comes_from_the_registry_alone():
    assert region_lead(DESK) == "lead-x"
    assert region_lead([Candidate("lead-y", True, True), Candidate("lead-x", True, False)]) == "lead-y"
    assert region_lead([Candidate("lead-y", True, True), Candidate("lead-b", True, True)]) == "lead-b"
    assert region_lead([Candidate("rep-a", False, True), Candidate("lead-x", True, False)]) is None


# Property-style: any region, any chain, any sequence of reassignments.
IDS = st.sampled_from(["rep-a", "rep-b", "rep-c", "rep-d", "lead-x", "lead-y"])
REGIONS = st.lists(st.builds(Candidate, IDS, st.booleans(), st.booleans()), max_size=6,
                   unique_by=lambda c: c.rep_id)
CHAINS = st.lists(IDS, max_size=3)


def check(result: list[str], chain: list[str], previous: str | None, new: str, candidates: list[Candidate]) -> None:
    lead = region_lead(candidates)
    available = {c.rep_id for c in candidates if c.available}
    distinct = list(dict.fromkeys(result))
    assert set(result) <= available  # only available people of the region
    if lead is not None and result:
        assert result[-1] == lead and lead not in result[:len(distinct) - 1]  # the registry's lead, last
    else:
        assert not any(c.lead for c in candidates if c.rep_id in result)
    assert len(distinct) <= 2 and len(distinct) == len(set(result))
    assert result == distinct + distinct[-1:] * (len(result) - len(distinct))  # only the last repeats...
    assert len(result) == len(distinct) or len(result) == len(chain)  # ...and only to keep the chain's length
    if result:
        assert len(result) >= len(chain)  # a running workflow reads one link per level: never shorter
    assert new not in result or new == lead  # the new assignee only as the lead, who closes every chain
    desk = {c.rep_id for c in candidates if c.available and not c.lead} - {new}
    if previous in desk:
        assert distinct[0] == previous  # the previous assignee is the backup whenever they can be
    if desk:
        assert distinct[0] in desk  # someone at the desk is the backup whenever someone can be


@given(CHAINS, st.one_of(st.none(), IDS), IDS, REGIONS)
def test_property_any_reassignment_keeps_the_registrys_lead_last(chain, previous, new, candidates):
    check(reassigned_chain(chain, previous, new, candidates), chain, previous, new, candidates)


@given(REGIONS, st.integers(min_value=0, max_value=20), st.lists(IDS, max_size=8))
def test_property_a_sequence_of_reassignments_never_moves_the_lead(candidates, turn, moves):
    assignment = assign(candidates, turn)
    assignee, chain = assignment.assignee, list(assignment.chain)
    if chain and region_lead(candidates):
        assert chain[-1] == region_lead(candidates)
    for new in moves:
        if new == assignee:
            continue  # refused by the desk (already assigned)
        before, chain = chain, reassigned_chain(chain, assignee, new, candidates)
        check(chain, before, assignee, new, candidates)
        assignee = new
