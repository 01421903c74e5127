"""Where a request stands in its desk's queue: the deadline it is worked to now."""

from chalicelib.domain.lifecycle import PAUSED_MARK, Status, next_deadline, queue_key

ACK, DUE = "2026-12-01T10:15:00.000Z", "2026-12-11T10:00:00.000Z"


def test_given_each_status_then_the_queue_key_is_the_deadline_worked_to_now():
    assert queue_key(Status.RECEIVED, ACK, DUE) == ACK
    assert queue_key(Status.ASSIGNED, ACK, DUE) == ACK
    assert queue_key(Status.ACKNOWLEDGED, ACK, DUE) == DUE
    assert queue_key(Status.AWAITING_INFORMATION, ACK, DUE) == PAUSED_MARK + DUE
    for closed in (Status.FULFILLED, Status.PARTIALLY_FULFILLED, Status.REJECTED, Status.WITHDRAWN):
        assert queue_key(closed, ACK, DUE) is None and next_deadline(closed, ACK, DUE) == ("closed", None)


def test_given_paused_requests_then_they_sort_after_every_dated_one():
    far = "9999-12-31T23:59:59.999Z"
    assert queue_key(Status.AWAITING_INFORMATION, ACK, "2000-01-01T00:00:00.000Z") > queue_key(Status.ASSIGNED, far, far)
