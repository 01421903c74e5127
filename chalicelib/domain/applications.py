"""Applying for an account: an officer of an agency Liaison does not know yet asks for access in the portal.

An application goes ``unproven`` (filed; the official address not yet shown to be the applicant's) →
``awaiting_review`` (the address proven with a one-time link) → ``approved`` or ``rejected`` by an admin, who
first records two checks: that the e-mail domain belongs to the agency, and a call-back to a number taken from
an independent source (never one the application gave). Nothing can be filed until an admin approves: approving
registers the agency as verified (or adds the officer to the registered agency that owns the domain).
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints, field_validator

from chalicelib.domain.agencies import EMAIL, IDENTIFIER, AgencyKind, known_country, lower_email_domain
from chalicelib.domain.schema import SingleLine, Strict, Text

PROOF_HOURS = 24  # how long the one-time link proves the address
PROOF_ATTEMPTS = 5  # wrong links for one application before it must be filed again
KEPT_UNPROVEN_DAYS = 7  # an application never proven deletes itself (TTL) after this
# Rate limits of the application form (fixed windows; see store/ratelimits.py).
ALL_PER_HOUR = 100  # in all: a flood of made-up addresses would bounce and harm the sender's reputation
PER_SOURCE_PER_HOUR = 5  # from one network address (an IPv6 /64)
PER_ADDRESS_PER_DAY = 3  # for one e-mail address (resending the link included)
PER_DOMAIN_PER_DAY = 20  # for one e-mail domain (an agency's colleagues applying together)
PHONE = r"^\+[1-9][0-9 ().-]{6,30}$"

# Addresses anyone can open: an application from one proves nothing about an agency. Matched on the domain and
# its parents (mail.yahoo.co.uk: yahoo), and for the big providers on any country suffix (gmx.de, yahoo.fr).
FREE_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "msn.com",
        "aol.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "proton.me",
        "protonmail.com",
        "protonmail.ch",
        "pm.me",
        "tutanota.com",
        "tutanota.de",
        "tuta.io",
        "tuta.com",
        "zoho.com",
        "zohomail.com",
        "mail.com",
        "email.com",
        "gmx.com",
        "gmx.net",
        "web.de",
        "t-online.de",
        "freenet.de",
        "mail.ru",
        "inbox.ru",
        "list.ru",
        "bk.ru",
        "rambler.ru",
        "qq.com",
        "163.com",
        "126.com",
        "yeah.net",
        "sina.com",
        "naver.com",
        "daum.net",
        "hanmail.net",
        "rediffmail.com",
        "seznam.cz",
        "wp.pl",
        "o2.pl",
        "interia.pl",
        "onet.pl",
        "libero.it",
        "virgilio.it",
        "tiscali.it",
        "laposte.net",
        "orange.fr",
        "wanadoo.fr",
        "free.fr",
        "sfr.fr",
        "bluewin.ch",
        "abv.bg",
        "yopmail.com",
        "mailinator.com",
        "guerrillamail.com",
        "temp-mail.org",
        "fastmail.com",
        "hey.com",
        "duck.com",
    }
)
FREE_MAIL_BRANDS = frozenset({"yahoo", "ymail", "hotmail", "outlook", "live", "gmx", "yandex", "aol", "zoho"})


def is_free_mail(domain: str) -> bool:
    labels = domain.lower().strip(".").split(".")
    parents = {".".join(labels[i:]) for i in range(len(labels) - 1)}
    return bool(parents & FREE_MAIL_DOMAINS) or any(label in FREE_MAIL_BRANDS for label in labels[:-1])


class State(StrEnum):
    UNPROVEN = "unproven"
    AWAITING_REVIEW = "awaiting_review"
    APPROVED = "approved"
    REJECTED = "rejected"


class Check(StrEnum):
    DOMAIN = "domain"
    CALL_BACK = "call_back"


class NewApplication(Strict):
    """What an officer gives to apply: their agency, themselves and their official address."""

    agency_name: Annotated[str, StringConstraints(min_length=2, max_length=200), SingleLine] = Field(
        description="The agency's full official name, as on its letterhead."
    )
    country: Annotated[str, StringConstraints(min_length=2, max_length=2, to_upper=True), SingleLine] = Field(
        description="ISO 3166-1 alpha-2 code of the agency's jurisdiction, e.g. FR."
    )
    kind: AgencyKind
    website: (
        Annotated[str, StringConstraints(max_length=200, pattern=r"^https://[^\s/]+\.[^\s]+$"), SingleLine] | None
    ) = Field(
        default=None, description="The agency's official website (https://...), where an admin can check its domain."
    )
    applicant_name: Annotated[str, StringConstraints(min_length=2, max_length=200), SingleLine]
    job_title: Annotated[str, StringConstraints(min_length=2, max_length=200), SingleLine] = Field(
        description="Your rank or position in the agency."
    )
    email: Annotated[str, StringConstraints(max_length=254, pattern=EMAIL), SingleLine] = Field(
        description="Your official e-mail address at the agency. Addresses anyone can open (Gmail, Outlook, ...) "
        "are refused."
    )
    phone: Annotated[str, StringConstraints(max_length=32, pattern=PHONE), SingleLine] = Field(
        description="Your direct line, with country code (+33 ...). The admin calls back on a number from an "
        "independent source, not this one."
    )
    note: Annotated[str, StringConstraints(max_length=2000), Text] | None = Field(
        default=None, description="Anything that helps us check your agency (optional)."
    )

    _known_country = field_validator("country")(known_country)
    _lower_domain = field_validator("email", mode="before")(lower_email_domain)

    @field_validator("email")
    @classmethod
    def _official(cls, value: str) -> str:
        if is_free_mail(value.rpartition("@")[2]):
            raise ValueError(
                "must be your official address at the agency: addresses anyone can open "
                "(Gmail, Outlook, Yahoo, ...) prove nothing about an agency"
            )
        return value

    @property
    def email_domain(self) -> str:
        return self.email.rpartition("@")[2]


class DomainCheck(Strict):
    """The admin's finding that the e-mail domain belongs to the agency, and how they established it."""

    confirmed: bool = Field(description="The domain belongs to the agency.")
    how: Annotated[str, StringConstraints(min_length=10, max_length=1000), Text] = Field(
        description="How you checked: the official source that ties the domain to the agency."
    )


class CallBack(Strict):
    """A call-back to the agency on a number the admin found independently of the application."""

    confirmed: bool = Field(description="The agency confirmed the applicant and the application.")
    number: Annotated[str, StringConstraints(max_length=32, pattern=PHONE), SingleLine] = Field(
        description="The number you called, with country code."
    )
    source: Annotated[str, StringConstraints(min_length=3, max_length=300), SingleLine] = Field(
        description="Where you found the number (an official directory, the agency's website...). Never the "
        "application itself."
    )
    spoke_to: Annotated[str, StringConstraints(min_length=2, max_length=200), SingleLine] = Field(
        description="Who confirmed it, with their position."
    )


class Approval(Strict):
    agency_id: Annotated[str, StringConstraints(pattern=IDENTIFIER), SingleLine] = Field(
        description="The new agency's identifier (lowercase letters, digits and dashes), or the registered "
        "agency that owns the domain."
    )


class Rejection(Strict):
    reason: Annotated[str, StringConstraints(min_length=10, max_length=2000), Text] = Field(
        description="Why, in words the applicant will read in their e-mail."
    )


def suggested_agency_id(name: str, country: str) -> str:
    """A first proposal for the agency's identifier: the country and the name's words, as an id may be."""
    words = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    candidate = f"{country.lower()}-{words}"[:64].rstrip("-")
    return candidate if len(candidate) >= 3 else f"{country.lower()}-agency"


def same_number(a: str, b: str) -> bool:
    """Whether two phone numbers are the same digits, however they are spaced or punctuated."""
    return re.sub(r"\D", "", a) == re.sub(r"\D", "", b)
