"""Which regional desk a request goes to, decided from the agency's jurisdiction."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class RoutingRules:
    countries: dict[str, str]  # ISO country → region id
    default_region: str
    regions: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> "RoutingRules":
        return cls(countries=dict(document.get("countries", {})), default_region=document["default_region"],
                   regions=dict(document.get("regions", {})))

    def region_for(self, country: str) -> tuple[str, str]:
        """The region and the rule that chose it (recorded on the request)."""
        if country in self.countries:
            return self.countries[country], f"country:{country}"
        return self.default_region, "default_region"
