"""Routes of admins: the agency registry and each agency's standing."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from chalicelib.api.http import Call, Reply, Routes, Strict
from chalicelib.api.views import AgencyPage, AgencyView
from chalicelib.auth.principal import Role
from chalicelib.clock import app_clock, isoformat
from chalicelib.domain.agencies import NewAgency, Standing, StandingChange
from chalicelib.errors import NotFound
from chalicelib.notify.publisher import AgencyPublisher
from chalicelib.store.agencies import AgencyRepository

routes = Routes(__name__, tag="admin")
agencies = AgencyRepository()
publisher = AgencyPublisher()
ADMIN = {Role.ADMIN}


class AgencyQuery(Strict):
    standing: Standing | None = None
    limit: int = Field(default=50, ge=1, le=100)
    cursor: Annotated[str, StringConstraints(max_length=1024)] | None = None


def _actor(call: Call) -> str:
    return f"admin:{call.caller.subject}"


@routes.private("/v1/admin/agencies", "POST", roles=ADMIN, body=NewAgency, responses={201: AgencyView},
                summary="Register an agency. It can file requests once verified.")
def register_agency(call: Call) -> Reply:
    agency = agencies.create(call.body, now=isoformat(app_clock.now()), actor=_actor(call))
    return Reply(201, AgencyView.of(agency), {"Location": f"/v1/admin/agencies/{agency.agency_id}"})


@routes.private("/v1/admin/agencies", roles=ADMIN, query=AgencyQuery, responses={200: AgencyPage},
                summary="The agency registry, by id, optionally by standing.")
def list_agencies(call: Call) -> AgencyPage:
    query: AgencyQuery = call.query
    items, next_cursor = agencies.page(limit=query.limit, after=query.cursor, standing=query.standing)
    return AgencyPage(items=[AgencyView.of(a) for a in items], next_cursor=next_cursor)


@routes.private("/v1/admin/agencies/{agency_id}", roles=ADMIN, responses={200: AgencyView},
                summary="One agency.")
def get_agency(call: Call) -> AgencyView:
    agency = agencies.get(call.params["agency_id"])
    if agency is None:
        raise NotFound("No such agency.")
    return AgencyView.of(agency)


def _standing_route(change: StandingChange, summary: str) -> None:
    @routes.private(f"/v1/admin/agencies/{{agency_id}}/{change.value}", "POST", roles=ADMIN,
                    responses={200: AgencyView}, summary=summary)
    def change_standing(call: Call) -> AgencyView:
        agency = agencies.change_standing(call.params["agency_id"], change, now=isoformat(app_clock.now()),
                                          actor=_actor(call))
        if change is StandingChange.VERIFY:
            publisher.subscribe_contact(agency.agency_id, agency.contact_email)
        return AgencyView.of(agency)

    change_standing.__name__ = f"{change.value}_agency"


_standing_route(StandingChange.VERIFY, "Verify a pending agency: its officers' tokens are accepted from now on.")
_standing_route(StandingChange.SUSPEND, "Suspend an agency: its live tokens are refused from the next request on.")
_standing_route(StandingChange.REINSTATE, "Reinstate a suspended agency.")
