"""The request store's guarantees: atomic creation, versioned changes, one winner under contention."""

from __future__ import annotations

import uuid

import pytest

from chalicelib.errors import Conflict
from chalicelib.store.models import Event, LegalRequest
from chalicelib.store.requests import Change, RequestRepository

NOW = "2026-11-28T03:00:00.000Z"


def new_request(request_id: str, reference: str = "r") -> LegalRequest:
    return LegalRequest(
        request_id, agency_id="fr-valmont-cyber", submitted_by="o", type="preservation",
        status="received", region="eu", queue_region="eu", routing_rule="country:FR", received_at=NOW,
        ack_due_at=NOW, due_at=NOW, legal_basis="x", reference=reference, description="d", language="fr",
        body_sha256="0" * 64, updated_at=NOW)


def stored_request(repository: RequestRepository) -> LegalRequest:
    item = new_request(f"LR-T{uuid.uuid4().hex[:12].upper()}")
    repository.create(item, Change("submitted", "authority", "o", NOW))
    return item


def test_given_an_existing_id_then_creation_is_refused_and_nothing_is_overwritten():
    repository = RequestRepository()
    item = stored_request(repository)
    twin = new_request(item.request_id, reference="overwrite attempt")
    with pytest.raises(Conflict):
        repository.create(twin, Change("submitted", "authority", "intruder", NOW))
    assert LegalRequest.get(item.request_id).reference == "r"
    assert [(e.seq, e.actor) for e in Event.query(item.request_id)] == [(1, "o")]


def test_given_two_changes_from_the_same_read_then_the_second_gets_409_and_is_not_recorded():
    repository = RequestRepository()
    item = stored_request(repository)
    first, second = LegalRequest.get(item.request_id), LegalRequest.get(item.request_id)
    repository.apply(first, Change("withdrawn", "authority", "o", NOW), [LegalRequest.status.set("withdrawn")])
    with pytest.raises(Conflict) as caught:
        repository.apply(second, Change("acknowledged", "representative", "rep", NOW),
                         [LegalRequest.status.set("acknowledged")])
    assert caught.value.code == "stale_version"
    stored = LegalRequest.get(item.request_id)
    assert (stored.status, stored.version, stored.last_event_seq) == ("withdrawn", 2, 2)
    assert [e.kind for e in Event.query(item.request_id)] == ["submitted", "withdrawn"]


def test_given_six_writers_holding_the_same_read_then_exactly_one_change_lands():
    """Concurrency as the store sees it: every writer read version 1 before anyone wrote.

    The writes are interleaved in a fixed order rather than raced on threads:
    moto evaluates a transaction's conditions and applies its items without a
    lock, so a threaded race against moto gives 0 or 2 winners at random
    (tried); DynamoDB applies transactions atomically, which the version
    condition relies on.
    """
    repository = RequestRepository()
    item = stored_request(repository)
    copies = [LegalRequest.get(item.request_id) for _ in range(6)]
    outcomes = []
    for index, copy in enumerate(copies):
        try:
            repository.apply(copy, Change(f"change-{index}", "authority", "o", NOW),
                             [LegalRequest.reference.set(f"by-{index}")])
            outcomes.append("won")
        except Conflict:
            outcomes.append("409")
    assert outcomes == ["won"] + ["409"] * 5
    events = list(Event.query(item.request_id, consistent_read=True))
    assert [(e.seq, e.kind) for e in events] == [(1, "submitted"), (2, "change-0")]
    stored = LegalRequest.get(item.request_id, consistent_read=True)
    assert (stored.reference, stored.version) == ("by-0", 2)


def test_given_an_answered_token_then_it_is_forgotten_without_touching_the_version():
    repository = RequestRepository()
    item = stored_request(repository)
    item.update(actions=[LegalRequest.task_token.set("token-1"), LegalRequest.waiting_for.set("decision")])
    version = LegalRequest.get(item.request_id, consistent_read=True).version
    repository.forget_token(item.request_id, "token-0")  # an older token: a newer one stays
    assert LegalRequest.get(item.request_id, consistent_read=True).task_token == "token-1"
    repository.forget_token(item.request_id, "token-1")
    stored = LegalRequest.get(item.request_id, consistent_read=True)
    assert (stored.task_token, stored.waiting_for, stored.version) == (None, None, version)


def test_given_successive_submissions_then_the_rotation_counter_gives_each_its_own_turn():
    from chalicelib.store.representatives import RepresentativeRepository

    rotation = RepresentativeRepository()
    region = f"test-{uuid.uuid4().hex[:6]}"
    assert [rotation.next_turn(region) for _ in range(4)] == [0, 1, 2, 3]
