"""Which regional desk a request goes to, decided from the agency's jurisdiction and the request type."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import Field, StringConstraints, field_validator, model_validator

from chalicelib.domain.countries import iso_keys
from chalicelib.domain.deadlines import RequestType
from chalicelib.domain.schema import Strict

RegionId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,30}[a-z0-9]$")]


class RegionSpec(Strict):
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class RoutingDocument(Strict):
    """How requests are routed; admins replace it as a whole (PUT)."""

    regions: dict[RegionId, RegionSpec] = Field(min_length=1, max_length=50)
    countries: dict[str, RegionId] = Field(
        default_factory=dict, max_length=249, description="ISO country code → region"
    )
    default_region: RegionId
    desks: dict[RegionId, dict[RequestType, RegionId]] = Field(
        default_factory=dict,
        description="region → {request type → desk region}, e.g. a 24/7 desk for terrorist content and emergencies",
    )

    @field_validator("countries")
    @classmethod
    def _iso_countries(cls, value: dict[str, str]) -> dict[str, str]:
        iso_keys(value)
        return value

    @model_validator(mode="after")
    def _regions_exist(self) -> RoutingDocument:
        named = {self.default_region, *self.countries.values(), *self.desks}
        named |= {desk for by_type in self.desks.values() for desk in by_type.values()}
        missing = sorted(named - set(self.regions))
        if missing:
            raise ValueError(f"regions used but not defined: {', '.join(missing)}")
        return self


@dataclass(frozen=True)
class RoutingRules:
    countries: dict[str, str]  # ISO country → region id
    default_region: str
    regions: dict[str, dict[str, Any]] = field(default_factory=dict)
    desks: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> RoutingRules:
        return cls(
            countries=dict(document.get("countries", {})),
            default_region=document["default_region"],
            regions=dict(document.get("regions", {})),
            desks=dict(document.get("desks", {})),
        )

    def region_for(self, country: str, request_type: str | None = None) -> tuple[str, str]:
        """The region and the rule that chose it (recorded on the request)."""
        if country in self.countries:
            region, rule = self.countries[country], f"country:{country}"
        else:
            region, rule = self.default_region, "default_region"
        desk = self.desks.get(region, {}).get(request_type or "")
        if desk:
            return desk, f"{rule};desk:{request_type}"
        return region, rule
