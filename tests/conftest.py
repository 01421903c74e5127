"""Test-wide setup: an in-process moto with every resource of the template.

Settings are read once at import, so the environment is prepared in
``pytest_configure``, before any test module imports ``app`` or
``chalicelib``. The resources come from ``infra.local.resources`` – the same
code that builds the local stack from ``infra/template.json``.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

_state: dict[str, object] = {}


def _start_provider() -> tuple[object, int]:
    """The local OpenID provider of `make run` (infra/local/oidc.py), on a free loopback port, in a thread."""
    import threading

    from werkzeug.serving import make_server

    from infra.local import oidc

    server = make_server(oidc.HOST, 0, lambda environ, start: app(environ, start), threaded=True)
    port = server.server_port
    app = oidc.build_app(oidc.users(), port)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, port


def pytest_configure(config: pytest.Config) -> None:
    from infra.local import inprocess, oidc

    state_dir = Path(tempfile.mkdtemp(prefix="liaison-tests-"))
    provider, provider_port = _start_provider()
    # The suite files more emergency requests per hour from one officer than anyone should; the limits
    # themselves are tested with lower values (tests/integration/test_safeguards.py).
    started = inprocess.start(state_dir, parameters={
        "EmergencyLimits": json.dumps({"agency_per_hour": 10_000, "officer_per_hour": 10_000}),
        "WebSignIn": json.dumps(oidc.web_sign_in(provider_port))},
        # As make run does: approved applicants' accounts are made at the local provider the pages sign in with.
        environment={"LIAISON_LOCAL_ACCOUNTS_URL": oidc.base_url(provider_port)})
    _state.update(mock=started.mock, state_dir=state_dir, issuer=started.issuer, resources=started.resources,
                  provider=provider, provider_port=provider_port)


def pytest_unconfigure(config: pytest.Config) -> None:
    provider = _state.get("provider")
    if provider is not None:
        provider.shutdown()  # type: ignore[attr-defined]
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
def provider_url() -> str:
    """The local OpenID provider the test API's web sign-in uses."""
    return f"http://127.0.0.1:{_state['provider_port']}"


@pytest.fixture(scope="session")
def outbox() -> Path:
    """Where e-mail sent through SES lands (infra/local/moto_patches.drop_sent_mail), as under make run."""
    return _state["state_dir"] / "outbox"


@pytest.fixture(scope="session")
def local_resources():
    return _state["resources"]


def _filing_pump():
    if "filing_pump" not in _state:
        from infra.local.filings import FilingPump

        _state["filing_pump"] = FilingPump.from_settings()
    return _state["filing_pump"]


@pytest.fixture(scope="session")
def filing_pump():
    """The reader of the filings table's stream (infra/local/filings.py), not started: ``drain()`` copies what
    submissions filed into the evidence bucket, as ``keep_filings`` does deployed. One per session, so each
    drain reads on from where the last stopped."""
    return _filing_pump()


@pytest.fixture(scope="session")
def client():
    from chalice.test import Client

    from app import app

    with Client(app, stage_name="local") as test_client:
        yield test_client


@pytest.fixture
def own_checkpoints(monkeypatch):
    """Checkpoints in a bucket of this test's own (Object Lock objects cannot be deleted afterwards), and the
    pointer to the latest one removed again, so other tests' requests are never judged against them."""
    import uuid

    import boto3

    from chalicelib.services import checkpoints
    from chalicelib.settings import get_settings
    from chalicelib.store.models import ConfigEntry

    bucket = f"liaison-test-checkpoints-{uuid.uuid4().hex[:12]}"  # each test its own history
    boto3.client("s3", region_name=get_settings().aws_region).create_bucket(
        Bucket=bucket,
        ObjectLockEnabledForBucket=True,
        CreateBucketConfiguration={"LocationConstraint": get_settings().aws_region},
    )
    monkeypatch.setattr(checkpoints.Checkpoints, "bucket", property(lambda self: bucket))
    yield checkpoints.Checkpoints()
    ConfigEntry(checkpoints.STATE).delete()


@pytest.fixture
def fixed_clock() -> Iterator[object]:
    """Freeze the application clock at a known instant for the test."""
    yield from _frozen(datetime(2026, 11, 28, 3, 0, tzinfo=UTC))


@pytest.fixture
def clock_from_now() -> Iterator[object]:
    """The application's clock frozen at the real time (tokens minted now stay valid), for the test to move."""
    yield from _frozen(datetime.now(UTC))


def _frozen(at: datetime) -> Iterator[object]:
    from chalicelib.clock import FixedClock, app_clock

    class Clock(FixedClock):
        """Time that passes lets the asynchronous work of its first seconds happen: deployed, the filings
        stream copies each body as filed into the evidence bucket within seconds, so before a test's clock
        jumps ahead, what is waiting on the stream is copied (the evidence check wants it there after an hour)."""

        def advance(self, delta):
            _filing_pump().drain()
            super().advance(delta)

    previous, app_clock.source = app_clock.source, Clock(at)
    try:
        yield app_clock.source
    finally:
        app_clock.source = previous
