"""Assignment rotation and the workflow's timers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain.assignment import Candidate, assign, timers

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


@pytest.mark.parametrize(("chain", "previous", "new", "expected"), [
    (["rep-b", "lead-x"], "rep-a", "rep-b", ["rep-a", "lead-x"]),  # the backup takes over: A becomes backup
    (["rep-b", "lead-x"], "rep-a", "rep-c", ["rep-b", "lead-x"]),  # someone outside the chain: unchanged
    (["rep-b", "lead-x"], "rep-a", "lead-x", ["rep-a", "rep-b"]),  # the lead takes it
])
def test_given_a_reassignment_then_the_chain_keeps_its_length_without_the_new_assignee(chain, previous, new,
                                                                                       expected):
    from chalicelib.domain.assignment import reassigned_chain

    assert reassigned_chain(chain, previous, new) == expected
