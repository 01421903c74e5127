"""Representatives by region, and the rotation counter that assigns requests among them."""

from __future__ import annotations

import time

from pynamodb.exceptions import DoesNotExist, PutError

from chalicelib.domain.assignment import Candidate
from chalicelib.errors import Conflict, NotFound
from chalicelib.store.models import ConfigEntry, Representative

# A region's desk changes when an admin adds someone; assignment reads it on every submission. Like the
# routing document, it is cached this long per Lambda container (and dropped at once in the one that wrote).
CANDIDATES_CACHE_SECONDS = 30
_candidates: dict[str, tuple[float, list[Candidate]]] = {}


def forget() -> None:
    """Drop the cached desks (after a change, and in tests)."""
    _candidates.clear()


class RepresentativeRepository:
    def in_region(self, region: str) -> list[Representative]:
        return list(Representative.by_region.query(region))

    def candidates(self, region: str) -> list[Candidate]:
        cached = _candidates.get(region)
        if cached and time.monotonic() - cached[0] < CANDIDATES_CACHE_SECONDS:
            return cached[1]
        # A deactivated representative takes no new request and is no one's backup.
        desk = [Candidate(rep.rep_id, bool(rep.lead), bool(rep.available) and rep.active is not False)
                for rep in self.in_region(region)]
        _candidates[region] = (time.monotonic(), desk)
        return desk

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

    def set_active(self, rep_id: str, active: bool, *, now: str) -> Representative:
        """Deactivate (refused from the next call on) or reactivate a representative; 404 for an unknown id."""
        rep = self.get(rep_id)
        if rep is None:
            raise NotFound("No such representative.", code="unknown_representative")
        rep.update(actions=[Representative.active.set(active), Representative.updated_at.set(now)])
        forget()
        return rep

    def create(self, representative: Representative) -> Representative:
        try:
            representative.save(condition=Representative.rep_id.does_not_exist())
            forget()
        except PutError as error:
            if getattr(error, "cause_response_code", None) == "ConditionalCheckFailedException":
                raise Conflict(f"A representative '{representative.rep_id}' already exists.",
                               code="representative_exists") from None
            raise
        return representative
