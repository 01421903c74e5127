"""Who may see a request: its own agency's authorities, and its region's representatives.

Anything else — absent, another agency's, another region's, a malformed id —
is the same 404, so nothing about other requests can be learned.
"""

from __future__ import annotations

import re

from chalicelib.auth.principal import Principal, Role
from chalicelib.errors import NotFound
from chalicelib.store.models import LegalRequest
from chalicelib.store.requests import RequestRepository

REQUEST_ID = re.compile(r"^LR-[A-Z2-7]{16}$")  # prefix + base32 of 10 bytes


def visible(requests: RequestRepository, principal: Principal, request_id: str) -> LegalRequest:
    item = requests.get(request_id) if REQUEST_ID.match(request_id) else None
    if item is not None:
        if principal.role is Role.AUTHORITY and item.agency_id == principal.agency_id:
            return item
        if principal.role is Role.REPRESENTATIVE and item.region == principal.region:
            return item
    raise NotFound("No such request for you.")
