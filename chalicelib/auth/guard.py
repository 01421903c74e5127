"""Who may pass: the one admission rule of the API and the web pages.

Both adapters turn their credential into a ``Principal`` (the API from the authorizer's verified token, the
web pages from a signed-in session) and then ask ``admit``: is it still valid, is its role allowed here; for
an authority, is its agency registered, verified and not suspended; for a representative, are they still in
the registry, for the region their token names. Both records are read on every call, not cached, so a
suspension or a removal refuses live tokens and live sessions from the next request on.
"""

from __future__ import annotations

from chalicelib.auth.principal import Principal, Role
from chalicelib.auth.tokens import LEEWAY_SECONDS
from chalicelib.clock import app_clock
from chalicelib.domain.agencies import Standing
from chalicelib.errors import Forbidden, Unauthorized
from chalicelib.store.agencies import AgencyRepository
from chalicelib.store.models import Agency, Representative
from chalicelib.store.representatives import RepresentativeRepository


def admit(
    principal: Principal, roles: frozenset[Role], *, representative: Representative | bool | None = False
) -> Agency | None:
    """Refuse (401/403) or return, for an authority, the agency read on this call (handlers reuse it).
    ``representative``: the caller's registry record if the adapter read it already (None: absent)."""
    # The same leeway as the verifier: a token is honoured until exp + leeway, then refused on every route,
    # even while API Gateway still holds the authorizer's cached answer.
    if principal.expires_at + LEEWAY_SECONDS <= app_clock.now().timestamp():
        raise Unauthorized("The token has expired.", code="token_expired")
    if principal.role not in roles:
        raise Forbidden("This operation is not open to your role.", code="role_not_allowed")
    if principal.role is Role.AUTHORITY:
        return agency_in_standing(str(principal.agency_id))
    if principal.role is Role.REPRESENTATIVE:
        registered_representative(principal, representative)
    return None


def registered_representative(principal: Principal, read: Representative | bool | None = False) -> Representative:
    """A representative must still be on the desk their token names (``read``: the record as read already)."""
    rep = RepresentativeRepository().get(principal.subject) if read is False else read
    if not isinstance(rep, Representative) or rep.region != principal.region:
        raise Forbidden(
            "You are not, or no longer, a representative of this region. Ask an admin.", code="representative_unknown"
        )
    if rep.active is False:
        raise Forbidden(
            "Your access as a representative was deactivated. Ask an admin.", code="representative_deactivated"
        )
    return rep


def agency_in_standing(agency_id: str) -> Agency:
    agency = AgencyRepository().get(agency_id)
    if agency is None:
        raise Forbidden("Your agency is not registered with this platform.", code="agency_unknown")
    if agency.standing == Standing.SUSPENDED:
        raise Forbidden("Your agency's access is suspended. Contact the platform.", code="agency_suspended")
    if agency.standing != Standing.VERIFIED:
        raise Forbidden("Your agency is not verified yet.", code="agency_not_verified")
    return agency
