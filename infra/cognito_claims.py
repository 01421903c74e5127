"""Cognito pre-token-generation trigger (V2_0): Liaison's claims in the console's ID token.

infra/template.py inlines this file as the ClaimsTrigger function's code (ZipFile: 4 KB at most).
- The pool's own people (created by an admin): custom:role, custom:agency_id and custom:region become
  role, agency_id and region. The app client cannot write these attributes: only admins set them.
- People from an agency's own OpenID provider: role "authority", and the agency that AGENCY_PROVIDERS
  (parameter AgencyIdentityProviders) names for that provider, never a value the provider sends: a
  provider speaks for its own agency only. A provider not listed there is refused.
`amr` is left alone: Cognito does not let a trigger add or change it. The pool requires MFA (TOTP), so
every sign-in of its own people is multi-factor, and Cognito's own `amr` says so where it issues one.
"""

import json
import os

ATTRIBUTES = {"custom:role": "role", "custom:agency_id": "agency_id", "custom:region": "region"}


def claims(attributes, agency_providers):
    """The claims to add for a person with these user attributes."""
    identities = json.loads(attributes.get("identities") or "[]")
    if identities:
        provider = identities[0].get("providerName", "")
        agency = agency_providers.get(provider)
        if not isinstance(agency, str) or not agency:
            raise PermissionError(f"identity provider {provider!r} speaks for no agency (AgencyIdentityProviders)")
        return {"role": "authority", "agency_id": agency}
    return {claim: attributes[name] for name, claim in ATTRIBUTES.items() if attributes.get(name)}


def handler(event, context):
    providers = json.loads(os.environ.get("AGENCY_PROVIDERS") or "{}")
    event["response"]["claimsAndScopeOverrideDetails"] = {
        "idTokenGeneration": {
            "claimsToAddOrOverride": claims(event["request"]["userAttributes"], providers),
            # One source of truth in the token: the attributes are only ever read through the claims above.
            "claimsToSuppress": list(ATTRIBUTES),
        },
    }
    return event
