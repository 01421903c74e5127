"""Sign-in accounts for officers an admin approved: made where people sign in.

Deployed, that is the Cognito user pool (``LIAISON_USER_POOL_ID``): ``AdminCreateUser`` with the officer's
address as user name and Liaison's claims as attributes (``custom:role``, ``custom:agency_id``); Cognito
e-mails a temporary password, and the first sign-in sets a password and an authenticator app (MFA is
required by the pool). Under ``make run`` it is the local OpenID provider (``LIAISON_LOCAL_ACCOUNTS_URL``),
where the officer then signs in by typing their address. With neither (people sign in through an agency's
own provider), no account is made here: the approval says so, and the agency's provider adds the officer.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import NamedTuple
from urllib.parse import quote

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.aws import client
from chalicelib.errors import Conflict, DependencyUnavailable
from chalicelib.observability import logger
from chalicelib.settings import get_settings

LOCAL_AMR = ["pwd", "mfa"]  # as every seeded person of the local provider: the pool requires MFA too


class Account(NamedTuple):
    where: str  # "cognito", "local" or "none"
    username: str | None  # what the officer types to sign in (their address); none: nothing was made


def where() -> str:
    settings = get_settings()
    return "local" if settings.local_accounts_url else "cognito" if settings.user_pool_id else "none"


def create_officer(email: str, name: str, agency_id: str) -> Account:
    """An account for an officer of ``agency_id``. Making it again is harmless (an approval retried); an address
    that already signs in for another agency is 409."""
    settings = get_settings()
    if settings.local_accounts_url:
        claims = {"role": "authority", "agency_id": agency_id, "amr": LOCAL_AMR, "email": email, "name": name}
        put = urllib.request.Request(  # noqa: S310 - loopback only (settings pattern)
            f"{settings.local_accounts_url}/users/{quote(email, safe='')}",
            data=json.dumps(claims).encode(),
            method="PUT",
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(put, timeout=5):  # noqa: S310 - loopback only (settings pattern)
                pass
        except (urllib.error.URLError, OSError) as error:
            raise DependencyUnavailable(
                "The local sign-in provider did not answer; is make run still running?", code="accounts_unavailable"
            ) from error
        return Account("local", email)
    if settings.user_pool_id:
        return Account("cognito", _cognito_user(settings.user_pool_id, email, name, agency_id))
    return Account("none", None)


def _cognito_user(pool: str, email: str, name: str, agency_id: str) -> str:
    cognito = client("cognito-idp")
    try:
        cognito.admin_create_user(
            UserPoolId=pool,
            Username=email,
            DesiredDeliveryMediums=["EMAIL"],
            UserAttributes=[
                {"Name": "email", "Value": email},
                {"Name": "email_verified", "Value": "true"},
                {"Name": "name", "Value": name},
                {"Name": "custom:role", "Value": "authority"},
                {"Name": "custom:agency_id", "Value": agency_id},
            ],
        )
        return email
    except ClientError as error:
        if error.response["Error"]["Code"] != "UsernameExistsException":
            logger.exception("account not created")
            raise DependencyUnavailable(
                "The sign-in service refused to create the account; try again later.", code="accounts_unavailable"
            ) from error
    except BotoCoreError as error:
        raise DependencyUnavailable(
            "The sign-in service cannot be reached; try again later.", code="accounts_unavailable"
        ) from error
    try:
        existing = cognito.admin_get_user(UserPoolId=pool, Username=email)
    except (BotoCoreError, ClientError) as error:
        raise DependencyUnavailable(
            "The sign-in service cannot be reached; try again later.", code="accounts_unavailable"
        ) from error
    attributes = {a["Name"]: a["Value"] for a in existing.get("UserAttributes", [])}
    if attributes.get("custom:agency_id") != agency_id or attributes.get("custom:role") != "authority":
        raise Conflict(
            "This address already signs in to Liaison for someone else; it cannot be given to this agency.",
            code="account_exists",
        )
    return email
