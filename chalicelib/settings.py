"""One settings object, read once per process from the environment.

In a deployment the environment comes from the CloudFormation template (the
``Globals`` block of ``infra/template.json`` maps every resource to a variable);
locally it comes from ``infra.local.resources.local_environment``, which derives
the same variables from the same template. Nothing else reads ``os.environ``.
"""

from __future__ import annotations

import functools
import json
import os
from typing import Any, ClassVar, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, HttpUrl, field_validator, model_validator


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
    # Every sign-in at this issuer needs a second factor (e.g. a Cognito pool with MFA "ON" and no remembered
    # devices), so its tokens are multi-factor even without "mfa" in amr. Only for such an issuer.
    mfa_enforced: bool = False

    @model_validator(mode="after")
    def _one_key_source(self) -> TrustedIssuer:
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
    "filings_table",
    "reports_table",
    "sessions_table",
)


class EmergencyLimits(BaseModel):
    """Emergency disclosures accepted per clock hour (fixed windows: up to twice a limit fits across the turn
    of an hour); more answer 429 with Retry-After."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    agency_per_hour: int = Field(default=20, ge=1, le=10_000)
    officer_per_hour: int = Field(default=5, ge=1, le=10_000)


class WebSignIn(BaseModel):
    """The OpenID Connect client the web pages sign people in with (authorization code flow with PKCE, run by
    the server). Deployed: the Cognito user pool's managed login; locally: the mock provider ``make run``
    starts. The ID token it returns is verified as any bearer token is: the provider is added to the trusted
    issuers, with ``client_id`` as the audience, unless an entry for that pair is configured."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    issuer: str = Field(min_length=1, max_length=512)
    client_id: str = Field(min_length=1, max_length=256)
    client_secret: str | None = Field(default=None, max_length=512)  # none: a public client (PKCE alone)
    authorize_url: HttpUrl
    token_url: HttpUrl
    jwks_url: HttpUrl  # the provider's keys: its ID tokens are verified as the API's bearer tokens are
    logout_url: HttpUrl | None = None  # the provider's end-session endpoint; none: only our session ends
    # How the provider's logout endpoint is told where to send the browser back: the standard's
    # post_logout_redirect_uri, or Cognito's logout_uri (which also wants client_id).
    logout_redirect_parameter: Literal["post_logout_redirect_uri", "logout_uri"] = "post_logout_redirect_uri"
    scope: str = Field(default="openid", max_length=256)
    mfa_enforced: bool = False  # the provider requires a second factor at every sign-in (see TrustedIssuer)


class FromEnvironment(BaseModel):
    """A model whose fields are read from environment variables (``PREFIX`` + the field's name, or the names
    of its ``validation_alias``, any case); values given to the constructor win.

    A variable is passed on as text, for the field's own validation, except for the fields named in ``JSON``,
    which hold a JSON document. This is the part of pydantic-settings the app used: pydantic-settings itself
    imports asyncio, argparse, dotenv and its cloud secret stores, about a seventh of the work of a cold
    request (``make bench``: ``first_request_ratio``)."""

    model_config = ConfigDict(extra="ignore", frozen=True, validate_by_name=True, validate_by_alias=True)
    PREFIX: ClassVar[str] = ""
    JSON: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, **values: Any) -> None:
        super().__init__(**{**self.environment(), **values})

    @classmethod
    def environment(cls) -> dict[str, Any]:
        present = {name.lower(): value for name, value in os.environ.items()}
        values: dict[str, Any] = {}
        for name, spec in cls.model_fields.items():
            alias = spec.validation_alias
            names = alias.choices if isinstance(alias, AliasChoices) else [cls.PREFIX + name]
            found = next((present[str(each).lower()] for each in names if str(each).lower() in present), None)
            value = json.loads(found) if found is not None and name in cls.JSON else found
            if value is not None:  # unset, or JSON null: the default
                values[name] = value
        return values


class ObservabilitySettings(FromEnvironment):
    """Powertools' own switches, read when ``observability`` is imported (before the app's settings can be:
    packaging imports the app with none of them set)."""

    powertools_trace_disabled: bool = False


class Settings(FromEnvironment):
    PREFIX: ClassVar[str] = "LIAISON_"
    JSON: ClassVar[frozenset[str]] = frozenset({"deadlines", "emergency_limits"})

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
    filings_table: str  # each request's body as filed, written with the request; copied to the evidence bucket
    reports_table: str  # transparency tallies, kept as requests change
    receipt_key_id: str  # the KMS key (ECC_NIST_P256) that signs receipts
    # Keys that signed receipts before a rotation: still published, so old receipts keep verifying.
    receipt_retired_key_ids: tuple[str, ...] = ()
    # The KMS key (HMAC_256) whose MAC of (agency, Idempotency-Key) is the request id: without it no one can
    # compute another agency's ids. The secret never leaves KMS.
    request_id_key_id: str
    # The queue every refused attempt is sent to; its consumer (chalicelib/events.py) writes the audit trail.
    refusals_queue_url: str

    trusted_issuers: tuple[TrustedIssuer, ...] = ()
    # The longest a bearer token may be issued for (exp - iat); longer ones are refused (token_lifetime_too_long).
    max_token_lifetime_hours: float = Field(default=12.0, gt=0, le=7 * 24)
    # Timers fire after real duration / scale; stored deadlines stay the legal ones.
    sla_time_scale: float = Field(default=1.0, ge=1.0, le=1_000_000.0)
    # Per-type overrides of the legal clocks: {"data_disclosure": {"acknowledge_minutes": 720}}.
    deadlines: dict[str, dict[str, int]] = Field(default_factory=dict)
    emergency_limits: EmergencyLimits = EmergencyLimits()
    # Messages a request takes in all (more: 409 message_cap_reached), and from one sender on one request per
    # clock minute (more: 429 message_rate_limited with Retry-After): a flood cannot bury a request's evidence.
    messages_per_request: int = Field(default=200, ge=1, le=10_000)
    messages_per_minute: int = Field(default=10, ge=1, le=1_000)
    # Public base URL of the API, used in links sent to machines (the OpenAPI servers, the JSON endpoints).
    api_base_url: str = "http://127.0.0.1:8000"
    # Public base URL of the web console: every e-mail to a person links to its pages, never to JSON.
    console_base_url: str = "http://127.0.0.1:8000/console"
    sessions_table: str
    # Sign-in for the web pages; none: the pages answer that sign-in is not configured.
    web_sign_in: WebSignIn | None = None
    session_idle_minutes: int = Field(default=30, ge=1, le=24 * 60)
    session_max_hours: float = Field(default=12.0, gt=0, le=7 * 24)
    # Transparency reports cover closed days only: the last reportable day is this many days before today (UTC).
    report_last_day_offset_days: int = Field(default=1, ge=1, le=366)
    # Counts below it are published as a band ("<5") in every form of the report (domain/transparency.protect).
    report_small_cell_threshold: int = Field(default=5, ge=3, le=1000)
    # How long audit checkpoints stay under Object Lock in COMPLIANCE mode (nobody can delete them before).
    audit_checkpoint_retention_days: int = Field(default=3650, ge=1, le=36500)
    # The address one-to-one e-mail (an applicant's one-time link, the outcome of their application) is sent
    # from, through SES; none: the portal's application form is closed.
    mail_from: str | None = Field(default=None, max_length=254)
    # The Cognito user pool where an approved applicant's account is created (AdminCreateUser); none: the
    # sign-in is federated or local, and accounts are made there.
    user_pool_id: str | None = Field(default=None, max_length=128)
    # `make run` only: its mock OpenID provider, where an approved applicant's account is made (PUT /users/<sub>).
    # Never set by the template; loopback only, and refused in prod.
    local_accounts_url: str | None = Field(default=None, pattern=r"^http://127\.0\.0\.1:[0-9]{2,5}$")

    @model_validator(mode="after")
    def _keys_over_tls(self) -> Settings:
        """A JWKS fetched in clear could be swapped in transit, and forged tokens would verify."""
        if self.stage == "prod":
            if self.local_accounts_url:
                raise ValueError("local_accounts_url is for make run only")
            for issuer in self.trusted_issuers:
                if issuer.jwks_url is not None and issuer.jwks_url.scheme != "https":
                    raise ValueError(f"issuer {issuer.issuer}: jwks_url must be https in prod")
                if issuer.jwks_file is not None:
                    raise ValueError(f"issuer {issuer.issuer}: jwks_file is for local development only")
            sign_in = self.web_sign_in
            if sign_in is not None:
                for name in ("authorize_url", "token_url", "jwks_url", "logout_url"):
                    url = getattr(sign_in, name)
                    if url is not None and url.scheme != "https":
                        raise ValueError(f"web_sign_in: {name} must be https in prod")
                if not self.console_base_url.startswith("https://"):
                    raise ValueError("console_base_url must be https in prod: session cookies are Secure there")
        return self

    @model_validator(mode="before")
    @classmethod
    def _trust_sign_in(cls, data: object) -> object:
        """The web's ID tokens go through the API's verifier, so the sign-in provider is a trusted issuer (for
        its client id, every role, any agency: it is the platform's own pool) unless one is configured for it."""
        if not isinstance(data, dict) or not data.get("web_sign_in"):
            return data
        sign_in = data["web_sign_in"]
        sign_in = json.loads(sign_in) if isinstance(sign_in, str) else sign_in
        if not isinstance(sign_in, dict) or not sign_in.get("issuer") or not sign_in.get("jwks_url"):
            return data  # the field's own validation names what is wrong
        issuers = data.get("trusted_issuers") or ()
        issuers = list(
            json.loads(issuers)
            if isinstance(issuers, str) and issuers.strip()
            else (() if isinstance(issuers, str) else issuers)
        )
        known = {(i["issuer"], i["audience"]) if isinstance(i, dict) else (i.issuer, i.audience) for i in issuers}
        if (sign_in["issuer"], sign_in.get("client_id")) not in known:
            issuers.append(
                {
                    "issuer": sign_in["issuer"],
                    "audience": sign_in.get("client_id"),
                    "jwks_url": sign_in["jwks_url"],
                    "roles": ["authority", "representative", "admin"],
                    "agencies": ["*"],
                    "mfa_enforced": bool(sign_in.get("mfa_enforced")),
                }
            )
        return {**data, "trusted_issuers": issuers}

    @field_validator("mail_from", "user_pool_id", "local_accounts_url", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("web_sign_in", mode="before")
    @classmethod
    def _parse_sign_in(cls, value: object) -> object:
        if isinstance(value, str):
            value = json.loads(value) if value.strip() else None
        return value or None

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
    return Settings()  # type: ignore[call-arg]  # the required fields come from the environment (FromEnvironment)
