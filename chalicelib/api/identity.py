"""``GET /v1/me``: who the API thinks you are. The first call to make with a new token."""

from __future__ import annotations

from datetime import UTC, datetime

from chalicelib.api.http import Call, Routes
from chalicelib.auth.principal import Role
from chalicelib.clock import isoformat
from chalicelib.domain.schema import View

routes = Routes(__name__, tag="identity")


class CallerView(View):
    """The authenticated caller."""

    subject: str
    role: Role
    issuer: str
    mfa: bool
    agency_id: str | None = None
    region: str | None = None
    token_expires_at: str


@routes.private(
    "/v1/me",
    summary="The caller as authenticated: subject, role, agency or region, MFA.",
    roles={Role.AUTHORITY, Role.REPRESENTATIVE, Role.ADMIN},
    responses={200: CallerView},
)
def get_me(call: Call) -> CallerView:
    principal = call.caller
    return CallerView(
        subject=principal.subject,
        role=principal.role,
        issuer=principal.issuer,
        mfa=principal.mfa,
        agency_id=principal.agency_id,
        region=principal.region,
        token_expires_at=isoformat(datetime.fromtimestamp(principal.expires_at, UTC)),
    )
