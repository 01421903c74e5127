"""Representatives by region, and the rotation counter that assigns requests among them."""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist, PutError

from chalicelib.domain.assignment import Candidate
from chalicelib.errors import Conflict
from chalicelib.store.models import ConfigEntry, Representative


class RepresentativeRepository:
    def in_region(self, region: str) -> list[Representative]:
        return list(Representative.by_region.query(region))

    def candidates(self, region: str) -> list[Candidate]:
        return [Candidate(rep.rep_id, bool(rep.lead), bool(rep.available)) for rep in self.in_region(region)]

    def next_turn(self, region: str) -> int:
        """An atomic ADD: concurrent submissions each get their own turn, never a stale one."""
        entry = ConfigEntry(f"rotation#{region}")
        entry.update(actions=[ConfigEntry.counter.add(1)])
        return int(entry.counter) - 1

    def get(self, rep_id: str) -> Representative | None:
        try:
            return Representative.get(rep_id, consistent_read=True)
        except DoesNotExist:
            return None

    def create(self, representative: Representative) -> Representative:
        try:
            representative.save(condition=Representative.rep_id.does_not_exist())
        except PutError as error:
            if getattr(error, "cause_response_code", None) == "ConditionalCheckFailedException":
                raise Conflict(f"A representative '{representative.rep_id}' already exists.",
                               code="representative_exists") from None
            raise
        return representative
