"""The audit chain: every kind of tampering fails verification at the first bad link."""

from __future__ import annotations

import dataclasses
import json

import pytest

from chalicelib.domain import audit


@dataclasses.dataclass
class Stored:
    request_id: str
    seq: int
    at: str
    kind: str
    actor_role: str
    actor: str
    detail: str
    prev_hash: str | None = None
    hash: str | None = None


def chain(count: int = 5) -> list[Stored]:
    events, previous = [], audit.GENESIS
    for seq in range(1, count + 1):
        event = Stored("LR-AAAAAAAAAAAAAAAA", seq, f"2026-11-28T10:0{seq}:00.000Z", f"kind{seq}", "representative",
                       f"rep-{seq}", json.dumps({"n": seq}))
        event.prev_hash = previous
        event.hash = previous = audit.link(previous, event.request_id, seq, event.at, event.kind, event.actor_role,
                                           event.actor, event.detail)
        events.append(event)
    return events


def verdict(events: list[Stored], head_seq: int = 5, head_hash: str | None = None) -> audit.Verdict:
    return audit.verify(events, head_seq, head_hash if head_hash is not None else chain()[head_seq - 1].hash)


def test_given_an_untouched_chain_then_it_verifies():
    assert verdict(chain()) == audit.Verdict(True, 5)


@pytest.mark.parametrize("field", ["at", "kind", "actor_role", "actor", "detail"])
def test_given_an_altered_event_then_verification_fails_at_that_event(field):
    events = chain()
    setattr(events[2], field, getattr(events[2], field) + "x")
    result = verdict(events)
    assert (result.verified, result.first_bad_seq) == (False, 3)


def test_given_an_altered_event_with_its_hash_recomputed_then_the_next_link_breaks():
    events = chain()
    third = events[2]
    third.detail = json.dumps({"n": 99})
    third.hash = audit.link(third.prev_hash, third.request_id, 3, third.at, third.kind, third.actor_role,
                            third.actor, third.detail)
    result = verdict(events)
    assert (result.verified, result.first_bad_seq) == (False, 4)


def test_given_a_deleted_event_then_verification_fails_where_it_was():
    events = chain()
    del events[1]
    result = verdict(events)
    assert (result.verified, result.first_bad_seq) == (False, 2)


def test_given_the_last_event_deleted_then_the_request_head_shows_it():
    result = verdict(chain()[:4])
    assert (result.verified, result.first_bad_seq) == (False, 5)


def test_given_reordered_events_then_verification_fails_at_the_first_moved_one():
    events = chain()
    events[1], events[2] = events[2], events[1]
    result = verdict(events)
    assert (result.verified, result.first_bad_seq) == (False, 2)


def test_given_reordered_contents_under_the_original_seqs_then_the_link_breaks():
    events = chain()
    for a, b in ((events[1], events[2]),):
        for name in ("at", "kind", "actor", "detail", "prev_hash", "hash"):
            va, vb = getattr(a, name), getattr(b, name)
            setattr(a, name, vb)
            setattr(b, name, va)
    result = verdict(events)
    assert (result.verified, result.first_bad_seq) == (False, 2)


def test_given_an_inserted_event_then_verification_fails_at_the_insertion():
    events = chain()
    forged = dataclasses.replace(events[1], kind="decided", detail=json.dumps({"outcome": "rejected"}))
    forged.hash = audit.link(forged.prev_hash, forged.request_id, 2, forged.at, forged.kind, forged.actor_role,
                             forged.actor, forged.detail)
    renumbered = [events[0], forged] + [dataclasses.replace(e, seq=e.seq + 1) for e in events[1:]]
    result = audit.verify(renumbered, 6, renumbered[-1].hash)
    assert (result.verified, result.first_bad_seq) == (False, 3)


def test_given_fields_that_would_run_into_each_other_then_their_canonical_forms_differ():
    a = audit.canonical("LR-1", 1, "t", "kind", "authority", "officer|x", "{}")
    b = audit.canonical("LR-1", 1, "t", "kind", "authority|officer", "x", "{}")
    assert a != b
