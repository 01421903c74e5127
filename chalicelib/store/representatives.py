"""Representatives by region, and the rotation counter that assigns requests among them."""

from __future__ import annotations

from chalicelib.domain.assignment import Candidate
from chalicelib.store.models import ConfigEntry, Representative


class RepresentativeRepository:
    def in_region(self, region: str) -> list[Representative]:
        return list(Representative.by_region.query(region))

    def candidates(self, region: str) -> list[Candidate]:
        return [Candidate(rep.rep_id, bool(rep.lead), bool(rep.available)) for rep in self.in_region(region)]

    def next_turn(self, region: str) -> int:
        """An atomic ADD: concurrent submissions each get their own turn, never a stale one."""
        entry = ConfigEntry(f"rotation#{region}")
        entry.update(actions=[ConfigEntry.counter.add(1)], add_version_condition=False)
        return int(entry.counter) - 1
