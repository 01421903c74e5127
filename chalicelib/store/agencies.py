"""Agencies in DynamoDB: registration, standing, and the registry listing."""

from __future__ import annotations

import re

from botocore.exceptions import ClientError
from pynamodb.exceptions import DoesNotExist, TransactWriteError

from chalicelib.aws import client
from chalicelib.domain.agencies import IDENTIFIER, NewAgency, Standing, StandingChange, next_standing
from chalicelib.errors import Conflict, NotFound
from chalicelib.store import trails
from chalicelib.store.models import REGISTRY, Agency
from chalicelib.store.paging import query_page

AGENCY_ID = re.compile(IDENTIFIER)


def _cancelled(error: TransactWriteError) -> bool:
    return error.cause_response_code == "TransactionCanceledException"


def _entry(kind: str, actor: str, detail: dict[str, str]) -> trails.Entry:
    """An event of an agency's trail: ``actor`` as the registry stamps it (``admin:<subject>``)."""
    role, _, _ = actor.partition(":")
    return trails.Entry(kind, role or "system", actor, detail)


class AgencyRepository:
    def get(self, agency_id: str) -> Agency | None:
        if not AGENCY_ID.match(agency_id):  # never send DynamoDB a key it would reject
            return None
        try:
            return Agency.get(agency_id, consistent_read=True)
        except DoesNotExist:
            return None

    @staticmethod
    def registration(
        new: NewAgency,
        *,
        now: str,
        actor: str,
        standing: Standing = Standing.PENDING,
        origin: dict[str, str] | None = None,
    ) -> tuple[Agency, trails.Step]:
        """A new agency and the first step of its trail, to be written (alone, or with the change that led to it:
        an approved application); ``origin``: what led to it."""
        agency = Agency(
            new.id,
            name=new.name,
            country=new.country,
            kind=new.kind.value,
            email_domain=new.email_domain,
            contact_email=new.contact_email,
            standing=standing.value,
            created_at=now,
            updated_at=now,
            updated_by=actor,
        )
        detail = {**new.model_dump(mode="json"), "standing": standing.value, **(origin or {})}
        return agency, trails.Step(
            agency,
            trails.agency_key(new.id),
            _entry("agency_registered", actor, detail),
            condition=Agency.agency_id.does_not_exist(),
            new=True,
        )

    def create(self, new: NewAgency, *, now: str, actor: str) -> Agency:
        agency, step = self.registration(new, now=now, actor=actor)
        try:
            trails.write_all([step], now)
        except TransactWriteError as error:
            if _cancelled(error):
                raise Conflict(f"An agency with id '{new.id}' already exists.", code="agency_exists") from None
            raise
        return agency

    def change_standing(self, agency_id: str, change: StandingChange, *, now: str, actor: str) -> Agency:
        agency = self.get(agency_id)
        if agency is None:
            raise NotFound("No such agency.")
        target = next_standing(Standing(agency.standing), change)
        # The version condition makes a concurrent change lose with a 409, not overwrite.
        self._record(
            agency,
            f"agency_{target.value}" if change is not StandingChange.REINSTATE else "agency_reinstated",
            actor,
            {"standing": target.value},
            now,
            [Agency.standing.set(target.value), Agency.updated_at.set(now), Agency.updated_by.set(actor)],
        )
        agency.standing, agency.updated_at, agency.updated_by = target.value, now, actor
        return agency

    @staticmethod
    def officer_added(agency: Agency, detail: dict[str, str], *, now: str, actor: str) -> trails.Step:
        """The step of an officer given access to a registered agency (an approved application), on its version."""
        return trails.Step(
            agency,
            trails.agency_key(agency.agency_id),
            _entry("officer_added", actor, detail),
            [Agency.updated_at.set(now), Agency.updated_by.set(actor)],
        )

    def trail(self, agency: Agency) -> tuple[list, object]:
        return trails.read(trails.agency_key(agency.agency_id), agency)

    @staticmethod
    def _record(agency: Agency, kind: str, actor: str, detail: dict[str, str], now: str, actions: list) -> None:
        try:
            trails.write(agency, trails.agency_key(agency.agency_id), _entry(kind, actor, detail), now, actions)
        except TransactWriteError as error:
            if _cancelled(error):
                raise Conflict("The agency changed meanwhile; read it again and retry.", code="stale_version") from None
            raise

    def claim_first_emergency(self, agency_id: str, request_id: str) -> bool:
        """True for the agency's first emergency request (exactly once, whatever runs concurrently)."""
        try:
            client("dynamodb").update_item(
                TableName=Agency.Meta.table_name,
                Key={"agency_id": {"S": agency_id}},
                UpdateExpression="SET first_emergency_request = :id",
                ConditionExpression="attribute_exists(agency_id) AND attribute_not_exists(first_emergency_request)",
                ExpressionAttributeValues={":id": {"S": request_id}},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def page(self, *, limit: int, after: str | None, standing: Standing | None) -> tuple[list[Agency], str | None]:
        return query_page(
            Agency.in_registry,
            Agency,
            REGISTRY,
            key_names=("registry", "agency_id"),
            limit=limit,
            after=after,
            filter_condition=(Agency.standing == standing.value) if standing else None,
        )
