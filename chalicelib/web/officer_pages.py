"""The officers' portal on a request's page (issue 14, points 7 and 4): answer the platform, attach legal
process, withdraw, extend a preservation hold (``POST /v1/requests/{id}/extend``, ``Desk.extend``; on an EPOC-PR
that is its Annex VI), confirm with e-Evidence Annex V that a production request follows an EPOC-PR
(``POST /v1/requests/{id}/production-follows``, ``Desk.production_follows``), and end a preservation hold
(``POST /v1/requests/{id}/release-hold``, ``Desk.release_hold``: that route is open to both sides, and so is its
form here, the representatives' included: a literal segment takes the path from the desk's actions for everyone).

Each form does what one route of the API does, through the service that route calls, and takes that route's
roles (``like=``): answering is ``POST /v1/requests/{id}/messages`` (``Desk.message``: an answer to an information
request restarts the clock and moves ``due_at`` later), attaching is ``POST /v1/requests/{id}/documents`` (the
presigned flow the representatives' upload uses, ``desk_pages.upload``), withdrawing is
``POST /v1/requests/{id}/withdraw`` (``Desk.withdraw``, with the API's ``Withdrawal`` schema and its optional
reason). The paths are literal segments beside the desk's ``/console/requests/{id}/{action}``: Chalice (and API
Gateway) match a literal segment before a parameter, so these never reach the desk's handler.

The first two API routes are open to representatives as well; these forms are the officers' (the desk has its
own message and upload forms), so a representative posting here is refused and nothing changes.
"""

from __future__ import annotations

from typing import Any

from chalice import Response

from chalicelib.api import authorities as api_authorities
from chalicelib.api import documents as api_documents
from chalicelib.api import notices as api_notices
from chalicelib.api import representatives as api_representatives
from chalicelib.api.authorities import AnnexV, Extension, HoldRelease, Withdrawal, desk
from chalicelib.api.notices import notices
from chalicelib.api.representatives import MessageIn
from chalicelib.auth.principal import Role
from chalicelib.domain.lifecycle import Status
from chalicelib.domain.user_notice import NonDisclosure, ProhibitionEnd
from chalicelib.errors import Forbidden, LiaisonError
from chalicelib.web import render
from chalicelib.web.console import FORM_TYPES, UPLOAD_TYPES, Visit, pages
from chalicelib.web.desk_pages import _form, refused_page, upload

# Where the browser lands after each action, on the request's page.
LANDING = {
    "answer": "top",
    "message": "h-messages",
    "attach": "h-documents",
    "withdraw": "top",
    "extend": "top",
    "production-follows": "top",
    "release-hold": "top",
    "non-disclosure": "h-notice",
    "end-non-disclosure": "h-notice",
}


def _officer(visit: Visit) -> None:
    if visit.principal.role is not Role.AUTHORITY:
        raise Forbidden(
            "This form is for officers of the request's agency; the desk answers from its own forms.",
            code="role_not_allowed",
        )


def _done(visit: Visit, action: str) -> Response:
    request_id = visit.params["request_id"]
    return render.redirect(f"{render.base_path()}/requests/{request_id}?done={action}#{LANDING[action]}")


def _fields(visit: Visit) -> dict[str, str]:
    return {k: v for k, v in visit.form.items() if k != "csrf"}


@pages.page("/console/requests/{request_id}/answer", ("POST",), like=api_representatives.post_message)
def answer(visit: Visit) -> Response:
    """The officer's message; while the platform awaits information, it is the answer that restarts the clock."""
    _officer(visit)
    try:
        before = desk.visible(visit.principal, visit.params["request_id"], read=visit.read)
        desk.message(visit.principal, before.request_id, _form(MessageIn, _fields(visit)).body)
    except LiaisonError as refusal:
        return refused_page(visit, "answer", refusal)
    return _done(visit, "answer" if before.status == Status.AWAITING_INFORMATION else "message")


@pages.page(
    "/console/requests/{request_id}/attach",
    ("POST",),
    like=api_documents.declare_document,
    content_types=FORM_TYPES + UPLOAD_TYPES,
)
def attach(visit: Visit) -> Response:
    """Legal process (the order, the warrant) sent through the page: declared, uploaded through the presigned POST
    and checked, as the representatives' response packages are."""
    _officer(visit)
    try:
        upload(visit, visit.params["request_id"])
    except LiaisonError as refusal:
        return refused_page(visit, "attach", refusal)
    return _done(visit, "attach")


@pages.page("/console/requests/{request_id}/withdraw", ("POST",), like=api_authorities.withdraw_request)
def withdraw(visit: Visit) -> Response:
    """Withdraw the request, with the reason the API's ``Withdrawal`` takes (kept in the withdrawn event)."""
    _officer(visit)
    try:
        desk.withdraw(visit.principal, visit.params["request_id"], _form(Withdrawal, _fields(visit)).reason)
    except LiaisonError as refusal:
        return refused_page(visit, "withdraw", refusal)
    return _done(visit, "withdraw")


@pages.page("/console/requests/{request_id}/extend", ("POST",), like=api_authorities.extend_hold)
def extend(visit: Visit) -> Response:
    """Extend the preservation hold once, before it ends, by the term the law fixes (the API's ``Extension``)."""
    _officer(visit)
    try:
        _form(Extension, _fields(visit))
        desk.extend(visit.principal, visit.params["request_id"])
    except LiaisonError as refusal:
        return refused_page(visit, "extend", refusal)
    return _done(visit, "extend")


@pages.page(
    "/console/requests/{request_id}/production-follows", ("POST",), like=api_authorities.confirm_production_follows
)
def production_follows(visit: Visit) -> Response:
    """e-Evidence Annex V: a production request follows this EPOC-PR, so the data are kept until it is served, with
    no end date (the API's ``AnnexV``)."""
    _officer(visit)
    try:
        told = _form(AnnexV, _fields(visit))
        desk.production_follows(visit.principal, visit.params["request_id"], told.production_reference, told.note)
    except LiaisonError as refusal:
        return refused_page(visit, "production-follows", refusal)
    return _done(visit, "production-follows")


@pages.page("/console/requests/{request_id}/release-hold", ("POST",), like=api_authorities.release_hold)
def release_hold(visit: Visit) -> Response:
    """End a preservation hold before its time, with the reason (the API's ``HoldRelease``): the issuing authority
    no longer needs the data, or the production request was served. Either side; the other is told."""
    try:
        desk.release_hold(visit.principal, visit.params["request_id"], _form(HoldRelease, _fields(visit)).reason)
    except LiaisonError as refusal:
        return refused_page(visit, "release-hold", refusal)
    return _done(visit, "release-hold")


def _order(fields: dict[str, Any]) -> NonDisclosure:
    """The declaration form as the API's ``NonDisclosure``: the date the chosen kind of order takes ("until" a day,
    or "indefinite" with its review day); the other date field, if typed in too, is left out."""
    kind = fields.pop("ends", "")
    until, review_on = fields.pop("until", ""), fields.pop("review_on", "")
    if kind == "indefinite":
        fields.update(indefinite=True, review_on=review_on)
    elif kind == "until":
        fields["until"] = until
    return _form(NonDisclosure, fields)


@pages.page("/console/requests/{request_id}/non-disclosure", ("POST",), like=api_notices.declare_non_disclosure)
def declare_non_disclosure(visit: Visit) -> Response:
    """Declare a non-disclosure order on the agency's request, or replace the one declared: its legal basis, its
    end ("until" a day) or, indefinite, its review day, and its document (one the agency attached)."""
    _officer(visit)
    try:
        notices.declare(visit.principal, visit.params["request_id"], _order(_fields(visit)))
    except LiaisonError as refusal:
        return refused_page(visit, "non-disclosure", refusal)
    return _done(visit, "non-disclosure")


@pages.page("/console/requests/{request_id}/end-non-disclosure", ("POST",), like=api_notices.end_non_disclosure)
def end_non_disclosure(visit: Visit) -> Response:
    """End the agency's order before its day, with the reason (the API's ``ProhibitionEnd``)."""
    _officer(visit)
    try:
        notices.end(visit.principal, visit.params["request_id"], _form(ProhibitionEnd, _fields(visit)).reason)
    except LiaisonError as refusal:
        return refused_page(visit, "end-non-disclosure", refusal)
    return _done(visit, "end-non-disclosure")
