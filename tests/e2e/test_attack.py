"""The attack suite: schemathesis against the running stack's own /openapi.json, authenticated.

Given `make run` on free ports (its own moto, so what the fuzzer changes – routing, risk tiers, agencies –
touches no other test), when schemathesis generates valid and invalid input for every operation in the
document and sends it with a token of each role the operation allows, then:

- nothing answers 5xx;
- every answer's status code, content type and body are the ones the document declares;
- input that breaks the schema is refused with a 4xx (`negative_data_rejection`);
- a private operation called without its token, or with a broken one, is refused (`ignored_auth`).

Path ids the fuzzer makes up reach nothing, so each case is also sent once with the ids of real requests the
caller may see, to get past the 404 into the handlers. `FUZZ_EXAMPLES` sets the examples per
operation and mode (a few here; `make fuzz` runs hundreds and the coverage phase).
"""

from __future__ import annotations

import itertools
import json
import os

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from tests.e2e.test_local_stack import ready
from tests.helpers import submission

pytestmark = pytest.mark.e2e

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))
LONG_RUN = EXAMPLES > 50
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          negative_data_rejection, ignored_auth]
REAL_REQUEST_KINDS = ("data_disclosure", "preservation", "content_removal", "emergency_disclosure")


@pytest.fixture(scope="module")
def attacked(tmp_path_factory):
    running = ready(tmp_path_factory.mktemp("attack-state"))
    seeded = json.loads((running.state_dir / "tokens.json").read_text())
    fr = next(a for a in seeded["authorities"] if a["agency_id"] == "fr-valmont-cyber")
    eu = next(r for r in seeded["representatives"] if r["region"] == "eu" and not r["lead"])
    running.tokens = {"authority": fr["token"], "representative": eu["token"], "admin": seeded["admin"]}
    running.request_ids = []
    for kind in REAL_REQUEST_KINDS:
        created = requests.post(f"{running.url}/v1/requests", json=submission(kind), timeout=30,
                                headers={"Authorization": f"Bearer {fr['token']}"})
        assert created.status_code == 201, created.text
        running.request_ids.append(created.json()["id"])
    running.real_ids = itertools.cycle(running.request_ids)
    yield running
    if running.process.poll() is None:
        running.interrupt()


def document() -> dict:
    """The document the app serves at /openapi.json, built here so pytest can make one test per operation
    before the stack is up; the fixture checks that the stack serves the same one."""
    from app import app
    from chalicelib.api import openapi
    from chalicelib import __version__

    return openapi.build(app, server_url="http://127.0.0.1", version=__version__)


schema = schemathesis.openapi.from_dict(document(), config=schemathesis.Config.from_dict({
    # The test sends each role's token itself; schemathesis's `ignored_auth` check tries without it.
    "generation": {"mode": "all", "max-examples": EXAMPLES, "with-security-parameters": False},
    "phases": {"examples": {"enabled": True}, "coverage": {"enabled": LONG_RUN},
               "fuzzing": {"enabled": True}, "stateful": {"enabled": False}},
}))


def test_given_the_stack_then_it_serves_the_document_the_suite_attacks(attacked):
    served = requests.get(f"{attacked.url}/openapi.json", timeout=30).json()
    assert {**served, "servers": []} == {**document(), "servers": []}


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck), derandomize=not LONG_RUN)
def test_given_generated_input_then_no_5xx_and_every_answer_is_the_documented_one(case, attacked):
    roles = case.operation.definition.raw.get("x-liaison-roles") or [None]
    for role in roles:
        headers = {"Authorization": f"Bearer {attacked.tokens[role]}"} if role else {}
        case.call_and_validate(base_url=attacked.url, headers=headers, checks=CHECKS, timeout=60)
        if "request_id" in (case.path_parameters or {}):
            original = case.path_parameters["request_id"]
            case.path_parameters["request_id"] = next(attacked.real_ids)
            try:
                case.call_and_validate(base_url=attacked.url, headers=headers, checks=CHECKS, timeout=60)
            finally:
                case.path_parameters["request_id"] = original
