"""Test-wide setup: an in-process moto with every resource of the template.

Settings are read once at import, so the environment is prepared in
``pytest_configure``, before any test module imports ``app`` or
``chalicelib``. The resources come from ``infra.local.resources`` – the same
code that builds the local stack from ``infra/template.json``.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

REGION = "eu-west-1"
_state: dict[str, object] = {}


def pytest_configure(config: pytest.Config) -> None:
    from moto import mock_aws

    for name in list(os.environ):
        if name.startswith(("AWS_", "LIAISON_")):
            del os.environ[name]
    os.environ.update({
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION,
        "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "TZ": "UTC",
        "POWERTOOLS_SERVICE_NAME": "liaison", "POWERTOOLS_METRICS_NAMESPACE": "Liaison",
        "POWERTOOLS_TRACE_DISABLED": "true", "POWERTOOLS_METRICS_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
        "LIAISON_STAGE": "test",
    })
    from infra.local import moto_patches

    moto_patches.patch()  # moto's DynamoDB: one call at a time, transactions that cost what they touch
    mock = mock_aws(config={"stepfunctions": {"execute_state_machine": True}})
    mock.start()
    state_dir = Path(tempfile.mkdtemp(prefix="liaison-tests-"))

    from infra import template
    from infra.local import resources
    from infra.local.identity import DevIssuer

    issuer = DevIssuer(state_dir)
    issuer.ensure_key()
    created = resources.create(prefix="liaison-test", region=REGION, parameters={
        "TrustedIssuers": json.dumps([issuer.trusted_issuer()]),
        "ApiBaseUrl": "https://liaison.test",
        # The suite files more emergency requests per hour from one officer than anyone should; the limits
        # themselves are tested with lower values (tests/integration/test_safeguards.py).
        "EmergencyLimits": json.dumps({"agency_per_hour": 10_000, "officer_per_hour": 10_000}),
    })
    os.environ.update(created.environment(template.load()))

    from infra.local import seed

    # The demo data of `make run`: verified agencies (FR, DE, ES, NL, US, AE), regions and routing.
    seed.seed("2026-01-01T00:00:00.000Z")
    _state.update(mock=mock, state_dir=state_dir, issuer=issuer, resources=created)


def pytest_unconfigure(config: pytest.Config) -> None:
    mock = _state.get("mock")
    if mock is not None:
        mock.stop()  # type: ignore[attr-defined]
    state_dir = _state.get("state_dir")
    if isinstance(state_dir, Path):
        shutil.rmtree(state_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def issuer():
    """The development issuer the test API trusts."""
    return _state["issuer"]


@pytest.fixture(scope="session")
def local_resources():
    return _state["resources"]


@pytest.fixture(scope="session")
def client():
    from chalice.test import Client

    from app import app

    with Client(app, stage_name="local") as test_client:
        yield test_client


@pytest.fixture
def fixed_clock() -> Iterator[object]:
    """Freeze the application clock at a known instant for the test."""
    from chalicelib.clock import FixedClock, app_clock

    previous = app_clock.source
    clock = FixedClock(datetime(2026, 11, 28, 3, 0, tzinfo=UTC))
    app_clock.source = clock
    try:
        yield clock
    finally:
        app_clock.source = previous
