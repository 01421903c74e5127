"""Notices to authorities say what happened and where, never who is targeted."""

from __future__ import annotations

import pytest

from chalicelib.notify.notices import agency_notice

BASE = dict(request_id="LR-ABC", request_type="data_disclosure", region="eu", reference="PV-1",
            due_at="2026-12-08T14:01:28.158Z", link="https://liaison.example/v1/requests/LR-ABC")


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


def test_given_an_unknown_kind_then_no_notice():
    with pytest.raises(ValueError):
        agency_notice("gossip", **BASE)
