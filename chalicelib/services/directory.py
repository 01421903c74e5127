"""The public directory: region contacts kept by admins in DynamoDB, assembled per country, cached.

Each region's contact is its own item (``contact#<region>``), so two admins editing two regions never
overwrite each other; a counter item (``contacts#version``) moves in the same transaction as every edit,
and is the directory's ``version``.
"""

from __future__ import annotations

import re
import time
from typing import Any, NamedTuple

from pynamodb.transactions import TransactWrite

from chalicelib.domain.countries import is_country
from chalicelib.domain.directory import RegionContact
from chalicelib.errors import BadRequest, NotFound
from chalicelib.services import config
from chalicelib.store.models import ConfigEntry
from chalicelib.store.requests import connection

CACHE_SECONDS = 60
VERSION = "contacts#version"
COUNTRY = re.compile(r"^[A-Za-z]{2}$")


def _key(region: str) -> str:
    return f"contact#{region}"


class Directory(NamedTuple):
    version: int
    updated_at: str | None
    default_region: str
    regions: dict[str, dict[str, Any]]  # region → {name, contact (None until an admin sets it)}
    countries: dict[str, str]  # routed countries → region

    def entry(self, country: str | None, region: str, rule: str) -> dict[str, Any]:
        """A region without a published contact points to the default desk's: never an entry with no contact."""
        spec = self.regions.get(region, {})
        contact = spec.get("contact")
        if contact is None and region != self.default_region:
            contact = self.regions.get(self.default_region, {}).get("contact")
            rule = f"{rule};no contact published for {region}: default desk"
        return {
            "country": country,
            "region": region,
            "region_name": spec.get("name", region),
            "rule": rule,
            "contact": contact,
        }


_cache: dict[str, tuple[float, Directory]] = {}


def forget() -> None:
    _cache.clear()


def directory() -> Directory:
    cached = _cache.get("directory")
    if cached and time.monotonic() - cached[0] < CACHE_SECONDS:
        return cached[1]
    rules = config.routing_rules()
    names = [_key(region) for region in rules.regions] + [VERSION]
    # One BatchGetItem (regions ≤ 50), strongly consistent: the rebuild right after an edit must see it.
    found = {entry.name: entry for entry in ConfigEntry.batch_get(names, consistent_read=True)}
    version = found.get(VERSION)
    regions = {
        region: {
            "name": spec.get("name", region),
            "contact": found[_key(region)].document if _key(region) in found else None,
        }
        for region, spec in rules.regions.items()
    }
    built = Directory(
        version=int(version.counter or 0) if version else 0,
        updated_at=version.updated_at if version else None,
        default_region=rules.default_region,
        regions=regions,
        countries=dict(sorted(rules.countries.items())),
    )
    _cache["directory"] = (time.monotonic(), built)
    return built


class UnknownCountry(NotFound):
    code = "unknown_country"


def for_country(code: str) -> dict[str, Any]:
    """The contact for one country: its region's, or the default region's if it is routed nowhere special."""
    current = directory()
    if not COUNTRY.match(code):
        raise BadRequest(
            "country must be an ISO 3166-1 alpha-2 code, e.g. FR.", code="invalid_country", field="country"
        )
    country = code.upper()
    if not is_country(country):
        raise UnknownCountry(f"{country} is not an ISO 3166-1 country code.")
    if country in current.countries:
        return current.entry(country, current.countries[country], f"country:{country}")
    return current.entry(country, current.default_region, "default_region")


def store(region: str, contact: RegionContact, *, now: str, actor: str) -> Directory:
    if region not in config.routing_rules().regions:
        raise NotFound(f"No region '{region}' in the routing rules; add it there first.", code="unknown_region")
    entry = ConfigEntry(
        _key(region), document=contact.model_dump(mode="json", exclude_none=True), updated_at=now, updated_by=actor
    )
    with TransactWrite(connection=connection()) as transaction:
        transaction.save(entry)
        transaction.update(ConfigEntry(VERSION), actions=_new_version(now, actor))
    forget()
    return directory()


def _new_version(now: str, actor: str) -> list:
    return [ConfigEntry.counter.add(1), ConfigEntry.updated_at.set(now), ConfigEntry.updated_by.set(actor)]


def routing_changed(*, now: str, actor: str) -> None:
    """The routing decides which desk answers for which country: a change is a new directory version."""
    ConfigEntry(VERSION).update(actions=_new_version(now, actor))
    forget()
