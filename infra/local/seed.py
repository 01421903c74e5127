"""Seeds the local stack with the fictional demo data and writes ``tokens.json``.

Data goes through the application's own PynamoDB models, so the seed breaks
loudly if a model and the demo data disagree.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from infra.local.identity import DevIssuer

DEMO_DATA_PATH = Path(__file__).with_name("demo-data.json")


def demo_data() -> dict[str, Any]:
    return json.loads(DEMO_DATA_PATH.read_text(encoding="utf-8"))


def seed(now_iso: str) -> dict[str, Any]:
    """Write agencies, representatives and the routing document; return the demo data."""
    from chalicelib.store.models import Agency, ConfigEntry, Representative  # needs settings in env

    data = demo_data()
    for agency in data["agencies"]:
        Agency(
            agency["agency_id"],
            name=agency["name"],
            country=agency["country"],
            kind=agency["kind"],
            email_domain=agency["email_domain"],
            contact_email=agency["contact_email"],
            standing="verified",
            created_at=now_iso,
            updated_at=now_iso,
        ).save()
    for rep in data["representatives"]:
        Representative(
            rep["rep_id"],
            name=rep["name"],
            email=rep["email"],
            region=rep["region"],
            lead=rep["lead"],
            available=True,
            created_at=now_iso,
            updated_at=now_iso,
        ).save()
    countries = {country: region for region, spec in data["regions"].items() for country in spec["countries"]}
    ConfigEntry(
        "routing",
        document={
            "regions": {rid: {"name": spec["name"]} for rid, spec in data["regions"].items()},
            "countries": countries,
            "default_region": data["default_region"],
        },
        updated_at=now_iso,
        updated_by="seed",
    ).save()
    from chalicelib.domain.directory import RegionContact
    from chalicelib.services import directory

    for region, contact in data.get("contacts", {}).items():
        directory.store(region, RegionContact.model_validate(contact), now=now_iso, actor="seed")
    return data


def tokens(issuer: DevIssuer, data: dict[str, Any]) -> dict[str, Any]:
    """Tokens for every seeded principal, in the shape of ``.local/tokens.json``."""
    return {
        "admin": issuer.mint(role="admin", sub=data["admins"][0], mfa=True),
        "authorities": [
            {
                "agency_id": agency["agency_id"],
                "country": agency["country"],
                "sub": officer,
                "token": issuer.mint(role="authority", sub=officer, agency_id=agency["agency_id"], mfa=True),
            }
            for agency in data["agencies"]
            for officer in agency["officers"]
        ],
        "representatives": [
            {
                "rep_id": rep["rep_id"],
                "region": rep["region"],
                "lead": rep["lead"],
                "token": issuer.mint(role="representative", sub=rep["rep_id"], region=rep["region"], mfa=True),
            }
            for rep in data["representatives"]
        ],
    }
