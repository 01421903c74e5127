"""The officers' portal: file a new request in a browser (issue 14, point 3).

The form is built from the schema the API validates with: which fields a type shows comes from
``domain.intake.requirements`` (the rules ``check_type_rules`` enforces), their limits and hints from
``Submission``'s JSON schema, the choices from its enums. What the officer typed becomes the JSON body a client
would send, validated by the same ``Submission`` model with the API's messages, and filed through the API's own
``file_request`` (the same check, the same Powertools idempotency). The form carries its own Idempotency-Key,
made when the form is first shown, so a double click or a resubmission after "back" files one request.

Target rows are added and removed without JavaScript: the buttons post the form, which comes back with one row
more or less and everything typed kept.

An EU order may be filed as its official form (issue 15, point 6): ``?form=EPOC`` (or ``EPOC-PR``, ``TCO-RO``)
shows the request's fields, its type limited to what the form is filed as (``FORMS[form].types``), and the
certificate section by section (``web.certificate_forms``, drawn from ``domain.certificates.FORMS``). What was
typed becomes the body's ``certificate`` and is filed through the same path; a refusal is shown beside the
section or field it names (the 422 naming what is missing, beside each missing section or field).
"""

from __future__ import annotations

import functools
import json
import re
import secrets
from datetime import timedelta
from typing import Any

from chalice import Response
from pydantic import ValidationError

from chalicelib.api import authorities as api_authorities
from chalicelib.api.authorities import _IDEMPOTENCY_KEY, canonical_body, file_request, intake
from chalicelib.api.http import MAX_BODY_BYTES, validate
from chalicelib.domain.certificates import FORMS, Form
from chalicelib.domain.deadlines import DeadlinePolicy, RequestType
from chalicelib.domain.intake import MAX_TARGETS, DataCategory, Submission, TargetKind, requirements
from chalicelib.errors import BadRequest, LiaisonError, PayloadTooLarge
from chalicelib.observability import logger
from chalicelib.settings import get_settings
from chalicelib.web import certificate_forms, render
from chalicelib.web.console import Visit, pages

# Words for the fields (labels only: which fields a type needs, and their limits, come from the schema).
LABELS = {
    "type": "Type",
    "legal_basis": "Legal basis",
    "reference": "Reference",
    "language": "Language",
    "description": "Description",
    "targets": "Targets",
    "data_categories": "Data categories",
    "emergency": "Emergency",
    "threat": "Threat",
    "callback_number": "Call-back number",
    "certificate": "Certificate",
}
# How each field of ``Submission`` is drawn by new_request.html; a field the schema gains without one here
# stops the app at import (and its tests), rather than leaving the form silently short.
DRAWN = frozenset(LABELS) - {"threat", "callback_number"}
# Fields the form does not draw yet, each with where it is filed instead. ``certificate`` is drawn on the form
# of an EU order (``?form=``), section by section (``web.certificate_forms``).
NOT_DRAWN: dict[str, str] = {"non_disclosure": "declared on the request page, once the order is uploaded"}
assert set(Submission.model_fields) <= DRAWN | set(NOT_DRAWN), set(Submission.model_fields) - DRAWN - set(NOT_DRAWN)
_TARGET_FIELD = re.compile(r"^targets\.(\d{1,3})\.(kind|value)$")


@functools.cache
def _schema() -> dict[str, Any]:
    return Submission.model_json_schema()


@functools.cache
def limits() -> dict[str, dict[str, Any]]:
    """maxlength and hint of each text input, by input name, from the JSON schema the API publishes."""
    schema = _schema()
    out: dict[str, dict[str, Any]] = {}

    def take(prefix: str, properties: dict[str, Any]) -> None:
        for name, spec in properties.items():
            if spec.get("type") == "string":
                out[prefix + name] = {"maxlength": spec.get("maxLength"), "hint": spec.get("description")}

    take("", schema["properties"])
    take("targets.N.", schema["$defs"]["Target"]["properties"])
    take("emergency.", schema["$defs"]["Emergency"]["properties"])
    return out


def shown_fields(kind: RequestType) -> tuple[list[str], list[str]]:
    """The fields a ``kind`` of request has on the form, and the rules beyond them: the domain's own list."""
    return requirements(kind)


def anchor(field: str | None) -> str | None:
    """The id of the input (or fieldset) an error location names: ``targets.0.value`` → ``targets-0-value``."""
    if not field:
        return None
    if field.startswith("data_categories"):
        return "data_categories"
    if field.lower() == "idempotency-key":
        return None
    return field.replace(".", "-")


def _typed(form: dict[str, str], certificate: Form | None = None) -> dict[str, Any]:
    """What the officer typed, as the template shows it back (nothing dropped, nothing trimmed); on the form of an
    EU order, the certificate's sections too."""
    rows: dict[int, dict[str, str]] = {}
    for name, value in form.items():
        found = _TARGET_FIELD.match(name)
        if found:
            rows.setdefault(int(found.group(1)), {"kind": "", "value": ""})[found.group(2)] = value
    return {
        "type": form.get("type", ""),
        "legal_basis": form.get("legal_basis", ""),
        "reference": form.get("reference", ""),
        "language": form.get("language", ""),
        "description": form.get("description", ""),
        "targets": [rows[i] for i in sorted(rows)] or [{"kind": "", "value": ""}],
        "data_categories": [c.value for c in DataCategory if form.get(f"data_categories.{c.value}")],
        "emergency": {
            "threat": form.get("emergency.threat", ""),
            "callback_number": form.get("emergency.callback_number", ""),
        },
        "certificate": certificate_forms.typed(certificate, form) if certificate else {},
    }


def fields_of(kind: RequestType | None, certificate: Form | None = None) -> tuple[list[str], list[str]]:
    """The fields the form shows: a type's (``shown_fields``); on the form of an EU order, those of every type it
    may be filed as (an EPOC's data categories, and its emergency fields for an emergency disclosure)."""
    if certificate is None:
        assert kind is not None
        return shown_fields(kind)
    shown: list[str] = []
    rules: list[str] = []
    for each in certificate.types:
        fields, each_rules = shown_fields(each)
        shown += [f for f in fields if f not in shown]
        rules += [r for r in each_rules if r not in rules]
    return shown, rules


def body_of(kind: RequestType | None, typed: dict[str, Any], certificate: Form | None = None) -> dict[str, Any]:
    """The JSON body a client would send: empty fields left out, as ``desk_pages._form`` does; only the fields
    this type (or this EU order's types) has on the form. On the form of an EU order the type is as chosen (none
    chosen: none sent, so the API names it missing) and the certificate is built from its sections."""
    shown = set(fields_of(kind, certificate)[0])
    body: dict[str, Any] = {}
    if kind is not None:
        body["type"] = kind.value
    elif certificate is not None and typed["type"] != "":
        body["type"] = typed["type"]
    for name in ("legal_basis", "reference", "language", "description"):
        if typed[name] != "":
            body[name] = typed[name]
    body["targets"] = [{k: v for k, v in row.items() if v != ""} for row in typed["targets"]]
    if "data_categories" in shown and typed["data_categories"]:
        body["data_categories"] = typed["data_categories"]
    if "emergency" in shown:
        emergency = {k: v for k, v in typed["emergency"].items() if v != ""}
        if emergency:
            body["emergency"] = emergency
    if certificate is not None:
        body["certificate"] = certificate_forms.build(certificate, typed["certificate"])
    return body


def _field_errors(body: dict[str, Any]) -> tuple[Submission | None, list[tuple[str | None, str]]]:
    """The API's validation of ``body``: its model, or every error as (field, message). The first is exactly the
    API's answer (``api.http.validate``); the others are worded the same way, so each shows beside its field."""
    try:
        return validate(Submission, body, "body"), []
    except BadRequest as refused:
        first = refused
        errors: list[tuple[str | None, str]] = [(first.field, first.message)]
    try:
        Submission.model_validate(body)
    except ValidationError as exc:
        seen = {first.field}
        for error in exc.errors(include_url=False):
            name = ".".join(str(part) for part in error.get("loc", ())) or "body"
            if name in seen:
                continue
            seen.add(name)
            if error["type"] == "missing":
                errors.append((name, f"Missing body field '{name}'."))
            elif error["type"] == "extra_forbidden":
                errors.append((name, f"Unknown body field '{name}'."))
            else:
                errors.append((name, f"Invalid body field '{name}': {error['msg']}."))
    return None, errors


def _kind(value: str | None) -> RequestType | None:
    try:
        return RequestType(value) if value else None
    except ValueError:
        return None


# What each type is for, in an officer's words. What it must carry is the form itself (the domain's own rules).
PURPOSE = {
    RequestType.DATA_DISCLOSURE: "Data about an account: who holds it, how it was used.",
    RequestType.PRESERVATION: "Keep an account's data from deletion while you obtain the order to disclose it.",
    RequestType.CONTENT_REMOVAL: "Take down illegal content: a message or a channel.",
    RequestType.EMERGENCY_DISCLOSURE: "Data needed at once because a life or someone's safety is at risk. "
    "Needs a sign-in with multi-factor authentication.",
    RequestType.TERRORIST_CONTENT_REMOVAL: "A removal order for terrorist content (EU 2021/784): removed within the "
    "hour.",
}


def _span(delta: timedelta) -> str:
    hours = int(delta.total_seconds() // 3600)
    if hours and hours % 24 == 0:
        return f"{hours // 24} day{'s' if hours != 24 else ''}"
    return f"{hours} hour{'s' if hours != 1 else ''}" if hours else f"{int(delta.total_seconds() // 60)} minutes"


def _choose(visit: Visit, status: int = 200, problem: str | None = None) -> Response:
    clocks = DeadlinePolicy(get_settings().deadlines).clocks
    kinds = [
        (kind, PURPOSE[kind], clocks[kind].basis, _span(clocks[kind].acknowledge), _span(clocks[kind].resolve))
        for kind in RequestType
    ]
    forms = [(form, [(kind, _span(clocks[kind].resolve)) for kind in form.types]) for form in FORMS.values()]
    return visit.render("new_request.html", status=status, step="choose", kinds=kinds, forms=forms, problem=problem)


def _languages(visit: Visit) -> list[str]:
    """The languages the desk for the officer's country reads (the public directory's): an EU order in another
    one is refused (422 ``language_not_accepted``), so the form says them beside the language."""
    from chalicelib.services import directory

    try:
        contact = directory.for_country(visit.agency.country).get("contact") if visit.agency else None
    except Exception:  # a hint only: the form still works, and the API still checks
        logger.exception("directory unavailable for the certificate form's language hint")
        return []
    languages = contact.get("languages") if isinstance(contact, dict) else getattr(contact, "languages", None)
    return [str(tag) for tag in languages or []]


def _form_page(
    visit: Visit,
    kind: RequestType | None,
    typed: dict[str, Any],
    key: str,
    *,
    status: int = 200,
    errors: list[tuple[str | None, str]] | None = None,
    refused: LiaisonError | None = None,
    focus: str | None = None,
    certificate: Form | None = None,
) -> Response:
    shown, rules = fields_of(kind, certificate)
    rendered = (
        {"legal_basis", "reference", "language", "description", "targets"}
        | ({"data_categories"} if "data_categories" in shown else set())
        | ({"emergency", "emergency-threat", "emergency-callback_number"} if "emergency" in shown else set())
    )
    rendered |= {f"targets-{i}-{part}" for i in range(len(typed["targets"])) for part in ("kind", "value")}
    if certificate is not None:
        rendered |= {"type"} | certificate_forms.anchors(certificate.name)
    beside: dict[str, list[str]] = {}
    summary: list[tuple[str | None, str]] = []

    def show(field: str | None, message: str, named: bool = False) -> None:
        where = anchor(field)
        if where not in rendered and certificate is not None and (field or "").startswith("certificate"):
            where = "certificate"  # the certificate as a whole (its form, or a section the page does not draw)
        where = where if where in rendered else None
        if where:
            beside.setdefault(where, []).append(message)
        place = "" if named else certificate_forms.place(certificate, field)  # a message of ours names it
        summary.append((where, f"{place}: {message}" if place else message))

    for field, message in errors or []:
        show(field, message)
    if refused is not None:
        named = certificate_forms.missing(certificate, refused) if certificate is not None else []
        if named:  # the 422 whole at the top, then each missing section or field, beside it and linked
            summary.append((None, refused.message))
            for field, message in named:
                show(field, message, named=True)
        else:
            show(refused.field, refused.message)
    context: dict[str, Any] = {}
    if certificate is not None:
        context = {
            "certificate": certificate_forms.layout(certificate.name),
            "languages": _languages(visit),
            "purposes": PURPOSE,
        }
    return visit.render(
        "new_request.html",
        status=status,
        step="form",
        kind=kind,
        shown=shown,
        rules=rules,
        typed=typed,
        key=key,
        errors={k: " ".join(v) for k, v in beside.items()},
        summary=summary,
        refused=refused,
        limits=limits(),
        labels=LABELS,
        target_kinds=list(TargetKind),
        categories=list(DataCategory),
        max_targets=MAX_TARGETS,
        focus=focus,
        **context,
    )


@pages.page("/console/requests/new", like=api_authorities.submit_request)
def new_request(visit: Visit) -> Response:
    """Step 1, choose the type (or an EU order form); step 2 (``?type=``, or ``?form=`` with an optional ``type``
    among the form's), that type's form, with a fresh Idempotency-Key."""
    chosen, order = visit.query.get("type"), visit.query.get("form")
    if order is not None:
        certificate = certificate_forms.form_named(order)
        if certificate is None:
            return _choose(visit, 400, "Choose one of the EU order forms below.")
        kind = _kind(chosen)
        typed = _typed({"type": kind.value} if kind in certificate.types else {}, certificate)
        return _form_page(visit, None, typed, secrets.token_urlsafe(24), certificate=certificate)
    if not chosen:
        return _choose(visit)
    kind = _kind(chosen)
    if kind is None:
        return _choose(visit, 400, "Choose one of the types below.")
    return _form_page(visit, kind, _typed({}), secrets.token_urlsafe(24))


def _too_large(size: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"This request would be {size // 1024} KB of JSON, more than the {MAX_BODY_BYTES // 1024} "
        "KB the API takes, so it was not filed. Shorten the longest texts; long documents can be "
        "attached to the request once it is filed.",
        code="payload_too_large",
    )


@pages.page("/console/requests/new", ("POST",), like=api_authorities.submit_request)
def file_new_request(visit: Visit) -> Response:
    """Add or remove a target row (the form again, everything kept), or file the request as the API files it."""
    form = visit.form
    certificate = certificate_forms.form_named(form.get("form")) if "form" in form else None
    if "form" in form and certificate is None:
        return _choose(visit, 400, "Choose one of the EU order forms below.")
    # On the form of an EU order, the type is one of its fields (checked by the API's own path, as typed).
    kind = _kind(form.get("type")) if certificate is None else None
    if certificate is None and kind is None:
        return _choose(visit, 400, "Choose one of the types below.")
    key = form.get("idempotency_key", "")
    if not _IDEMPOTENCY_KEY.match(key):
        raise BadRequest(
            "This form lost its Idempotency-Key; open a new request form.", code="invalid_form", field="Idempotency-Key"
        )
    typed = _typed(form, certificate)
    again = functools.partial(_form_page, visit, kind, typed, key, certificate=certificate)
    if form.get("add_target") is not None:
        if len(typed["targets"]) < MAX_TARGETS:
            typed["targets"].append({"kind": "", "value": ""})
        return again(focus=f"targets-{len(typed['targets']) - 1}-kind")
    if form.get("remove_target") is not None:
        index = int(form["remove_target"]) if form["remove_target"].isdigit() else -1
        if 0 <= index < len(typed["targets"]) and len(typed["targets"]) > 1:
            del typed["targets"][index]
        return again(focus="targets-add")
    body = body_of(kind, typed, certificate)
    filed = canonical_body(json.dumps(body, ensure_ascii=False).encode("utf-8"))
    if len(filed) > MAX_BODY_BYTES:  # the API's cap: a body it would refuse is not built here either
        return again(status=413, refused=_too_large(len(filed)))
    submission, errors = _field_errors(body)
    if certificate is not None:  # every certificate field that does not fit, not only the first
        named = {field for field, _ in errors}
        errors += [(f, m) for f, m in certificate_forms.field_errors(body["certificate"]) if f not in named]
    if submission is None or errors:
        return again(status=400, errors=errors)
    try:
        intake.check(visit.principal, submission)
        created = file_request(
            visit.principal, submission, filed, key, visit.agency, getattr(visit.request, "lambda_context", None)
        )
    except LiaisonError as refusal:
        if refusal.status in (401, 404):
            raise
        return again(status=refusal.status, refused=refusal)
    return render.redirect(f"{render.base_path()}/requests/{created['id']}")
