"""The authenticated caller, as handlers see it."""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple


class Role(StrEnum):
    AUTHORITY = "authority"
    REPRESENTATIVE = "representative"
    ADMIN = "admin"


class Principal(NamedTuple):
    subject: str
    role: Role
    issuer: str
    expires_at: int  # epoch seconds, re-checked by every handler
    mfa: bool = False
    agency_id: str | None = None  # authorities only
    region: str | None = None  # representatives only

    def to_context(self) -> dict[str, str]:
        """Flatten for an API Gateway authorizer context (string values only)."""
        ctx = {
            "sub": self.subject,
            "role": self.role.value,
            "iss": self.issuer,
            "exp": str(self.expires_at),
            "mfa": "true" if self.mfa else "false",
        }
        if self.agency_id is not None:
            ctx["agency_id"] = self.agency_id
        if self.region is not None:
            ctx["region"] = self.region
        return ctx

    @classmethod
    def from_context(cls, ctx: dict[str, object]) -> Principal:
        return cls(
            subject=str(ctx["sub"]),
            role=Role(str(ctx["role"])),
            issuer=str(ctx["iss"]),
            expires_at=int(str(ctx["exp"])),
            mfa=str(ctx.get("mfa")) == "true",
            agency_id=str(ctx["agency_id"]) if "agency_id" in ctx else None,
            region=str(ctx["region"]) if "region" in ctx else None,
        )
