"""Settings read from the environment (chalicelib/settings.py ``FromEnvironment``), as pydantic-settings read
them before: prefixed names in any case, aliases, JSON documents, the constructor's values first."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from chalicelib.settings import EmergencyLimits, ObservabilitySettings, Settings


@pytest.fixture
def environment(monkeypatch):
    """Every required setting, and nothing else of ours or of AWS's."""
    import os

    for name in list(os.environ):
        if name.upper().startswith(("LIAISON_", "AWS_", "POWERTOOLS_")):
            monkeypatch.delenv(name)
    for name, spec in Settings.model_fields.items():
        if spec.is_required():
            monkeypatch.setenv(f"LIAISON_{name.upper()}", f"value-of-{name}")
    return monkeypatch


def test_given_prefixed_variables_then_each_field_reads_its_own(environment):
    environment.setenv("LIAISON_MESSAGES_PER_MINUTE", "7")
    environment.setenv("liaison_stage", "test")  # any case, as pydantic-settings matched
    settings = Settings()
    assert settings.requests_table == "value-of-requests_table"
    assert settings.messages_per_minute == 7 and settings.stage == "test"


def test_given_a_field_with_aliases_then_the_first_present_wins_without_the_prefix(environment):
    assert Settings().aws_region == "eu-west-1"  # the default
    environment.setenv("AWS_DEFAULT_REGION", "us-east-1")
    assert Settings().aws_region == "us-east-1"
    environment.setenv("AWS_REGION", "eu-central-1")
    assert Settings().aws_region == "eu-central-1"


def test_given_json_fields_then_they_are_parsed_and_null_is_the_default(environment):
    environment.setenv("LIAISON_EMERGENCY_LIMITS", json.dumps({"agency_per_hour": 3, "officer_per_hour": 2}))
    environment.setenv("LIAISON_DEADLINES", "null")
    settings = Settings()
    assert settings.emergency_limits == EmergencyLimits(agency_per_hour=3, officer_per_hour=2)
    assert settings.deadlines == {}


@pytest.mark.parametrize("text", ["{not json", "", "  "])
def test_given_a_malformed_or_empty_json_field_then_settings_refuse_to_load(environment, text):
    """As pydantic-settings did: a limit left empty by mistake must not quietly become the default."""
    environment.setenv("LIAISON_EMERGENCY_LIMITS", text)
    with pytest.raises(ValueError, match="Expecting"):
        Settings()


def test_given_text_fields_with_parsers_then_their_validators_read_the_text(environment):
    environment.setenv("LIAISON_RECEIPT_RETIRED_KEY_IDS", "k1, k2,,")
    environment.setenv("LIAISON_MAIL_FROM", "  ")
    settings = Settings()
    assert settings.receipt_retired_key_ids == ("k1", "k2")
    assert settings.mail_from is None


def test_given_values_to_the_constructor_then_they_win_over_the_environment(environment):
    environment.setenv("LIAISON_MESSAGES_PER_MINUTE", "7")
    assert Settings(messages_per_minute=9).messages_per_minute == 9
    assert Settings(**{**Settings().model_dump(), "aws_region": "us-west-2"}).aws_region == "us-west-2"


def test_given_a_missing_required_variable_then_the_error_names_the_field(environment):
    environment.delenv("LIAISON_REQUESTS_TABLE")
    with pytest.raises(ValidationError, match="requests_table"):
        Settings()


def test_given_powertools_switches_then_observability_reads_them_unprefixed(environment):
    assert ObservabilitySettings().powertools_trace_disabled is False
    environment.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    assert ObservabilitySettings().powertools_trace_disabled is True
