"""Applying for an account (the officer, before any session) and reviewing applications (the admins).

The applicant's pages are open: an officer of an unregistered agency has no account to sign in with. Their
forms are protected by a double-submit token instead of a session's: a random value in a cookie of ours
(HttpOnly, SameSite=Strict) that the form must echo, which another site can neither read nor set. The admins'
pages are declared like every console page, with the roles of the API's agency registry.
"""

from __future__ import annotations

import hmac
import json
import re
import secrets
from typing import Any
from urllib.parse import urlencode

from chalice import Response

from chalicelib.api import admin as admin_api
from chalicelib.api.http import header, query_of
from chalicelib.api.views import AgencyView
from chalicelib.domain.agencies import AgencyKind
from chalicelib.domain.applications import (
    Approval,
    CallBack,
    Check,
    DomainCheck,
    NewApplication,
    Rejection,
    State,
    suggested_agency_id,
)
from chalicelib.errors import BadRequest, Forbidden, LiaisonError, NotFound
from chalicelib.services.applications import Applications
from chalicelib.store import trails
from chalicelib.store.agencies import AgencyRepository
from chalicelib.web import render
from chalicelib.web.admin_pages import _refusal, _schema_form, _typed, schema_fields
from chalicelib.web.console import (
    FORM_TYPES,
    PAGE_ATTRIBUTE,
    Visit,
    WebPage,
    _unexpected,
    _where_to_turn,
    blueprint,
    error_page,
    pages,
    read_form,
)

applications = Applications()
FORM_COOKIE = "liaison-apply"
TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")  # token_urlsafe(32)
ACTIONS = {"domain-check": Check.DOMAIN, "call-back": Check.CALL_BACK}
DONE = {
    "domain-check": "Domain check recorded.",
    "call-back": "Call-back recorded.",
    "approve": "Approved: the agency can file from now on. The officer's account is made and the applicant told.",
    "reject": "Rejected. The applicant has been told why.",
    "finish": "Done: nothing is left to do for this decision.",
    "unfinished": "The decision is recorded, but not everything that follows it could be done (see below): try again "
    "in a few minutes with the button there.",
}


# --- The applicant ----------------------------------------------------------------------------------------------


def _cookie_name() -> str:
    return f"__Host-{FORM_COOKIE}" if render.over_https() else FORM_COOKIE


def _form_cookie(value: str) -> str:
    """For as long as the browser is open: an officer gathering their agency's details loses nothing to a timer."""
    return f"{_cookie_name()}={value}; Path=/; HttpOnly; SameSite=Strict" + ("; Secure" if render.over_https() else "")


def _sent_token(request: Any) -> str | None:
    for pair in (header(request, "cookie") or "").split(";"):
        name, _, value = pair.strip().partition("=")
        if name == _cookie_name() and TOKEN.match(value):
            return value
    return None


def _open_form(template: str, status: int = 200, **context: Any) -> Response:
    """An applicant's page: the browser's form token (made on its first page, kept after: a second tab does not
    void the first), the security headers, no session."""
    token = _sent_token(blueprint.current_request) or secrets.token_urlsafe(32)
    return render.page(
        template, status, me=None, rep=None, csrf=token, headers={"Set-Cookie": _form_cookie(token)}, **context
    )


def _form_and_token() -> tuple[dict[str, str], bool]:
    """The form as sent, and whether it carries this browser's token."""
    request = blueprint.current_request
    form = read_form(request) if request.raw_body else {}
    sent = _sent_token(request)
    valid = bool(sent) and hmac.compare_digest(str(sent).encode(), str(form.get("csrf", "")).encode())
    return {k: v for k, v in form.items() if k != "csrf"}, valid


FORGED = "This form was not sent from this browser's copy of the page, so nothing was done."


def _apply_form(
    status: int = 200, *, values: dict[str, str] | None = None, refused: dict[str, Any] | None = None
) -> Response:
    return _open_form(
        "apply.html",
        status,
        values=values or {},
        refused=refused,
        spec=schema_fields(NewApplication),
        open=applications.open(),
        contact=_where_to_turn(None),
        kinds=[k.value for k in AgencyKind],
    )


def _public(where: str, build: Any) -> Response:
    try:
        return build()
    except LiaisonError as error:
        return error_page(error)
    except Exception:  # noqa: BLE001 - the page boundary: _unexpected logs the bug and answers 500
        return _unexpected(where)


def apply_page() -> Response:
    return _public("GET /console/apply", _apply_form)


def submit_application() -> Response:
    def build() -> Response:
        request = blueprint.current_request
        typed, valid = _form_and_token()
        if not valid:  # nothing done; the form again, as typed, with this browser's token (a cookie lost, a reload)
            return _apply_form(
                403,
                values=typed,
                refused=_refusal(
                    "apply", Forbidden(f"{FORGED} Check what you typed and send it again.", code="csrf_failed")
                ),
            )
        source = ((request.context or {}).get("identity") or {}).get("sourceIp") or "unknown"
        try:
            item = applications.apply(_schema_form(NewApplication, typed), source)
        except LiaisonError as refusal:
            return _apply_form(refusal.status, values=typed, refused=_refusal("apply", refusal))
        return render.redirect(f"{render.base_path()}/apply/sent?{urlencode({'application': item.application_id})}")

    return _public("POST /console/apply", build)


def application_sent() -> Response:
    def build() -> Response:
        application_id = query_of(blueprint.current_request).get("application", "")
        return render.page(
            "apply_sent.html",
            me=None,
            rep=None,
            csrf="",
            application_id=application_id if applications.get(application_id) else None,
        )

    return _public("GET /console/apply/sent", build)


def confirm_page() -> Response:
    """The one-time link: a page with a button (a GET changes nothing: mail scanners open links too)."""

    def build() -> Response:
        query = query_of(blueprint.current_request)
        return _open_form(
            "apply_confirm.html",
            application_id=query.get("application", "")[:40],
            token=query.get("token", "")[:100],
            done=None,
            already=False,
        )

    return _public("GET /console/apply/confirm", build)


def confirm() -> Response:
    def build() -> Response:
        form, valid = _form_and_token()
        if not valid:
            raise Forbidden(f"{FORGED} Open the link in the e-mail again and press the button.", code="csrf_failed")
        item = applications.prove(form.get("application", ""), form.get("token", ""))
        return render.page("apply_confirm.html", me=None, rep=None, csrf="", done=item, already=item is None)

    return _public("POST /console/apply/confirm", build)


def _open(path: str, methods: tuple[str, ...], view: Any) -> None:
    """An applicant's page: open before sign-in (``console.public_page``, with POST)."""
    setattr(view, PAGE_ATTRIBUTE, WebPage(path, methods, frozenset()))
    content_types = FORM_TYPES if "POST" in methods else ["application/json"]
    blueprint.route(path, methods=list(methods), content_types=content_types)(view)


_open("/console/apply", ("GET",), apply_page)
_open("/console/apply", ("POST",), submit_application)
_open("/console/apply/sent", ("GET",), application_sent)
_open("/console/apply/confirm", ("GET",), confirm_page)
_open("/console/apply/confirm", ("POST",), confirm)


# --- The admins -------------------------------------------------------------------------------------------------


def _url(application_id: str = "", **query: str) -> str:
    target = f"{render.base_path()}/admin/applications" + (f"/{application_id}" if application_id else "")
    shown = {k: v for k, v in query.items() if v}
    return f"{target}?{urlencode(shown)}" if shown else target


@pages.page("/console/admin/applications", like=admin_api.list_agencies)
def applications_page(visit: Visit) -> Response:
    try:
        state = State(visit.query.get("state") or State.AWAITING_REVIEW.value)
    except ValueError:
        raise BadRequest("Unknown state.", code="invalid_field", field="state") from None
    items, cursor = applications.page(state, cursor=visit.query.get("cursor") or None)
    return visit.render(
        "admin_applications.html",
        rows=items,
        state=state.value,
        states=[s.value for s in State],
        next_page=_url(state=state.value, cursor=cursor) if cursor else None,
    )


def _review(
    visit: Visit,
    status: int = 200,
    *,
    done: str | None = None,
    refused: dict[str, Any] | None = None,
    typed: dict[str, str] | None = None,
) -> Response:
    item = applications.get(visit.params["application_id"])
    if item is None:
        raise NotFound("No such application.")
    events, verdict = applications.trail(item)
    matches = applications.same_domain(item) if item.state == State.AWAITING_REVIEW else []
    # Each form shows what was typed into it only when it is the one refused: its fields are its own (both checks
    # have a "confirmed" box, and one ticked must not come back ticked in the other).
    values = {
        action: dict(typed or {}) if refused and refused["action"] == action else {}
        for action in ("domain-check", "call-back", "approve", "reject")
    }
    values["approve"].setdefault(
        "agency_id", matches[0].agency_id if len(matches) == 1 else suggested_agency_id(item.agency_name, item.country)
    )
    unfinished = (item.state == State.APPROVED and not item.account) or (
        item.state in (State.APPROVED, State.REJECTED) and not item.outcome_sent_at
    )
    return visit.render(
        "admin_application.html",
        status,
        item=item,
        done=done,
        refused=refused,
        values=values,
        unfinished=unfinished,
        domain_check=json.loads(item.domain_check) if item.domain_check else None,
        call_back=json.loads(item.call_back) if item.call_back else None,
        matches=matches,
        trail=trails.record(events),
        verdict=verdict,
        specs={
            "domain-check": schema_fields(DomainCheck),
            "call-back": schema_fields(CallBack),
            "approve": schema_fields(Approval),
            "reject": schema_fields(Rejection),
        },
    )


@pages.page("/console/admin/applications/{application_id}", like=admin_api.list_agencies)
def application_page(visit: Visit) -> Response:
    return _review(visit, done=DONE.get(visit.query.get("done", "")))


@pages.page("/console/admin/applications/{application_id}/{action}", ("POST",), like=admin_api.register_agency)
def review_action(visit: Visit) -> Response:
    action, application_id = visit.params["action"], visit.params["application_id"]
    typed = _typed(visit)
    try:
        if action in ACTIONS:
            model = DomainCheck if ACTIONS[action] is Check.DOMAIN else CallBack
            finding = _schema_form(model, {**typed, "confirmed": typed.get("confirmed") == "yes"})
            applications.record_check(visit.principal, application_id, ACTIONS[action], finding)
        elif action == "approve":
            applications.approve(visit.principal, application_id, _schema_form(Approval, typed))
        elif action == "reject":
            applications.reject(visit.principal, application_id, _schema_form(Rejection, typed))
        elif action == "finish":
            applications.finish(applications.get(application_id) or _missing())
        else:
            raise NotFound("No such action.")
    except LiaisonError as refusal:
        if refusal.status == 404:
            raise
        return _review(visit, refusal.status, refused=_refusal(action, refusal), typed=typed)
    return render.redirect(_url(application_id, done=_said(action, applications.get(application_id))))


def _said(action: str, item: Any) -> str:
    """What the page says after ``action``: a decision whose account or e-mail is still to do says so."""
    decided = action in ("approve", "reject", "finish")
    if (
        decided
        and item is not None
        and ((item.state == State.APPROVED and not item.account) or not item.outcome_sent_at)
    ):
        return "unfinished"
    return action


def _missing() -> Any:
    raise NotFound("No such application.")


@pages.page("/console/admin/agencies/{agency_id}", like=admin_api.get_agency)
def agency_page(visit: Visit) -> Response:
    """An agency and its trail: registered (from which application), verified, suspended, officers added."""
    repository = AgencyRepository()
    agency = repository.get(visit.params["agency_id"])
    if agency is None:
        raise NotFound("No such agency.")
    events, verdict = repository.trail(agency)
    shown = trails.record(events)
    linked = sorted({e["detail"].get("application_id") for e in shown if e["detail"].get("application_id")})
    return visit.render(
        "admin_agency.html", agency=AgencyView.of(agency), trail=shown, verdict=verdict, applications=linked
    )
