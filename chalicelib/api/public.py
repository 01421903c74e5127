"""Public routes: health and the API's own description. No token needed."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import Annotated, Any, Literal

from chalice import Response
from pydantic import ConfigDict, Field, StringConstraints

from chalicelib import __version__, health
from chalicelib.api import openapi, page
from chalicelib.api.http import Call, Reply, Routes, Strict
from chalicelib.clock import app_clock, isoformat
from chalicelib.domain.deadlines import DeadlinePolicy, RequestType
from chalicelib.domain.directory import RegionContact
from chalicelib.domain.intake import requirements
from chalicelib.domain.schema import View
from chalicelib.domain.transparency import (
    ANNEX_III_CSV_COLUMNS,
    FORM_CSV_COLUMNS,
    NOTICE_CSV_COLUMNS,
    form_rows,
    notice_rows,
    to_csv,
)
from chalicelib.domain.user_notice import NoticeRule
from chalicelib.errors import BadRequest
from chalicelib.services import config, directory, transparency
from chalicelib.services.receipts import ReceiptSigner
from chalicelib.settings import get_settings

routes = Routes(__name__, tag="public")


class DependencyStatus(View):
    name: str
    kind: Literal["table", "state_machine", "topic", "bucket", "key"]
    reachable: bool


class HealthReport(View):
    """Reachability of every AWS dependency."""

    status: Literal["ok", "degraded"]
    checked_at: str
    version: str
    dependencies: list[DependencyStatus]


@routes.public(
    "/v1/health",
    summary="Whether every dependency (tables, workflow, topics, bucket) is reachable; 200 only when all are.",
    responses={200: HealthReport, 503: HealthReport},
)
def get_health(call: Call) -> Reply:
    results = health.check(get_settings())
    healthy = all(reachable for _, reachable in results)
    report = HealthReport(
        status="ok" if healthy else "degraded",
        checked_at=isoformat(app_clock.now()),
        version=__version__,
        dependencies=[DependencyStatus(name=dep.name, kind=dep.kind, reachable=ok) for dep, ok in results],
    )
    return Reply(200 if healthy else 503, report, {"Cache-Control": "no-store"})


class PublicKey(View):
    kty: str
    crv: str
    x: str
    y: str
    kid: str
    use: str
    alg: str


class KeySet(View):
    """The public keys that sign receipts (JWKS, RFC 7517): check a receipt's signature with them."""

    keys: list[PublicKey]


receipts = ReceiptSigner()


@routes.public(
    "/v1/public/keys",
    summary="The public keys of this platform's receipts, as a JWKS. A receipt is a "
    "compact JWS (ES256) over {request_id, agency_id, received_at, body_sha256}.",
    responses={200: KeySet},
)
def get_keys(call: Call) -> Reply:
    return Reply(200, KeySet.model_validate(receipts.jwks()), {"Cache-Control": "public, max-age=300"})


class ContactEntry(View):
    """Where an authority of ``country`` writes: its region's representative or establishment."""

    country: str | None = None
    region: str
    region_name: str
    rule: str  # country:XX, or default_region
    contact: RegionContact | None = None  # None until an admin has published the region's contact


class ContactsView(View):
    """The public directory: where each jurisdiction's authorities write, and how to get an account."""

    version: int
    updated_at: str | None = None
    api_base_url: str
    default: ContactEntry
    jurisdictions: list[ContactEntry]


class ContactsQuery(Strict):
    country: Annotated[str, StringConstraints(max_length=64)] | None = None  # the handler says what is wrong


PUBLIC_CACHE = {"Cache-Control": "public, max-age=300"}


def contacts_view(country: str | None = None) -> ContactsView:
    current = directory.directory()
    default = ContactEntry(**current.entry(None, current.default_region, "default_region"))
    if country is None:
        entries = [
            ContactEntry(**current.entry(code, region, f"country:{code}")) for code, region in current.countries.items()
        ]
    else:
        entries = [ContactEntry(**directory.for_country(country))]
    return ContactsView(
        version=current.version,
        updated_at=current.updated_at,
        api_base_url=get_settings().api_base_url,
        default=default,
        jurisdictions=entries,
    )


@routes.public(
    "/v1/public/contacts",
    query=ContactsQuery,
    responses={200: ContactsView},
    summary="Where authorities write: for each jurisdiction its region, the legal representative or "
    "designated establishment, languages, the emergency channel, the API and how to get an "
    "account. ?country=XX for one (any valid country gets its region's contact or the "
    "default one; 404 unknown_country, 400 invalid_country, both with the default contact).",
)
def get_contacts(call: Call) -> Reply:
    try:
        return Reply(200, contacts_view(call.query.country), PUBLIC_CACHE)
    except (BadRequest, directory.UnknownCountry) as error:
        default = contacts_view().default.model_dump(mode="json", exclude_none=True)
        return Reply(error.status, {**error.body(), "default": default}, PUBLIC_CACHE)


class TypePolicy(View):
    """How the platform handles one type of request: its legal bases, what it must carry, and the targets."""

    type: RequestType
    legal_bases: list[str]
    required_fields: list[str]
    rules: list[str]
    acknowledge_seconds: int
    resolve_seconds: int
    user_notice: NoticeRule = Field(
        description="Whether and when the person concerned is told (notify, delay, not_applicable), and on what basis."
    )
    user_notice_by_jurisdiction: dict[str, NoticeRule] = Field(
        default_factory=dict, description="Jurisdictions (ISO country codes) where the notice rule differs."
    )


class Policies(View):
    """The request types the platform accepts, from the same policy its deadlines are computed with."""

    types: list[TypePolicy]


def policies() -> Policies:
    clocks = DeadlinePolicy(get_settings().deadlines).clocks
    notice = config.notice_policy()
    types = []
    for kind, clock in clocks.items():
        required, rules = requirements(kind)
        types.append(
            TypePolicy(
                type=kind,
                legal_bases=[b.strip() for b in clock.basis.split(";")],
                required_fields=required,
                rules=rules,
                acknowledge_seconds=int(clock.acknowledge.total_seconds()),
                resolve_seconds=int(clock.resolve.total_seconds()),
                user_notice=notice.types[kind],
                user_notice_by_jurisdiction={
                    country: rules[kind] for country, rules in sorted(notice.jurisdictions.items()) if kind in rules
                },
            )
        )
    return Policies(types=types)


@routes.public(
    "/v1/public/policies",
    summary="Each request type: its legal bases, required fields and rules, and "
    "the acknowledge and resolve targets in seconds (the deadlines' own policy).",
    responses={200: Policies},
)
def get_policies(call: Call) -> Reply:
    return Reply(200, policies(), PUBLIC_CACHE)


class PageQuery(Strict):
    """The report's period, by day received (YYYY-MM-DD)."""

    model_config = ConfigDict(populate_by_name=True)

    from_: Annotated[str, StringConstraints(max_length=10)] | None = Field(default=None, alias="from")
    to: Annotated[str, StringConstraints(max_length=10)] | None = None


class TransparencyQuery(PageQuery):
    format: Literal["json", "csv"] = "json"
    # The JSON holds every table; a CSV holds one: the count rows, the orders filed as EU official forms (by form
    # and issuing Member State, then each form's totals as State "all"), the Annex III answers by reason, or the
    # user notices by type (then their totals as type "all").
    table: Literal["counts", "forms", "annex_iii", "user_notices"] = "counts"


# A published count: exact, or a band. "<5" (below the threshold, zero included: 0 to 4) for a small count;
# "5+" (the threshold or more) for a count withheld so that a small one beside it cannot be found by subtraction.
# The threshold is the report's small_count_threshold (LIAISON_REPORT_SMALL_CELL_THRESHOLD, default 5).
Band = Annotated[str, StringConstraints(pattern=r"^(<[0-9]+|[0-9]+\+)$")]
Count = Annotated[
    int | Band,
    Field(
        description='An exact count, or a band: "<5" (0 to 4) for a small count, "5+" '
        "(5 or more) for one withheld so that no band can be recovered by "
        "subtraction (5: the report's small_count_threshold)."
    ),
]


class CountRow(View):
    country: str
    type: str
    fulfilled: Count
    partially_fulfilled: Count
    rejected: Count
    withdrawn: Count
    open: Count
    total: Count


class Timing(View):
    """A share is null unless its parts are exact; a median is null when fewer than the threshold of values."""

    received: Count
    decided: Count
    decided_within_deadline: Count
    share_decided_within_deadline: float | None = None
    median_seconds_to_acknowledge: float | None = None
    median_seconds_to_decide: float | None = None


class TypeTiming(Timing):
    type: str


class EmergencyFigures(View):
    requests: Count
    failed_verification: Count


class MonthCount(View):
    month: str
    type: str
    received: Count


class FormTiming(Timing):
    """Requests filed as an EU official form (certificate)."""

    form: Literal["EPOC", "EPOC-PR", "TCO-RO"]


class FormStateTiming(FormTiming):
    issuing_state: str = Field(
        description="The issuing Member State (section A of the form; ISO 3166-1 alpha-2, ZZ when not given)."
    )


class ImpossibilityCount(View):
    """Annex III answers (information on the impossibility to execute an order) naming a reason: an answer with
    several reasons counts once for each, and a request answered twice counts twice."""

    form: Literal["e-Evidence Annex III", "TCO Annex III"]
    reason: str = Field(
        description="e-Evidence: incomplete, manifest_errors, insufficient_information, "
        "data_not_stored, de_facto_impossibility, other; TCO: force_majeure, "
        "de_facto_impossibility, manifest_errors, insufficient_information."
    )
    answers: Count


class NoticeFigures(View):
    """User notice (issue 16): requests received in the period, by what happened to the notice owed to the person
    concerned."""

    notices_given: Count = Field(description="Requests on which the person concerned was told (a notice recorded).")
    withheld_under_prohibition: Count = Field(
        description="Requests on which a non-disclosure order of the authority "
        "withheld the notice, each once however often renewed."
    )
    notice_delayed: Count = Field(
        description="Disclosures fulfilled with the notice delayed until the emergency has passed."
    )


class TypeNotices(NoticeFigures):
    type: str


class TransparencyReport(View):
    """Requests received in [from, to] (UTC days, closed days only: ``to`` is at most the last reportable day):
    counts by country × type × outcome, median times, the share decided within the deadline, emergencies (DSA
    Art. 15); the orders filed as EU official forms by form and issuing Member State, with the same medians, and
    the Annex III answers by reason; the user notices given, withheld and delayed, by type. Kept as requests
    change; medians per ``median_method``. Counts below ``small_count_threshold`` are bands, and totals never let a
    band be recovered by subtraction (docs/api.md, "The public side")."""

    model_config = ConfigDict(populate_by_name=True)

    from_: str = Field(alias="from")
    to: str
    median_method: str
    small_count_threshold: int
    rows: list[CountRow]
    by_type: list[TypeTiming]
    overall: Timing
    emergency: EmergencyFigures
    monthly: list[MonthCount]
    by_form: list[FormTiming] = Field(
        description="Orders filed as EU official forms, per form: counts, the share "
        "decided within the deadline and the DSA Art. 15(1)(a) medians."
    )
    by_form_and_state: list[FormStateTiming] = Field(description="The same per form and issuing Member State.")
    annex_iii: list[ImpossibilityCount] = Field(
        description="Answers of impossibility (Annex III), per form and reason."
    )
    user_notices: list[TypeNotices] = Field(
        description="User notice per request type: notices given, notices "
        "withheld under a non-disclosure order, notices delayed."
    )
    user_notices_total: NoticeFigures = Field(description="The same over every type.")


def transparency_report(start: str | None, end: str | None) -> TransparencyReport:
    settings = get_settings()
    last_day = transparency.last_reportable_day(app_clock.now(), settings.report_last_day_offset_days)
    first, last = transparency.period(start, end, last_day)
    return TransparencyReport.model_validate(
        transparency.report(first, last, settings.report_small_cell_threshold).view()
    )


@routes.public(
    "/v1/public/transparency",
    query=TransparencyQuery,
    responses={200: TransparencyReport},
    also_as=("text/csv",),
    summary="The transparency report of requests received from..to (YYYY-MM-DD, at most 366 days; "
    "default: this year so far), closed days only (to is capped at the last reportable day, "
    "yesterday UTC by default; a later from is 400 period_not_closed), as JSON or ?format=csv "
    "(one table: &table=counts, the count rows, by default; forms, the orders filed as EU "
    "official forms; annex_iii, the Annex III answers by reason; user_notices, the notices "
    "given, withheld under a non-disclosure order and delayed, by type). Small counts are bands: "
    '"<5", or "5+" where one is withheld to cover a small one.',
)
def get_transparency(call: Call) -> Response:
    query: TransparencyQuery = call.query
    report = transparency_report(query.from_, query.to)
    if query.format == "csv":
        if query.table == "forms":
            body = to_csv(form_rows(report.model_dump()), FORM_CSV_COLUMNS)
        elif query.table == "annex_iii":
            body = to_csv((r.model_dump() for r in report.annex_iii), ANNEX_III_CSV_COLUMNS)
        elif query.table == "user_notices":
            body = to_csv(notice_rows(report.model_dump()), NOTICE_CSV_COLUMNS)
        else:
            body = to_csv(r.model_dump() for r in report.rows)
        name = "" if query.table == "counts" else f"-{query.table.replace('_', '-')}"
        return Response(
            body=body,
            status_code=200,
            headers={
                **PUBLIC_CACHE,
                "Content-Type": "text/csv; charset=utf-8",
                "Content-Disposition": (
                    f'attachment; filename="liaison-transparency{name}-{report.from_}-{report.to}.csv"'
                ),
            },
        )
    return Response(
        body=report.model_dump(mode="json", by_alias=True, exclude_none=False),
        status_code=200,
        headers={**PUBLIC_CACHE, "Content-Type": "application/json"},
    )


PAGE_HEADERS = {
    **PUBLIC_CACHE,
    "Content-Type": "text/html; charset=utf-8",
    # No script, no inline style, nothing from elsewhere: the page needs its own stylesheet and nothing else.
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


@routes.public(
    "/v1/public",
    query=PageQuery,
    summary="The public page: the directory, the request types and the "
    "transparency report with a chart of requests per month by type (HTML, no script).",
    responses={200: None},
    content_type="text/html",
)
def get_public_page(call: Call) -> Response:
    report = transparency_report(call.query.from_, call.query.to)
    body = page.render(
        contacts_view().model_dump(mode="json"),
        report.model_dump(mode="json", by_alias=True),
        policies().model_dump(mode="json"),
    )
    return Response(body=body, status_code=200, headers=dict(PAGE_HEADERS))


@routes.public(
    "/v1/public/page.css", summary="The public page's stylesheet.", responses={200: None}, content_type="text/css"
)
def get_public_page_css(call: Call) -> Response:
    return Response(
        body=page.stylesheet(),
        status_code=200,
        headers={**PUBLIC_CACHE, "Content-Type": "text/css; charset=utf-8", "X-Content-Type-Options": "nosniff"},
    )


@functools.cache
def _document() -> dict[str, Any]:
    return openapi.build(routes.blueprint.current_app, server_url=get_settings().api_base_url, version=__version__)


@routes.public("/openapi.json", summary="This API's OpenAPI 3.1 document.", responses={200: None})
def get_openapi(call: Call) -> Response:
    return Response(body=_document(), status_code=200, headers={"Content-Type": "application/json"})


# /docs: Swagger UI over /openapi.json, vendored (static/swagger-ui/README.md says which version and whence) and
# served from our own origin, as is its initialiser (static/docs.js) and our overrides of its style (docs.css).
DOCS_STATIC = Path(__file__).with_name("static")
DOCS_ASSETS = {  # the URL's name under /docs/ → (the file, its content type)
    "swagger-ui-bundle.js": ("swagger-ui/swagger-ui-bundle.js", "text/javascript; charset=utf-8"),
    "swagger-ui.css": ("swagger-ui/swagger-ui.css", "text/css; charset=utf-8"),
    "docs.js": ("docs.js", "text/javascript; charset=utf-8"),
    "docs.css": ("docs.css", "text/css; charset=utf-8"),
}
DOCS_POLICY = (
    # Our origin only, and nothing inline: no inline script, no eval, no 'unsafe-inline' for styles either (Swagger
    # UI sets the styles it needs through the DOM, which a policy does not refuse; the browser test checks that no
    # directive is violated, the Authorize dialog and a tried-out call included). connect-src: the document, and
    # the calls "Try it out" makes to this same API.
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


@functools.cache
def _docs_asset(name: str) -> tuple[str, str]:
    """An asset's text and the first 12 hex digits of its SHA-256 (the page names it with it, so it caches long)."""
    body = (DOCS_STATIC / DOCS_ASSETS[name][0]).read_text(encoding="utf-8")
    return body, hashlib.sha256(body.encode("utf-8")).hexdigest()[:12]


def _docs_url(name: str) -> str:
    return f"docs/{name}?v={_docs_asset(name)[1]}"  # relative: right under a stage path too


@functools.cache
def _docs_page() -> str:
    """The reference page: Swagger UI's two files, our initialiser and our stylesheet, nothing inline."""
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>Liaison API</title>"
        '<link rel="icon" href="data:,">'  # no icon: the browser asks no /favicon.ico (a 404 in its console)
        f'<link rel="stylesheet" href="{_docs_url("swagger-ui.css")}">'
        f'<link rel="stylesheet" href="{_docs_url("docs.css")}">'
        # Swagger UI draws its own <main> (the operations) inside this; docs.js gives the rest landmarks.
        '</head><body><div id="swagger-ui">'
        "<noscript><main><p>This reference needs JavaScript. The API is described in "
        '<a href="openapi.json">openapi.json</a> (OpenAPI 3.1); send <code>Authorization: Bearer &lt;JWT&gt;</code> '
        "on every route that is not public.</p></main></noscript></div>"
        f'<script src="{_docs_url("swagger-ui-bundle.js")}"></script>'
        f'<script src="{_docs_url("docs.js")}"></script>'
        "</body></html>"
    )


@routes.public(
    "/docs",
    summary="Human-readable API reference (Swagger UI over /openapi.json: try it out with a bearer token).",
    responses={200: None},
    content_type="text/html",
)
def get_docs(call: Call) -> Response:
    return Response(
        body=_docs_page(),
        status_code=200,
        headers={
            **PUBLIC_CACHE,
            "Content-Type": "text/html; charset=utf-8",
            "Content-Security-Policy": DOCS_POLICY,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "same-origin",
        },
    )


def _docs_asset_response(name: str) -> Response:
    return Response(
        body=_docs_asset(name)[0],
        status_code=200,
        headers={
            "Content-Type": DOCS_ASSETS[name][1],
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "public, max-age=31536000, immutable",
        },
    )


@routes.public(
    "/docs/swagger-ui-bundle.js",
    summary="Swagger UI's script (swagger-ui-dist, vendored).",
    responses={200: None},
    content_type="text/javascript",
)
def get_docs_swagger_ui_js(call: Call) -> Response:
    return _docs_asset_response("swagger-ui-bundle.js")


@routes.public(
    "/docs/swagger-ui.css",
    summary="Swagger UI's stylesheet (swagger-ui-dist, vendored).",
    responses={200: None},
    content_type="text/css",
)
def get_docs_swagger_ui_css(call: Call) -> Response:
    return _docs_asset_response("swagger-ui.css")


@routes.public(
    "/docs/docs.js", summary="The reference page's initialiser.", responses={200: None}, content_type="text/javascript"
)
def get_docs_js(call: Call) -> Response:
    return _docs_asset_response("docs.js")


@routes.public(
    "/docs/docs.css",
    summary="The reference page's own stylesheet (over Swagger UI's).",
    responses={200: None},
    content_type="text/css",
)
def get_docs_css(call: Call) -> Response:
    return _docs_asset_response("docs.css")
