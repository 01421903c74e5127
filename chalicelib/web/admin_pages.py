"""The admins' console: the agency registry and its standing, representatives, routing, contacts, risk tiers, the
user-notice policy.

Every form is validated by the API's own pydantic schema (``validate``, with the API's messages), and every
change is made by the service function the API's admin route calls (``services.registry``). What a page
offers comes from the domain too: which standing changes an agency allows (``allowed_changes``), the kinds,
tiers and regions to choose from, and each field's required-ness, length and description, read from the
schema. After a change the browser is sent back to the page with a fixed message (POST, then redirect); a
refusal shows the same page again, the service's message beside the form and what was typed kept.

The routing document is edited as the JSON the API takes (regions, countries, desks are maps of maps, up to
249 countries: one field per entry would be a form no one can scan), shown above it as tables. A contact is
a set of fields (a handful, each with its own label and message); risk tiers are a row per jurisdiction. The
user-notice policy is a fieldset per request type, saved together, and a form for one jurisdiction's rule of one
type (set or taken off), the jurisdictions' rules listed beside it.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any
from urllib.parse import urlencode

from chalice import Response
from pydantic import BaseModel

from chalicelib.api import admin as admin_api
from chalicelib.api import notices as notices_api
from chalicelib.api.admin import AgencyQuery, NewRepresentative, RegionQuery, agencies, representatives
from chalicelib.api.http import validate
from chalicelib.api.views import AgencyView
from chalicelib.domain.agencies import NewAgency, Standing, StandingChange, allowed_changes
from chalicelib.domain.deadlines import RequestType
from chalicelib.domain.directory import RegionContact
from chalicelib.domain.routing import RoutingDocument
from chalicelib.domain.safeguards import RiskTier, RiskTiers
from chalicelib.domain.user_notice import NoticeAction, NoticePolicy, NoticeRule
from chalicelib.errors import BadRequest, LiaisonError, NotFound
from chalicelib.services import config, directory, registry
from chalicelib.web import render
from chalicelib.web.console import Visit, pages

# List fields typed on one line, items separated by commas or spaces; any other list is one item per line.
ON_ONE_LINE = frozenset({"languages"})
NEW_TIER_ROWS = 3  # empty rows of the risk-tier form, to add jurisdictions
# What the page says after a change, by its key (never text the person typed).
DONE = {
    "register": "Agency registered. It stays pending, and its officers are refused, until you verify it.",
    "verify": "Agency verified: its officers' tokens are accepted from now on.",
    "suspend": "Agency suspended: its officers' tokens and sessions are refused from their next request on.",
    "reinstate": "Agency reinstated.",
    "representative": "Representative added. They are asked by e-mail to confirm their notices.",
    "deactivate": "Representative deactivated: refused from their next call or page on, and given no new request.",
    "reactivate": "Representative reactivated.",
    "routing": "Routing rules replaced. New requests follow them at once here, within 30 s everywhere.",
    "contact": "Contact published: the public directory has a new version.",
    "risk-tiers": "Risk tiers saved. A fulfilment in a high tier needs a second approval from now on.",
    "notice-policy": "Notice policy saved. It applies to requests filed from now on; those filed keep their rule.",
    "notice-override": "Jurisdiction's rule saved. It applies to requests filed from now on.",
    "notice-override-removed": "Jurisdiction's rule removed: the type's rule applies there from now on.",
}


def _admin_url(page: str = "", fragment: str = "", **query: str) -> str:
    """A page of the admins; after a form lower down the page, ``#main`` (a redirect keeps the form's own
    fragment otherwise, and the message at the top would be out of sight)."""
    target = f"{render.base_path()}/admin{page}"
    shown = {k: v for k, v in query.items() if v}
    return (f"{target}?{urlencode(shown)}" if shown else target) + (f"#{fragment}" if fragment else "")


def _typed(visit: Visit) -> dict[str, str]:
    return {k: v for k, v in visit.form.items() if k != "csrf"}


def _refusal(action: str, error: LiaisonError) -> dict[str, Any]:
    return {"action": action, "error": error}


def _schema_form(model: type[BaseModel], fields: dict[str, Any]) -> Any:
    """The API's schema, fed from a form: empty fields are absent (as a JSON client leaves them out), dotted
    names are nested objects (``establishment.email``), and a list field is one item per line (or, for a
    list of codes, separated by commas or spaces)."""
    spec = schema_fields(model)
    document: dict[str, Any] = {}
    for name, given in fields.items():
        value: Any = given
        if spec.get(name, {}).get("array"):
            items = re.split(r"[,\s]+", given) if name in ON_ONE_LINE else str(given).splitlines()
            value = [item.strip() for item in items if item.strip()]
        if value in ("", None, []):
            continue
        *parents, leaf = name.split(".")
        node = document
        for part in parents:
            child = node.setdefault(part, {})
            node = child if isinstance(child, dict) else node
        node[leaf] = value
    return validate(model, document, "form")


@functools.cache
def schema_fields(model: type[BaseModel]) -> dict[str, dict[str, Any]]:
    """Each field of an API schema as its form control shows it, by dotted name: required or not, its length
    limit, its description, its choices, its default, whether it is a list. Read, never restated."""
    schema = model.model_json_schema()
    definitions = schema.get("$defs", {})
    fields: dict[str, dict[str, Any]] = {}

    def walk(node: dict[str, Any], prefix: str) -> None:
        required = set(node.get("required", []))
        for name, prop in node.get("properties", {}).items():
            target = definitions[prop["$ref"].rsplit("/", 1)[-1]] if "$ref" in prop else prop
            if "properties" in target:
                walk(target, f"{prefix}{name}.")
                continue
            fields[prefix + name] = {
                "required": name in required,
                "maxlength": target.get("maxLength"),
                "hint": prop.get("description"),
                "choices": target.get("enum"),
                "default": prop.get("default"),
                "array": target.get("type") == "array",
                "boolean": target.get("type") == "boolean",
            }

    walk(schema, "")
    return fields


def _flat(document: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """A stored document as form values: nested objects under dotted names, lists one item per line."""
    values: dict[str, Any] = {}
    for name, value in document.items():
        if isinstance(value, dict):
            values.update(_flat(value, f"{prefix}{name}."))
        else:
            joiner = ", " if prefix + name in ON_ONE_LINE else "\n"
            values[prefix + name] = joiner.join(value) if isinstance(value, list) else value
    return values


def _defaults(model: type[BaseModel]) -> dict[str, Any]:
    return {name: spec["default"] for name, spec in schema_fields(model).items() if spec["default"] is not None}


# --- Agencies ---------------------------------------------------------------------------------------------------


def _agency_query(raw: dict[str, str]) -> AgencyQuery:
    """The API's query schema of the registry: a standing to filter by, and the registry's cursor."""
    return validate(AgencyQuery, {k: raw[k] for k in ("standing", "cursor") if raw.get(k)}, "query")


def _agencies(
    visit: Visit,
    query: dict[str, str],
    *,
    status: int = 200,
    done: str | None = None,
    refused: dict[str, Any] | None = None,
    typed: dict[str, str] | None = None,
) -> Response:
    chosen = _agency_query(query)
    items, next_cursor = agencies.page(limit=chosen.limit, after=chosen.cursor, standing=chosen.standing)
    rows = [{"agency": AgencyView.of(a), "changes": allowed_changes(Standing(a.standing))} for a in items]
    return visit.render(
        "admin_agencies.html",
        status=status,
        done=done,
        refused=refused,
        rows=rows,
        next_cursor=next_cursor,
        chosen=chosen,
        standings=list(Standing),
        spec=schema_fields(NewAgency),
        values=typed if typed is not None else {},
        first_page=_admin_url(standing=chosen.standing or ""),
        next_page=_admin_url(standing=chosen.standing or "", cursor=next_cursor or "") if next_cursor else None,
    )


@pages.page("/console/admin", like=admin_api.list_agencies)
def agencies_page(visit: Visit) -> Response:
    return _agencies(visit, visit.query, done=DONE.get(visit.query.get("done", "")))


@pages.page("/console/admin/agencies", ("POST",), like=admin_api.register_agency)
def register_agency(visit: Visit) -> Response:
    typed = _typed(visit)
    try:
        registry.register_agency(_schema_form(NewAgency, typed), visit.principal)
    except LiaisonError as refusal:
        return _agencies(visit, {}, status=refusal.status, refused=_refusal("register", refusal), typed=typed)
    # Pending agencies are the ones waiting for the admin's next step.
    return render.redirect(_admin_url(standing=Standing.PENDING.value, done="register", fragment="main"))


@pages.page("/console/admin/agencies/{agency_id}/{change}", ("POST",), like=admin_api.get_agency)
def change_standing(visit: Visit) -> Response:
    try:
        change = StandingChange(visit.params["change"])
    except ValueError:
        raise NotFound("No such action.") from None
    back = _agency_query(visit.form)  # the list the button was on: the browser goes back to it
    listing = {"standing": back.standing or "", "cursor": back.cursor or ""}
    try:
        registry.change_standing(visit.params["agency_id"], change, visit.principal)
    except LiaisonError as refusal:
        return _agencies(visit, listing, status=refusal.status, refused=_refusal(change.value, refusal))
    return render.redirect(_admin_url(**listing, done=change.value))


# --- Representatives --------------------------------------------------------------------------------------------


def _representatives(
    visit: Visit,
    region: str | None,
    *,
    status: int = 200,
    done: str | None = None,
    refused: dict[str, Any] | None = None,
    typed: dict[str, str] | None = None,
) -> Response:
    rules = config.routing_rules()
    chosen: RegionQuery = validate(RegionQuery, {"region": region or rules.default_region}, "query")
    values = typed if typed is not None else {**_defaults(NewRepresentative), "region": chosen.region}
    return visit.render(
        "admin_representatives.html",
        status=status,
        done=done,
        refused=refused,
        regions=rules.regions,
        region=chosen.region,
        people=representatives.in_region(chosen.region),
        spec=schema_fields(NewRepresentative),
        values=values,
    )


@pages.page("/console/admin/representatives", like=admin_api.list_representatives)
def representatives_page(visit: Visit) -> Response:
    return _representatives(visit, visit.query.get("region"), done=DONE.get(visit.query.get("done", "")))


@pages.page("/console/admin/representatives", ("POST",), like=admin_api.add_representative)
def add_representative(visit: Visit) -> Response:
    typed = _typed(visit)
    # A checkbox is sent when ticked and absent when not: each of the schema's yes/no fields is one.
    answers = {
        **typed,
        **{name: name in typed for name, spec in schema_fields(NewRepresentative).items() if spec["boolean"]},
    }
    try:
        new: NewRepresentative = _schema_form(NewRepresentative, answers)
        registry.add_representative(
            rep_id=new.id,
            name=new.name,
            email=new.email,
            region=new.region,
            lead=new.lead,
            available=new.available,
            admin=visit.principal,
        )
    except LiaisonError as refusal:
        shown = typed.get("region") if typed.get("region") in config.routing_rules().regions else None
        return _representatives(
            visit, shown, status=refusal.status, refused=_refusal("representative", refusal), typed=typed
        )
    return render.redirect(_admin_url("/representatives", region=new.region, done="representative", fragment="main"))


@pages.page("/console/admin/representatives/{rep_id}/{change}", ("POST",), like=admin_api.deactivate_representative)
def change_activation(visit: Visit) -> Response:
    change = visit.params["change"]
    if change not in ("deactivate", "reactivate"):
        raise NotFound("No such action.")
    rep = registry.set_representative_active(visit.params["rep_id"], change == "reactivate", visit.principal)
    return render.redirect(_admin_url("/representatives", region=rep.region, done=change, fragment="main"))


# --- Routing ----------------------------------------------------------------------------------------------------


def _routing(
    visit: Visit,
    *,
    status: int = 200,
    done: str | None = None,
    refused: dict[str, Any] | None = None,
    typed: dict[str, str] | None = None,
) -> Response:
    document = config.routing_document()
    shown = document.model_dump(mode="json")
    shown["countries"] = dict(sorted(shown["countries"].items()))  # scanned by code
    text = typed.get("document", "") if typed is not None else json.dumps(shown, indent=2, ensure_ascii=False)
    by_region: dict[str, list[str]] = {}
    for country, region in sorted(document.countries.items()):
        by_region.setdefault(region, []).append(country)
    return visit.render(
        "admin_routing.html",
        status=status,
        done=done,
        refused=refused,
        routing=document,
        by_region=by_region,
        text=text,
        types=list(RequestType),
        spec=schema_fields(RoutingDocument),
    )


@pages.page("/console/admin/routing", like=admin_api.get_routing)
def routing_page(visit: Visit) -> Response:
    return _routing(visit, done=DONE.get(visit.query.get("done", "")))


def _json_document(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise BadRequest(
            f"The document is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg}).",
            code="invalid_json",
            field="document",
        ) from None
    except RecursionError:
        raise BadRequest("The document is not valid JSON.", code="invalid_json", field="document") from None
    if not isinstance(data, dict):
        raise BadRequest("The document must be a JSON object.", code="invalid_json", field="document")
    return data


@pages.page("/console/admin/routing", ("POST",), like=admin_api.put_routing)
def replace_routing(visit: Visit) -> Response:
    typed = _typed(visit)
    try:
        document = validate(RoutingDocument, _json_document(typed.get("document", "")), "document")
        registry.replace_routing(document, visit.principal)
    except LiaisonError as refusal:
        return _routing(visit, status=refusal.status, refused=_refusal("routing", refusal), typed=typed)
    return render.redirect(_admin_url("/routing", done="routing", fragment="main"))


# --- Contacts ---------------------------------------------------------------------------------------------------


def _contacts(
    visit: Visit,
    region: str | None,
    *,
    status: int = 200,
    done: str | None = None,
    refused: dict[str, Any] | None = None,
    typed: dict[str, str] | None = None,
) -> Response:
    current = directory.directory()
    chosen: RegionQuery = validate(RegionQuery, {"region": region or current.default_region}, "query")
    contact = current.regions.get(chosen.region, {}).get("contact")
    values = typed if typed is not None else (_flat(contact) if contact else _defaults(RegionContact))
    return visit.render(
        "admin_contacts.html",
        status=status,
        done=done,
        refused=refused,
        directory=current,
        region=chosen.region,
        spec=schema_fields(RegionContact),
        values=values,
    )


@pages.page("/console/admin/contacts", like=admin_api.put_contact)
def contacts_page(visit: Visit) -> Response:
    return _contacts(visit, visit.query.get("region"), done=DONE.get(visit.query.get("done", "")))


@pages.page("/console/admin/contacts/{region}", ("POST",), like=admin_api.put_contact)
def publish_contact(visit: Visit) -> Response:
    region, typed = visit.params["region"], _typed(visit)
    try:
        registry.publish_contact(region, _schema_form(RegionContact, typed), visit.principal)
    except LiaisonError as refusal:
        if region not in directory.directory().regions:
            raise  # no such region (404): there is no form of it to show again
        return _contacts(visit, region, status=refusal.status, refused=_refusal("contact", refusal), typed=typed)
    return render.redirect(_admin_url("/contacts", region=region, done="contact", fragment="main"))


# --- Risk tiers -------------------------------------------------------------------------------------------------


def _tier_rows(typed: dict[str, str]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The form's rows: one per listed jurisdiction (``tier.FR``), and the empty rows to add one."""
    listed = [(name.removeprefix("tier."), value) for name, value in typed.items() if name.startswith("tier.")]
    added = [(typed.get(f"country.{n}", ""), typed.get(f"new-tier.{n}", "")) for n in range(1, NEW_TIER_ROWS + 1)]
    return listed, added


def _risk_tiers(
    visit: Visit,
    *,
    status: int = 200,
    done: str | None = None,
    refused: dict[str, Any] | None = None,
    typed: dict[str, str] | None = None,
) -> Response:
    if typed is None:
        tiers = config.risk_tiers()
        listed = [(country, tier.value) for country, tier in sorted(tiers.jurisdictions.items())]
        added, default = [("", "")] * NEW_TIER_ROWS, tiers.default.value
    else:
        (listed, added), default = _tier_rows(typed), typed.get("default", "")
    return visit.render(
        "admin_risk_tiers.html",
        status=status,
        done=done,
        refused=refused,
        listed=listed,
        added=added,
        default=default,
        tiers=list(RiskTier),
    )


@pages.page("/console/admin/risk-tiers", like=admin_api.get_risk_tiers)
def risk_tiers_page(visit: Visit) -> Response:
    return _risk_tiers(visit, done=DONE.get(visit.query.get("done", "")))


@pages.page("/console/admin/risk-tiers", ("POST",), like=admin_api.put_risk_tiers)
def replace_risk_tiers(visit: Visit) -> Response:
    typed = _typed(visit)
    listed, added = _tier_rows(typed)
    # A listed jurisdiction set to "the default" is taken off the list, an empty new row is no row; anything
    # else goes to the schema as it came, so an unknown field is refused by name, as the API refuses it.
    jurisdictions = {
        **{country: tier for country, tier in listed if tier},
        **{country: tier for country, tier in added if country},
    }
    rows = (
        {"default"}
        | {f"tier.{c}" for c, _ in listed}
        | {f"{kind}.{n}" for kind in ("country", "new-tier") for n in range(1, NEW_TIER_ROWS + 1)}
    )
    document = {**{k: v for k, v in typed.items() if k not in rows}, "jurisdictions": jurisdictions}
    if typed.get("default"):
        document["default"] = typed["default"]
    try:
        registry.replace_risk_tiers(validate(RiskTiers, document, "form"), visit.principal)
    except LiaisonError as refusal:
        return _risk_tiers(visit, status=refusal.status, refused=_refusal("risk-tiers", refusal), typed=typed)
    return render.redirect(_admin_url("/risk-tiers", done="risk-tiers"))


# --- User notice policy -----------------------------------------------------------------------------------------

RULE_FIELDS = ("action", "delay_days", "record_within_days", "max_prohibition_days", "basis")
RULE_LABELS = {
    "action": "Action",
    "delay_days": "Delay (days)",
    "record_within_days": "Record within (days)",
    "max_prohibition_days": "Longest prohibition (days)",
    "basis": "Basis",
}
OVERRIDE_FIELDS = ("country", "type", *RULE_FIELDS)


def _rule_values(rule: NoticeRule, prefix: str = "") -> dict[str, Any]:
    return {prefix + name: value for name, value in rule.model_dump(mode="json", exclude_none=True).items()}


def _typed_rule(typed: dict[str, str], prefix: str = "") -> dict[str, str]:
    """A rule as typed: empty fields left out (their defaults apply), and the delay only with the action 'delay'
    (the form shows it for every rule; the schema takes it only there)."""
    rule = {name: typed[prefix + name] for name in RULE_FIELDS if typed.get(prefix + name, "").strip()}
    if rule.get("action") != NoticeAction.DELAY.value:
        rule.pop("delay_days", None)
    return rule


@functools.cache
def _rule_spec(prefix: str) -> dict[str, dict[str, Any]]:
    """The rule's schema per form control (``prefix`` + field), its descriptions shown once above the forms."""
    required = {"record_within_days", "max_prohibition_days"}  # defaulted: every stored rule has them
    return {
        prefix + name: {**spec, "hint": None, "required": spec["required"] or name in required}
        for name, spec in schema_fields(NoticeRule).items()
    }


def _notice_policy(
    visit: Visit,
    *,
    status: int = 200,
    done: str | None = None,
    refused: dict[str, Any] | None = None,
    typed: dict[str, str] | None = None,
) -> Response:
    policy = config.notice_policy()
    action = refused["action"] if refused else None
    if action == "notice-types" and typed is not None:
        type_values = typed
    else:
        type_values = {
            k: v for kind, rule in policy.types.items() for k, v in _rule_values(rule, f"types.{kind.value}.").items()
        }
    if action == "notice-override" and typed is not None:
        override = typed
    else:  # an Edit link: the jurisdiction's own rule of the type, else the type's rule to start from
        country, kind = visit.query.get("country", "").strip().upper(), visit.query.get("type", "")
        override = {"country": country} if country else {}
        override.update(
            {name: NoticeRule.model_fields[name].default for name in ("record_within_days", "max_prohibition_days")}
        )
        if kind in {t.value for t in RequestType}:
            own = policy.jurisdictions.get(country, {}).get(RequestType(kind))
            override.update({"type": kind, **_rule_values(own or policy.types[RequestType(kind)])})
    overrides = [
        (country, kind.value, rule.model_dump(mode="json"))
        for country, rules in sorted(policy.jurisdictions.items())
        for kind, rule in rules.items()
    ]
    hints = {name: spec["hint"] for name, spec in schema_fields(NoticeRule).items() if spec["hint"]}
    return visit.render(
        "admin_notice_policy.html",
        status=status,
        done=done,
        refused=refused,
        types=[t.value for t in RequestType],
        type_values=type_values,
        override=override,
        overrides=overrides,
        labels=RULE_LABELS,
        hints=hints,
        type_spec={kind.value: _rule_spec(f"types.{kind.value}.") for kind in RequestType},
        override_spec={
            **_rule_spec(""),
            "country": {"required": True, "maxlength": 2},
            "type": {"required": True, "choices": [t.value for t in RequestType]},
        },
    )


def _store_notice_policy(
    visit: Visit,
    document: dict[str, Any],
    action: str,
    typed: dict[str, str],
    done: str,
    fragment: str = "",
    own: str = "",
) -> Response:
    """Validate and store the policy; a refusal shows the page again beside the form (``action``). ``own``: the
    path of the one rule the form edits, so a refusal of one of its fields marks the form's own control."""
    try:
        registry.replace_notice_policy(validate(NoticePolicy, document, "form"), visit.principal)
    except LiaisonError as refusal:
        field = refusal.field or ""
        if re.fullmatch(r"types\.[a-z_]+", field) or (own and field == own):
            field += ".delay_days"  # a rule's own check: its delay, given with the action 'delay' only
        if own and field.startswith(own + "."):
            field = field.removeprefix(own + ".")
        elif own and field.startswith("jurisdictions"):
            field = "country"  # the country code itself
        refusal.field = field or refusal.field
        return _notice_policy(visit, status=refusal.status, refused=_refusal(action, refusal), typed=typed)
    return render.redirect(_admin_url("/notice-policy", done=done, fragment=fragment))


@pages.page("/console/admin/notice-policy", like=notices_api.get_notice_policy)
def notice_policy_page(visit: Visit) -> Response:
    return _notice_policy(visit, done=DONE.get(visit.query.get("done", "")))


@pages.page("/console/admin/notice-policy", ("POST",), like=notices_api.put_notice_policy)
def replace_notice_types(visit: Visit) -> Response:
    """Every type's rule at once; the jurisdictions' rules stay as they are. A field the form does not have goes
    to the schema as it came, so it is refused by name, as the API refuses it."""
    typed = _typed(visit)
    kinds = [t.value for t in RequestType]
    ours = {f"types.{kind}.{name}" for kind in kinds for name in RULE_FIELDS}
    current = config.notice_policy().model_dump(mode="json", exclude_none=True)
    document = {
        **{k: v for k, v in typed.items() if k not in ours},
        "types": {kind: _typed_rule(typed, f"types.{kind}.") for kind in kinds},
        "jurisdictions": current["jurisdictions"],
    }
    return _store_notice_policy(visit, document, "notice-types", typed, "notice-policy", "main")


@pages.page("/console/admin/notice-policy/jurisdiction", ("POST",), like=notices_api.put_notice_policy)
def set_notice_override(visit: Visit) -> Response:
    """One jurisdiction's own rule for one type, added or replaced."""
    typed = _typed(visit)
    country, kind = typed.get("country", "").strip().upper(), typed.get("type", "").strip()
    try:
        if not country:
            raise BadRequest(
                "Give the jurisdiction's country code (ISO 3166-1 alpha-2, e.g. FR).",
                code="missing_field",
                field="country",
            )
        if kind not in {t.value for t in RequestType}:
            raise BadRequest("Choose the type of request the rule is for.", code="invalid_field", field="type")
    except LiaisonError as refusal:
        return _notice_policy(visit, status=refusal.status, refused=_refusal("notice-override", refusal), typed=typed)
    document = config.notice_policy().model_dump(mode="json", exclude_none=True)
    document.update({k: v for k, v in typed.items() if k not in OVERRIDE_FIELDS})
    document["jurisdictions"].setdefault(country, {})[kind] = _typed_rule(typed)
    return _store_notice_policy(
        visit, document, "notice-override", typed, "notice-override", "main", own=f"jurisdictions.{country}.{kind}"
    )


@pages.page("/console/admin/notice-policy/jurisdiction/remove", ("POST",), like=notices_api.put_notice_policy)
def remove_notice_override(visit: Visit) -> Response:
    """A jurisdiction's own rule for a type taken off: the type's rule applies there again."""
    typed = _typed(visit)
    country, kind = typed.get("country", ""), typed.get("type", "")
    document = config.notice_policy().model_dump(mode="json", exclude_none=True)
    rules = document["jurisdictions"].get(country, {})
    if kind not in rules:
        refusal = NotFound(
            f"{country or 'That jurisdiction'} has no rule of its own for {kind or 'that type'}: nothing was removed.",
            code="no_such_rule",
        )
        return _notice_policy(visit, status=refusal.status, refused=_refusal("notice-remove", refusal))
    del rules[kind]
    if not rules:
        del document["jurisdictions"][country]
    return _store_notice_policy(visit, document, "notice-remove", {}, "notice-override-removed", "main")
