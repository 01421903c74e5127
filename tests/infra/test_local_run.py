"""The runner behind `make run` stops on SIGINT/SIGTERM without running anything inside the signal handler.

A handler that raised ended the runner wherever it happened to be, including inside ``Popen.poll`` with the
child's wait lock taken; cleanup then blocked on that lock. The handler now only records the signal, and the
runner acts on it at the points where it checks.
"""

from __future__ import annotations

import os
import signal

import pytest

from infra.local import run


@pytest.fixture()
def request_stop(monkeypatch):
    stop = run._StopRequest()
    monkeypatch.setattr(run, "_STOP", stop)
    previous = signal.signal(signal.SIGTERM, stop)
    yield stop
    signal.signal(signal.SIGTERM, previous)


def test_given_sigterm_then_the_handler_only_records_it(request_stop):
    os.kill(os.getpid(), signal.SIGTERM)  # delivered to this (main) thread before kill returns to Python code
    assert request_stop.signal == signal.SIGTERM
    with pytest.raises(run._Stop):
        request_stop.check()


def test_given_no_signal_then_the_check_lets_the_runner_go_on(request_stop):
    request_stop.check()
    assert request_stop.signal is None


def test_given_a_stop_request_then_waiting_for_a_child_ends_at_the_next_check(request_stop, tmp_path):
    stack = run.Stack(moto_port=1, port=2, oidc_port=3, state_dir=tmp_path, sla_time_scale=1)
    request_stop(signal.SIGINT, None)
    with pytest.raises(run._Stop):
        stack.wait()
    with pytest.raises(run._Stop):
        stack._wait_until("moto", None, lambda: False)  # a startup wait ends too, before touching the child
