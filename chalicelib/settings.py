"""One settings object, read once per process from the environment.

In a deployment the environment comes from the CloudFormation template (the
``Globals`` block of ``infra/template.json`` maps every resource to a variable);
locally it comes from ``infra.local.resources.local_environment``, which derives
the same variables from the same template. Nothing else reads ``os.environ``.
"""

from __future__ import annotations

import functools
import json
from typing import Annotated, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, HttpUrl, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class TrustedIssuer(BaseModel):
    """An identity provider whose tokens the API accepts.

    Keys come either from a JWKS document on disk (the local development issuer)
    or from a JWKS URL (a Cognito user pool or an agency's identity provider).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    issuer: str = Field(min_length=1, max_length=512)
    audience: str = Field(min_length=1, max_length=256)
    jwks_file: str | None = None
    jwks_url: HttpUrl | None = None
    # What this issuer may vouch for. An agency's own identity provider gets
    # roles ["authority"] and agencies [its id]; only the platform's own pool
    # should have "admin". "*" in agencies: any agency (the platform's pool).
    roles: frozenset[Literal["authority", "representative", "admin"]] = Field(min_length=1)
    agencies: frozenset[str] = frozenset()

    @model_validator(mode="after")
    def _one_key_source(self) -> "TrustedIssuer":
        if (self.jwks_file is None) == (self.jwks_url is None):
            raise ValueError("give exactly one of jwks_file or jwks_url")
        return self


# Settings fields naming a DynamoDB table; health checks and tooling iterate over them.
TABLE_SETTINGS = (
    "requests_table",
    "events_table",
    "agencies_table",
    "representatives_table",
    "config_table",
    "idempotency_table",
    "documents_table",
    "reports_table",
)


class EmergencyLimits(BaseModel):
    """Emergency disclosures accepted per clock hour (fixed windows: up to twice a limit fits across the turn
    of an hour); more answer 429 with Retry-After."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    agency_per_hour: int = Field(default=20, ge=1, le=10_000)
    officer_per_hour: int = Field(default=5, ge=1, le=10_000)


class ObservabilitySettings(BaseSettings):
    """Powertools' own switches, read when ``observability`` is imported (before the app's settings can be:
    packaging imports the app with none of them set)."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    powertools_trace_disabled: bool = False


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LIAISON_", extra="ignore", frozen=True)

    stage: Literal["local", "test", "prod"] = "local"
    aws_region: str = Field(
        default="eu-west-1",
        validation_alias=AliasChoices("AWS_REGION", "AWS_DEFAULT_REGION"),
    )

    # Resources: one variable per resource of infra/template.json.
    requests_table: str
    events_table: str
    agencies_table: str
    representatives_table: str
    config_table: str
    idempotency_table: str
    state_machine_arn: str
    representatives_topic_arn: str
    operator_alerts_topic_arn: str
    agency_topic_arn: str
    evidence_bucket: str
    documents_table: str
    reports_table: str  # transparency tallies, kept as requests change
    receipt_key_id: str  # the KMS key (ECC_NIST_P256) that signs receipts
    # Keys that signed receipts before a rotation: still published, so old receipts keep verifying.
    receipt_retired_key_ids: Annotated[tuple[str, ...], NoDecode] = ()

    trusted_issuers: Annotated[tuple[TrustedIssuer, ...], NoDecode] = ()
    # Timers fire after real duration / scale; stored deadlines stay the legal ones.
    sla_time_scale: float = Field(default=1.0, ge=1.0, le=1_000_000.0)
    # Per-type overrides of the legal clocks: {"data_disclosure": {"acknowledge_minutes": 720}}.
    deadlines: dict[str, dict[str, int]] = Field(default_factory=dict)
    emergency_limits: EmergencyLimits = EmergencyLimits()
    # Public base URL of the API, used in links sent to people.
    api_base_url: str = "http://127.0.0.1:8000"

    @model_validator(mode="after")
    def _keys_over_tls(self) -> "Settings":
        """A JWKS fetched in clear could be swapped in transit, and forged tokens would verify."""
        if self.stage == "prod":
            for issuer in self.trusted_issuers:
                if issuer.jwks_url is not None and issuer.jwks_url.scheme != "https":
                    raise ValueError(f"issuer {issuer.issuer}: jwks_url must be https in prod")
                if issuer.jwks_file is not None:
                    raise ValueError(f"issuer {issuer.issuer}: jwks_file is for local development only")
        return self

    @field_validator("deadlines")
    @classmethod
    def _usable_deadlines(cls, value: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
        from chalicelib.domain.deadlines import DeadlinePolicy  # pure domain code; checked once, at start

        DeadlinePolicy(value)
        return value

    @field_validator("receipt_retired_key_ids", mode="before")
    @classmethod
    def _parse_key_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("trusted_issuers", mode="before")
    @classmethod
    def _parse_issuers(cls, value: object) -> object:
        if isinstance(value, str):
            return json.loads(value) if value.strip() else ()
        return value


@functools.cache
def get_settings() -> Settings:
    return Settings()  # type: ignore[call-arg]  # values come from the environment
