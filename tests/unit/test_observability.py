"""Powertools' Tracer (and the X-Ray SDK it loads) only when tracing is on."""

from __future__ import annotations

import sys

import pytest

from chalicelib.observability import tracer_if_enabled


@pytest.mark.parametrize("value", ["true", "1", "TRUE"])
def test_given_tracing_disabled_then_no_tracer(monkeypatch, value):
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", value)
    assert tracer_if_enabled() is None


@pytest.mark.parametrize("value", ["false", "0", None])
def test_given_tracing_on_then_the_powertools_tracer(monkeypatch, value):
    if value is None:
        monkeypatch.delenv("POWERTOOLS_TRACE_DISABLED", raising=False)
    else:
        monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", value)
    from aws_lambda_powertools import Tracer

    assert isinstance(tracer_if_enabled(), Tracer)
    assert "aws_xray_sdk.core" in sys.modules


def test_given_the_app_imported_then_the_garbage_collector_runs_again():
    """app.py switches the collector off for its imports only (a cold start's speed), never for good."""
    import gc

    import app

    assert app.app.app_name == "liaison"
    assert gc.isenabled()
