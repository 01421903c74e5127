"""An in-process moto holding every resource of the template and the demo data: what the tests run against,
and what `make bench` measures. (`make run` is the same, with moto as a server.)

Settings are read once per process, so this runs before anything imports ``app`` or ``chalicelib``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REGION = "eu-west-1"


@dataclass
class InProcess:
    mock: Any
    state_dir: Path
    issuer: Any
    resources: Any

    def stop(self) -> None:
        self.mock.stop()


def start(
    state_dir: Path,
    *,
    parameters: dict[str, str] | None = None,
    stage: str = "test",
    environment: dict[str, str] | None = None,
) -> InProcess:
    """``environment``: settings the template does not give (as ``make run`` adds its own)."""
    from moto import mock_aws

    for name in list(os.environ):
        if name.startswith(("AWS_", "LIAISON_")):
            del os.environ[name]
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "TZ": "UTC",
            "POWERTOOLS_SERVICE_NAME": "liaison",
            "POWERTOOLS_METRICS_NAMESPACE": "Liaison",
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_METRICS_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": "WARNING",
            "LIAISON_STAGE": stage,
        }
    )
    from infra.local import moto_patches

    moto_patches.patch()  # the fixes of infra/local/moto_patches.py: thread-safe DynamoDB, cheaper parses
    moto_patches.drop_sent_mail(state_dir / "outbox")  # e-mail sent through SES, as make run keeps it
    mock = mock_aws(config={"stepfunctions": {"execute_state_machine": True}})
    mock.start()

    from infra import template
    from infra.local import resources, seed
    from infra.local.identity import DevIssuer

    issuer = DevIssuer(state_dir)
    issuer.ensure_key()
    created = resources.create(
        prefix="liaison-test",
        region=REGION,
        parameters={
            "TrustedIssuers": json.dumps([issuer.trusted_issuer()]),
            "ApiBaseUrl": "https://liaison.test",
            "ConsoleBaseUrl": "https://liaison.test/console",
            "MailDomain": "liaison.test",
            **(parameters or {}),
        },
    )
    os.environ.update(created.environment(template.load()))
    os.environ.update(environment or {})
    # The demo data of `make run`: verified agencies (FR, DE, ES, NL, US, AE), regions, routing, contacts.
    seed.seed("2026-01-01T00:00:00.000Z")
    return InProcess(mock, state_dir, issuer, created)
