"""Routes of admins: the agency registry and standing, routing rules, representatives."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StrictBool, StringConstraints

from chalicelib.api.http import Call, Reply, Routes, Strict
from chalicelib.api.public import ContactsView, contacts_view
from chalicelib.api.views import AgencyPage, AgencyView
from chalicelib.auth.principal import Role
from chalicelib.domain.agencies import EMAIL, IDENTIFIER, NewAgency, Standing, StandingChange
from chalicelib.domain.directory import RegionContact
from chalicelib.domain.routing import RegionId, RoutingDocument
from chalicelib.domain.safeguards import RiskTiers
from chalicelib.domain.schema import SingleLine, View
from chalicelib.errors import NotFound
from chalicelib.services import config, registry
from chalicelib.store.models import Representative

routes = Routes(__name__, tag="admin")
# The same repositories the changes go through (chalicelib.services.registry), for the reads here.
agencies = registry.agencies
representatives = registry.representatives
ADMIN = {Role.ADMIN}


class AgencyQuery(Strict):
    standing: Standing | None = None
    limit: int = Field(default=50, ge=1, le=100)
    cursor: Annotated[str, StringConstraints(max_length=1024), SingleLine] | None = None


@routes.private(
    "/v1/admin/agencies",
    "POST",
    roles=ADMIN,
    body=NewAgency,
    responses={201: AgencyView},
    summary="Register an agency. It can file requests once verified.",
)
def register_agency(call: Call) -> Reply:
    agency = registry.register_agency(call.body, call.caller)
    return Reply(201, AgencyView.of(agency), {"Location": f"/v1/admin/agencies/{agency.agency_id}"})


@routes.private(
    "/v1/admin/agencies",
    roles=ADMIN,
    query=AgencyQuery,
    responses={200: AgencyPage},
    summary="The agency registry, by id, optionally by standing.",
)
def list_agencies(call: Call) -> AgencyPage:
    query: AgencyQuery = call.query
    items, next_cursor = agencies.page(limit=query.limit, after=query.cursor, standing=query.standing)
    return AgencyPage(items=[AgencyView.of(a) for a in items], next_cursor=next_cursor)


@routes.private("/v1/admin/agencies/{agency_id}", roles=ADMIN, responses={200: AgencyView}, summary="One agency.")
def get_agency(call: Call) -> AgencyView:
    agency = agencies.get(call.params["agency_id"])
    if agency is None:
        raise NotFound("No such agency.")
    return AgencyView.of(agency)


def _standing_route(change: StandingChange, summary: str) -> None:
    @routes.private(
        f"/v1/admin/agencies/{{agency_id}}/{change.value}",
        "POST",
        roles=ADMIN,
        responses={200: AgencyView},
        summary=summary,
    )
    def change_standing(call: Call) -> AgencyView:
        return AgencyView.of(registry.change_standing(call.params["agency_id"], change, call.caller))

    change_standing.__name__ = f"{change.value}_agency"


_standing_route(StandingChange.VERIFY, "Verify a pending agency: its officers' tokens are accepted from now on.")
_standing_route(StandingChange.SUSPEND, "Suspend an agency: its live tokens are refused from the next request on.")
_standing_route(StandingChange.REINSTATE, "Reinstate a suspended agency.")


class RoutingView(View):
    """The routing document in force, and who changed it last."""

    document: RoutingDocument
    updated_at: str | None = None
    updated_by: str | None = None


@routes.private(
    "/v1/admin/routing",
    roles=ADMIN,
    responses={200: RoutingView},
    summary="The routing rules: country → region, default region, per-type desks.",
)
def get_routing(call: Call) -> RoutingView:
    return RoutingView(document=config.routing_document())


@routes.private(
    "/v1/admin/routing",
    "PUT",
    roles=ADMIN,
    body=RoutingDocument,
    responses={200: RoutingView},
    summary="Replace the routing rules. New requests use them at once on this instance, within 30 s everywhere.",
)
def put_routing(call: Call) -> RoutingView:
    stamp = registry.replace_routing(call.body, call.caller)
    return RoutingView(document=call.body, updated_at=stamp.at, updated_by=stamp.by)


class NewRepresentative(Strict):
    """A person of the platform who handles one region's requests."""

    id: Annotated[str, StringConstraints(pattern=IDENTIFIER), SingleLine]
    name: Annotated[str, StringConstraints(min_length=2, max_length=200), SingleLine]
    email: Annotated[str, StringConstraints(max_length=254, pattern=EMAIL), SingleLine]
    region: Annotated[RegionId, SingleLine]
    lead: StrictBool = False
    available: StrictBool = True


class RepresentativeView(View):
    """A representative."""

    id: str
    name: str
    email: str
    region: str
    lead: bool
    available: bool
    active: bool  # false: deactivated, refused everywhere

    @classmethod
    def of(cls, rep: Representative) -> RepresentativeView:
        return cls(
            id=rep.rep_id,
            name=rep.name,
            email=rep.email,
            region=rep.region,
            lead=bool(rep.lead),
            available=bool(rep.available),
            active=rep.active is not False,
        )


class RepresentativeList(View):
    """The representatives of a region."""

    items: list[RepresentativeView]


class RegionQuery(Strict):
    region: Annotated[RegionId, SingleLine]


@routes.private(
    "/v1/admin/representatives",
    "POST",
    roles=ADMIN,
    body=NewRepresentative,
    responses={201: RepresentativeView},
    summary="Add a representative to a region.",
)
def add_representative(call: Call) -> Reply:
    body: NewRepresentative = call.body
    rep = registry.add_representative(
        rep_id=body.id,
        name=body.name,
        email=body.email,
        region=body.region,
        lead=body.lead,
        available=body.available,
        admin=call.caller,
    )
    return Reply(201, RepresentativeView.of(rep), {"Location": f"/v1/admin/representatives?region={rep.region}"})


@routes.private(
    "/v1/admin/representatives",
    roles=ADMIN,
    query=RegionQuery,
    responses={200: RepresentativeList},
    summary="The representatives of one region.",
)
def list_representatives(call: Call) -> RepresentativeList:
    return RepresentativeList(items=[RepresentativeView.of(r) for r in representatives.in_region(call.query.region)])


def _activation_route(active: bool, summary: str):
    verb = "reactivate" if active else "deactivate"

    @routes.private(
        f"/v1/admin/representatives/{{rep_id}}/{verb}",
        "POST",
        roles=ADMIN,
        responses={200: RepresentativeView},
        summary=summary,
    )
    def change_activation(call: Call) -> RepresentativeView:
        return RepresentativeView.of(registry.set_representative_active(call.params["rep_id"], active, call.caller))

    change_activation.__name__ = f"{verb}_representative"
    return change_activation


deactivate_representative = _activation_route(
    False,
    "Deactivate a representative: their tokens and console sessions are refused from the next call on, and they "
    "get no new request.",
)
reactivate_representative = _activation_route(True, "Reactivate a deactivated representative.")


class RiskTiersView(View):
    """Risk tier per jurisdiction: in a ``high`` one, every fulfilment needs a second representative."""

    document: RiskTiers
    updated_at: str | None = None
    updated_by: str | None = None


@routes.private(
    "/v1/admin/risk-tiers",
    roles=ADMIN,
    responses={200: RiskTiersView},
    summary="The risk tier of each jurisdiction (standard, elevated, high) and the default.",
)
def get_risk_tiers(call: Call) -> RiskTiersView:
    return RiskTiersView(document=config.risk_tiers())


@routes.private(
    "/v1/admin/risk-tiers",
    "PUT",
    roles=ADMIN,
    body=RiskTiers,
    responses={200: RiskTiersView},
    summary="Replace the risk tiers. In a high tier, fulfilments need a second approval from then on.",
)
def put_risk_tiers(call: Call) -> RiskTiersView:
    stamp = registry.replace_risk_tiers(call.body, call.caller)
    return RiskTiersView(document=call.body, updated_at=stamp.at, updated_by=stamp.by)


@routes.private(
    "/v1/admin/contacts/{region}",
    "PUT",
    roles=ADMIN,
    body=RegionContact,
    responses={200: ContactsView},
    summary="Publish a region's contact in the public directory (replaced whole); every edit moves "
    "the directory's version.",
)
def put_contact(call: Call) -> ContactsView:
    registry.publish_contact(call.params["region"], call.body, call.caller)
    return contacts_view()
