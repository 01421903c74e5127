"""The representatives' console: the queue, a request and every action on it, the lead's region view.

Each page calls the services the API's routes call (the same ``Desk`` and ``Documents`` objects) and shows
what the API's views show; each form is validated by the API's own pydantic schema and answered with the
API's own message when the service refuses. After a change the browser is sent back to the request's page
(POST, then redirect), so a reload never repeats an action.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from chalice import Response
from pydantic import BaseModel

from chalicelib.api import authorities as api_authorities
from chalicelib.api import documents as api_documents
from chalicelib.api import representatives as api_representatives
from chalicelib.api.authorities import desk, intake
from chalicelib.api.documents import documents
from chalicelib.api.http import validate
from chalicelib.api.identity import get_me
from chalicelib.api.notices import notices
from chalicelib.api.representatives import (
    Acknowledgement,
    AnnexIII,
    Approval,
    EnforcingAuthorityAnswer,
    InformationRequest,
    MessageIn,
    ObstacleEnded,
    Reassignment,
    TcoAnnexIII,
    VerificationClearance,
)
from chalicelib.api.views import AUTHORITY_KINDS, EventView, RequestView
from chalicelib.auth.principal import Role
from chalicelib.clock import isoformat, parse_instant
from chalicelib.domain import certificates
from chalicelib.domain import user_notice as notice_rules
from chalicelib.domain.deadlines import RequestType
from chalicelib.domain.decisions import Decision, Outcome, Reason
from chalicelib.domain.lifecycle import OPEN, Action, Status, allowed, next_deadline
from chalicelib.domain.safeguards import INDEPENDENT_SOURCES, Verification
from chalicelib.domain.user_notice import Challenge, Channel, NoticeRecord, NoticeState, NoticeWaiver
from chalicelib.errors import BadRequest, DependencyUnavailable, LiaisonError, NotFound, PayloadTooLarge
from chalicelib.services import evidence
from chalicelib.services.desk import CONVERSATION
from chalicelib.services.documents import CONTENT_TYPES, MAX_BYTES, NewDocument
from chalicelib.web import render
from chalicelib.web.console import FORM_TYPES, MAX_UPLOAD_BYTES, UPLOAD_TYPES, Visit, pages

QUEUE_PAGE_SIZE = 50
NOTICE_TASKS_SHOWN = 20  # the queue's notice section; the next ones a link away
TIMELINE_PAGE_SIZE = 50  # events of a request's page; earlier ones are a link away (and a page is bounded in bytes)
LEAD_WINDOW = timedelta(hours=24)
LEAD_SCAN_PAGES = 10  # the lead's view reads at most this many pages of 100 open requests (1,000)
# What the page says after a change, by the action's name (never text the person typed).
DONE = {
    "acknowledge": "Acknowledged: escalation stopped.",
    "request-information": "Question sent; the decide clock is paused until the authority answers.",
    "message": "Message sent.",
    "decision": "Decision recorded.",
    "proposed": "Decision proposed: this jurisdiction is high risk, so it takes effect once a second "
    "representative approves it.",
    "approval": "Approval recorded.",
    "verification": "Call-back verification recorded.",
    "clear-verification": "Failed call-back cleared. A new call-back, confirmed by a representative other than the "
    "one deciding, is still needed before any fulfilment.",
    "reassign": "Reassigned.",
    "documents": "Document uploaded; its SHA-256 check is shown below.",
    "enforcing-authority": "The enforcing authority's answer is recorded.",
    "impossibility": "Annex III sent to the issuing authority; it is kept on the request as sent.",
    "removal-impossibility": "TCO Annex III sent to the issuing authority: the removal order's hour is stopped "
    "until the obstacle ends or the authority clarifies.",
    "obstacle-ended": "Obstacle ended: the removal order's hour runs again, a full hour from now. The issuing "
    "authority is told.",
    "release-hold": "Preservation hold ended; the issuing authority is told.",
    "user-notice": "Notice to the user recorded: the notice task is done.",
    "waive-notice": "Recorded that no notice will be given, with your reason.",
    "challenge": "Challenge recorded; the issuing authority is told. The order is still respected meanwhile.",
}
# The same, for the officers' actions on their agency's request (``officer_pages``): never offered to the desk.
OFFICER_DONE = {
    "answer": "Answer sent.",
    "message": "Message sent.",
    "attach": "Document attached; its SHA-256 check is shown under Documents.",
    "withdraw": "Request withdrawn: the platform stops working on it.",
    "extend": "Preservation hold extended; its new end is shown below.",
    "production-follows": "Annex V sent: the platform keeps the data until the production request is served.",
    "release-hold": "Preservation hold ended; the platform is told.",
    "non-disclosure": "Non-disclosure order declared: the platform does not tell the user while it runs.",
    "end-non-disclosure": "Non-disclosure order ended: the platform tells the user as its policy says.",
}
# The form's datetime-local value (no offset: the page says it is UTC), as the API's ISO 8601 instant.
LOCAL_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?$")
HOLD_RUNNING = ("active", "until_production")


def marks(item: Any) -> list[tuple[str, str]]:
    """Flags beside the status, as (css class, words): colour is never the only signal."""
    out = []
    if item.type == RequestType.EMERGENCY_DISCLOSURE:
        out.append(("urgent", "Emergency"))
    if item.type == RequestType.TERRORIST_CONTENT_REMOVAL:
        out.append(("urgent", "TCO removal (1 h)"))
    if item.sla_breached:
        out.append(("breach", "Deadline missed"))
    if int(item.escalation_level or 0):
        out.append(("warn", "Escalated to the lead" if int(item.escalation_level) >= 2 else "Escalated to the backup"))
    if item.status == Status.AWAITING_INFORMATION:
        out.append(("info", "Awaiting information"))
    if item.pending_decision:
        out.append(("warn", "Pending second approval"))
    return out


def row(item: Any, visit: Visit) -> dict[str, Any]:
    which, due = next_deadline(Status(item.status), item.ack_due_at, item.due_at)
    overdue = parse_instant(due) <= visit.now and which != "paused" if due else False
    return {
        "item": item,
        "which": which,
        "due": due,
        "left": render.time_left(due, visit.now) if due else "",
        "overdue": overdue,
        "marks": marks(item),
    }


def _enum(value: str | None, kind: type) -> Any:
    if not value:
        return None
    try:
        return kind(value)
    except ValueError:
        raise BadRequest(f"Unknown {kind.__name__.lower()} '{value[:40]}'.", code="invalid_field") from None


@pages.page("/console", like=get_me)
def home(visit: Visit) -> Response:
    """Each role's first page: the queue for representatives, the registry for admins."""
    if visit.principal.role is Role.ADMIN:
        return render.redirect(f"{render.base_path()}/admin")
    if visit.principal.role is Role.AUTHORITY:
        return render.redirect(f"{render.base_path()}/requests")
    return queue(visit)


@pages.page("/console/queue", like=api_representatives.get_queue)
def queue(visit: Visit) -> Response:
    query = visit.query
    status = _enum(query.get("status"), Status)
    type_ = _enum(query.get("type"), RequestType)
    mine = query.get("mine") == "1"
    items, next_cursor = desk.queue(
        visit.principal,
        limit=QUEUE_PAGE_SIZE,
        cursor=query.get("cursor") or None,
        status=status,
        type_=type_,
        assignee=visit.principal.subject if mine else None,
    )
    rows = [row(item, visit) for item in items]  # in the index's order: most urgent first, across pages too
    # The region's notice tasks (a sparse index, soonest deadline first), above the queue's first page only.
    tasks, tasks_cursor = [], None
    if not query.get("cursor"):
        found, tasks_cursor = notices.tasks(
            visit.principal, limit=NOTICE_TASKS_SHOWN, cursor=query.get("notices") or None
        )
        tasks = [notice_task(item, visit.now) for item in found]
    return visit.render(
        "queue.html",
        rows=rows,
        next_cursor=next_cursor,
        statuses=sorted(OPEN),
        types=list(RequestType),
        chosen={"status": status, "type": type_, "mine": mine},
        cursor=query.get("cursor"),
        tasks=tasks,
        tasks_cursor=tasks_cursor,
        tasks_after=query.get("notices"),
    )


def _request_context(visit: Visit, request_id: str) -> dict[str, Any]:
    """Everything the API shows this caller of one request, read once."""
    item = desk.visible(visit.principal, request_id, read=visit.read)
    internal = visit.principal.role is not Role.AUTHORITY
    # The latest page of the timeline (or the one before ``events``, a cursor), shown oldest first.
    shown = visit.query.get("events") or None
    # The platform's people see the whole chain checked below: its latest page is taken from it, not read again.
    chain = None
    if internal:
        item, chain = desk.requests.chain(item)
    if chain is not None and shown is None:
        page, earlier = desk.latest_page(chain, TIMELINE_PAGE_SIZE)
    else:
        page, earlier = desk.timeline(
            visit.principal,
            item.request_id,
            limit=TIMELINE_PAGE_SIZE,
            cursor=shown,
            kinds=None if internal else AUTHORITY_KINDS,
            newest_first=True,
            read=item,
        )
    timeline = [EventView.of(e, internal=internal) for e in reversed(page)]
    context: dict[str, Any] = {
        "item": item,
        "view": RequestView.of(item, routing=internal),
        "row": row(item, visit),
        "timeline": timeline,
        "messages": [e for e in timeline if e.kind in CONVERSATION],
        "earlier_events": earlier,
        "events_cursor": shown,
        "documents": documents.list(visit.principal, item.request_id, read=item),
        "certificate": certificates.shown(item.certificate),
        "impossibility_reasons": list(certificates.ImpossibilityReason),
        **official_forms(item),
        **hold_context(item, visit.now, timeline),
        "obstacle": stopped_on_obstacle(item),
    }
    context.update(notice_context(item, context["documents"], visit.now))
    if chain is not None:
        events = chain  # the whole chain: its check needs every link
        # The chain and the request against it cost no call of their own; the body as filed and the checkpoint
        # (S3 reads) only when asked for (``?evidence=full``), as /audit and make verify-audit always do.
        context["evidence_full"] = visit.query.get("evidence") == "full"
        report = desk.evidence(item, events) if context["evidence_full"] else None
        context["audit"] = report.verdict if report else evidence.verify_tables(item, events)
        context["audit_anchor"] = report.anchor if report else None
        context["audit_events"] = events
    if visit.principal.role is Role.REPRESENTATIVE:
        context["can"] = desk.offers(visit.principal, item)
        context["colleagues"] = desk.reassign_candidates(item)
        context["outcomes"], context["reasons"] = list(Outcome), list(Reason)
        context["sources"] = INDEPENDENT_SOURCES
        context["can_clear"] = desk.can_clear_verification(visit.principal, item)
        context.update(removal_order_context(item, visit.now))
    if visit.principal.role is Role.AUTHORITY:  # visible: an officer of the request's agency
        context["officer"] = officer_offers(item, visit.now)
    context["upload"] = upload_limits()
    return context


def officer_offers(item: Any, now: datetime) -> dict[str, bool]:
    """What an officer's page offers on their agency's request now (each service still decides for itself, and
    its refusal is shown beside the form): answering while the platform awaits information, a message while the
    request is open, attaching legal process until it is withdrawn, withdrawing while it is open; on a running
    preservation hold, extending it once, confirming with Annex V that production follows (an EPOC-PR), ending it."""
    status = Status(item.status)
    running = hold_running(item, now)
    active = running and item.hold_state == "active"
    return {
        "answer": allowed(status, Action.ANSWER),
        "message": status in OPEN,
        "attach": status != Status.WITHDRAWN,
        "withdraw": allowed(status, Action.WITHDRAW),
        "extend": active and not item.hold_extended,
        "production_follows": active and (item.certificate or {}).get("form") == "EPOC-PR",
        "release_hold": running,
    }


def hold_running(item: Any, now: datetime) -> bool:
    """Whether a preservation hold runs: active and not past its end (the workflow marks it expired at its timer),
    or kept until production (no end)."""
    if item.type != RequestType.PRESERVATION or item.hold_state not in HOLD_RUNNING:
        return False
    return (
        item.hold_state == "until_production" or not item.hold_expires_at or parse_instant(item.hold_expires_at) > now
    )


def hold_context(item: Any, now: datetime, timeline: list[Any]) -> dict[str, Any]:
    """The hold's state as the page words it: whether it runs, and the release shown in the timeline (who, why)."""
    released = next((e for e in reversed(timeline) if e.kind == "hold_released"), None)
    return {
        "hold_running": hold_running(item, now),
        "hold_released": released,
        "epoc_pr": (item.certificate or {}).get("form") == "EPOC-PR",
    }


def official_forms(item: Any) -> dict[str, Any]:
    """Each official form's PDF, when one was drawn (``official_form_pdfs``): the certificate's (form_index -1)
    and each answer's, by its index in ``official_answers``."""
    pdfs = {}
    for pdf in item.official_form_pdfs or []:
        if isinstance(pdf, dict) and pdf.get("document_id"):
            index = pdf.get("form_index")
            pdfs[-1 if index is None else int(index)] = pdf
    return {"certificate_pdf": pdfs.pop(-1, None), "form_pdfs": pdfs}


def stopped_on_obstacle(item: Any) -> bool:
    """Whether a TCO removal order's hour is stopped on an obstacle its latest Annex III named (force majeure, a de
    facto impossibility): the desk says when it ends."""
    return (
        (item.certificate or {}).get("form") == "TCO-RO"
        and item.status == Status.AWAITING_INFORMATION
        and certificates.waiting_on_obstacle(item.official_answers, item.paused_at)
    )


def removal_order_context(item: Any, now: datetime) -> dict[str, Any]:
    """A representative's forms on a TCO removal order: its Annex III reasons, and the Annex II time filled in
    (now, to the second, in UTC; never before the order's receipt, which the API would refuse)."""
    if (item.certificate or {}).get("form") != "TCO-RO":
        return {"removal_order": False}
    received = parse_instant(item.received_at)
    ceiling = received.replace(microsecond=0) + (timedelta(seconds=1) if received.microsecond else timedelta(0))
    return {
        "removal_order": True,
        "tco_reasons": list(certificates.TcoImpossibilityReason),
        "obstacles": {r.value for r in certificates.OBSTACLES},
        "removal_default": max(now.replace(microsecond=0), ceiling).strftime("%Y-%m-%dT%H:%M:%S"),
    }


def upload_limits() -> dict[str, Any]:
    """What an upload form says and takes: the API's document types and sizes, and the page's own limit (a file
    sent through a page travels inside one Lambda invocation; larger ones go through the API)."""
    kinds = sorted(set(CONTENT_TYPES.values()))
    words = [k.upper() for k in kinds]
    return {
        "types": ", ".join(words[:-1]) + " or " + words[-1],
        "accept": ",".join(sorted(CONTENT_TYPES) + [f".{k}" for k in kinds] + [".jpg"]),
        "max_bytes": MAX_UPLOAD_BYTES,
        "max_mb": MAX_UPLOAD_BYTES // (1024 * 1024),
        "api_max_mb": MAX_BYTES // (1024 * 1024),
        "too_large": f"A file sent through the console may be at most {MAX_UPLOAD_BYTES // (1024 * 1024)} MB; send "
        f"larger documents (up to {MAX_BYTES // (1024 * 1024)} MB) through the API.",
    }


@pages.page("/console/requests/{request_id}", like=api_authorities.get_request)
def request_page(visit: Visit) -> Response:
    done_key = visit.query.get("done", "")
    done = (OFFICER_DONE if visit.principal.role is Role.AUTHORITY else DONE).get(done_key)
    return visit.render(
        "request.html",
        done=done,
        done_key=done_key if done else None,
        refused=None,
        typed={},
        **_request_context(visit, visit.params["request_id"]),
    )


def refused_page(visit: Visit, action: str, refusal: LiaisonError) -> Response:
    """The request's page again, answering with the refusal's status: the API's message beside the form that was
    sent (``action``), and what was typed kept. A 404 stays a 404 page (nothing of the request is shown)."""
    if refusal.status == 404:
        raise refusal
    typed = {k: v for k, v in visit.form.items() if k != "csrf"}
    return visit.render(
        "request.html",
        status=refusal.status,
        done=None,
        done_key=None,
        refused={"action": action, "error": refusal},
        typed=typed,
        **_request_context(visit, visit.params["request_id"]),
    )


def _form(model: type[BaseModel], data: dict[str, Any]) -> Any:
    """The API's schema, fed from a form: empty fields are absent, as a JSON client would leave them out."""
    return validate(model, {k: v for k, v in data.items() if v not in ("", None)}, "form")


def _act(action: str, visit: Visit) -> Any:
    request_id, form = visit.params["request_id"], visit.form
    fields = {k: v for k, v in form.items() if k != "csrf"}
    if action == "acknowledge":
        return desk.acknowledge(visit.principal, request_id, _form(Acknowledgement, fields).note)
    if action == "request-information":
        return desk.request_information(visit.principal, request_id, _form(InformationRequest, fields).question)
    if action == "message":
        return desk.message(visit.principal, request_id, _form(MessageIn, fields).body)
    if action == "decision":
        return desk.decide(visit.principal, request_id, _decision(fields))
    if action == "approval":
        approve = fields.pop("approve", "")
        if approve not in ("yes", "no"):
            raise BadRequest("Choose approve or decline.", code="invalid_field", field="approve")
        approval = _form(Approval, {**fields, "approve": approve == "yes"})
        return desk.approve(visit.principal, request_id, approval.approve, approval.note)
    if action == "verification":
        return desk.verify(visit.principal, request_id, _form(Verification, fields))
    if action == "clear-verification":
        return desk.clear_verification(visit.principal, request_id, _form(VerificationClearance, fields).reason)
    if action == "reassign":
        return desk.reassign(visit.principal, request_id, _form(Reassignment, fields).rep_id)
    if action == "documents":
        return upload(visit, request_id)
    if action == "impossibility":
        chosen = [name.removeprefix("reason.") for name in fields if name.startswith("reason.")]
        told = _form(AnnexIII, {"reasons": chosen, "explanation": fields.get("explanation", "")})
        return desk.impossibility(visit.principal, request_id, told.reasons, told.explanation)
    if action == "enforcing-authority":
        told = _form(EnforcingAuthorityAnswer, fields)
        return desk.record_enforcing_answer(visit.principal, request_id, told.answer, told.authority, told.note)
    if action == "removal-impossibility":
        chosen = [name.removeprefix("reason.") for name in fields if name.startswith("reason.")]
        tco = _form(TcoAnnexIII, {"reasons": chosen, "explanation": fields.get("explanation", "")})
        return desk.tco_impossibility(visit.principal, request_id, tco.reasons, tco.explanation)
    if action == "obstacle-ended":
        return desk.obstacle_ended(visit.principal, request_id, _form(ObstacleEnded, fields).note)
    if action == "user-notice":
        sent_at = fields.pop("sent_at", "")
        return notices.record(
            visit.principal,
            request_id,
            _form(NoticeRecord, {**fields, "sent_at": _instant(sent_at) if sent_at else ""}),
        )
    if action == "waive-notice":
        return notices.waive(visit.principal, request_id, _form(NoticeWaiver, fields).reason)
    if action == "challenge":
        return notices.challenge(visit.principal, request_id, _form(Challenge, fields).grounds)
    raise NotFound("No such action.")


def _decision(fields: dict[str, str]) -> Decision:
    """The decision form as the API's ``Decision``. A removal order's Annex II feedback (``removal.action``, and
    ``removal.done_at`` as a datetime-local value in UTC) goes in only when what was done is chosen: the time is
    filled in on every removal order's form, and a rejection takes none."""
    fields = dict(fields)
    action, done_at = fields.pop("removal.action", ""), fields.pop("removal.done_at", "")
    data: dict[str, Any] = {k: v for k, v in fields.items() if v not in ("", None)}
    if action:
        data["removal"] = {"action": action, **({"done_at": _utc(done_at)} if done_at else {})}
    return validate(Decision, data, "form")


def _utc(local: str) -> str:
    """A datetime-local value the page states is UTC, as an ISO 8601 instant (``Z``); anything else as typed, for
    the API's schema to refuse with its own message."""
    return f"{local}Z" if LOCAL_INSTANT.match(local) else local


def _instant(local: str) -> str:
    """A datetime-local value the page states is UTC, as the API's own instant format (``clock.isoformat``: the
    notice service reads only that); anything else as typed, for the service to refuse with its own message."""
    if not LOCAL_INSTANT.match(local):
        return local
    try:
        return isoformat(datetime.fromisoformat(local).replace(tzinfo=UTC))
    except ValueError:  # 2026-02-30, 25:00: the service refuses it with its own message
        return local


def notice_context(item: Any, listed: list[Any], now: datetime) -> dict[str, Any]:
    """The user-notice panel of either side (``_user_notice.html``): what each side may do about the notice now
    (each service still decides, and its refusal is shown beside its form), the prohibition's document among those
    listed, and the agency's stored documents an order can name.

    ``owed``: the notice can be given now: it is owed before a disclosure, or due, and no prohibition runs (one whose
    day has passed counts as ended, as the service counts it)."""
    if not item.notice_state:
        return {"notice": None}
    state = NoticeState(item.notice_state)
    particulars = item.user_notice or {}
    runs = notice_rules.prohibition_runs(particulars, now)
    prohibition = particulars.get("prohibition") or {}
    effective = state
    if state is NoticeState.PROHIBITED and not runs:
        fulfilled = item.status in (Status.FULFILLED, Status.PARTIALLY_FULFILLED)
        effective = NoticeState.DUE if fulfilled else NoticeState(particulars.get("base", state.value))
    final = state in notice_rules.FINAL
    stored = [d for d in listed if d.status == "stored"]
    return {
        "notice": {
            "state": state.value,
            "runs": runs,
            "final": final,
            "owed": not final and not runs and effective in (NoticeState.NOTIFY_BEFORE_DISCLOSURE, NoticeState.DUE),
            "before_disclosure": effective is NoticeState.NOTIFY_BEFORE_DISCLOSURE,
            "challengeable": notice_rules.challengeable(particulars, now),
            "declarable": not final,
            "endable": state is NoticeState.PROHIBITED and runs,
            "document": next((d for d in stored if d.document_id == prohibition.get("document_id")), None),
            "order_documents": [d for d in stored if d.uploader_role == Role.AUTHORITY.value],
            "channels": list(Channel),
            "latest": now.strftime("%Y-%m-%dT%H:%M"),
            "overdue": state is NoticeState.DUE
            and (
                bool(item.notice_overdue)
                or bool(particulars.get("deadline") and parse_instant(particulars["deadline"]) <= now)
            ),
        }
    }


def notice_task(item: Any, now: datetime) -> dict[str, Any]:
    """One of the desk's notice tasks as a row: a notice due (its deadline, overdue or not), or an indefinite
    order's review day come (the task's instant is that day)."""
    particulars = item.user_notice or {}
    if item.notice_state == NoticeState.PROHIBITED:
        review = (particulars.get("prohibition") or {}).get("review_on")
        return {
            "item": item,
            "review": True,
            "when": item.notice_task_due,
            "review_on": review,
            "overdue": False,
            "left": "",
        }
    deadline = particulars.get("deadline") or item.notice_task_due
    overdue = bool(item.notice_overdue) or bool(deadline and parse_instant(deadline) <= now)
    return {
        "item": item,
        "review": False,
        "when": deadline,
        "overdue": overdue,
        "left": render.time_left(deadline, now) if deadline else "",
    }


def upload(visit: Visit, request_id: str) -> Any:
    """A document sent through the page (a representative's response package, an officer's legal process):
    declared as the API declares one (the SHA-256 computed here from the bytes received), uploaded through the
    same presigned POST, then checked as the list checks it."""
    import hashlib

    import requests

    sent = visit.files.get("file")
    if sent is None or not sent.data:
        raise BadRequest("Choose a file to upload.", code="missing_field", field="file")
    if len(sent.data) > MAX_UPLOAD_BYTES:  # the form around it may add up to MAX_FORM_BYTES to what was read
        raise PayloadTooLarge(upload_limits()["too_large"], code="payload_too_large", field="file")
    declared = _form(
        NewDocument,
        {
            "filename": sent.filename,
            "content_type": sent.content_type,
            "size": len(sent.data),
            "sha256": hashlib.sha256(sent.data).hexdigest(),
        },
    )
    document, form = documents.declare(visit.principal, request_id, declared)
    try:
        answer = requests.post(
            form.url,
            data=form.fields,
            timeout=30,
            files={"file": (document.filename, sent.data, document.content_type)},
        )
    except requests.RequestException:
        raise DependencyUnavailable("The evidence store did not take the file; try again.") from None
    if answer.status_code >= 300:
        raise DependencyUnavailable(f"The evidence store refused the file ({answer.status_code}); try again.")
    return documents.list(visit.principal, request_id)  # checks it now: stored, or rejected with the reason


@pages.page(
    "/console/requests/{request_id}/{action}",
    ("POST",),
    like=api_representatives.acknowledge_request,
    content_types=FORM_TYPES + UPLOAD_TYPES,
)
def act(visit: Visit) -> Response:
    action, request_id = visit.params["action"], visit.params["request_id"]
    if action not in DONE or action == "proposed":
        raise NotFound("No such action.")
    try:
        changed = _act(action, visit)
    except LiaisonError as refusal:
        return refused_page(visit, action, refusal)
    if action == "decision" and getattr(changed, "pending_decision", None):
        action = "proposed"
    return render.redirect(f"{render.base_path()}/requests/{request_id}?done={action}#top")


@pages.page("/console/requests/{request_id}/documents/{document_id}", like=api_documents.download_document)
def download(visit: Visit) -> Response:
    """A stored document: the API's five-minute link to the checked bytes (the download is audited)."""
    _, link = documents.download(visit.principal, visit.params["request_id"], visit.params["document_id"])
    return render.redirect(link.url)


@pages.page("/console/lead", like=api_representatives.get_queue)
def lead(visit: Visit) -> Response:
    """The lead's region: breaches, escalations, open requests per representative, what falls due in 24 h."""
    if not (visit.representative and visit.representative.lead):
        raise NotFound("The region view is for the region's lead.")
    items, cursor = [], None
    for _ in range(LEAD_SCAN_PAGES):
        page, cursor = desk.queue(visit.principal, limit=100, cursor=cursor)
        items += page
        if not cursor:
            break
    rows = [row(i, visit) for i in items]
    horizon = visit.now + LEAD_WINDOW
    per_rep: dict[str, dict[str, int]] = {
        c.rep_id: {"open": 0, "overdue": 0, "breached": 0}
        for c in desk.representatives.candidates(str(visit.principal.region))
    }
    for r in rows:
        counts = per_rep.setdefault(r["item"].assignee or "(nobody)", {"open": 0, "overdue": 0, "breached": 0})
        counts["open"] += 1
        counts["overdue"] += int(r["overdue"])
        counts["breached"] += int(bool(r["item"].sla_breached))
    return visit.render(
        "lead.html",
        partial=bool(cursor),
        per_rep=sorted(per_rep.items()),
        breached=[r for r in rows if r["item"].sla_breached],
        escalated=[r for r in rows if int(r["item"].escalation_level or 0) and not r["item"].sla_breached],
        due_soon=[r for r in rows if r["due"] and r["which"] != "paused" and parse_instant(r["due"]) <= horizon],
        pending=[r for r in rows if r["item"].pending_decision],
        total=len(rows),
    )


@pages.page("/console/requests", like=api_authorities.list_requests)
def agency_requests(visit: Visit) -> Response:
    """An officer's agency's requests, newest first, by status and type if asked (the API's list, its index)."""
    query = visit.query
    status, type_ = _enum(query.get("status"), Status), _enum(query.get("type"), RequestType)
    items, next_cursor = intake.page(
        visit.principal, limit=QUEUE_PAGE_SIZE, cursor=query.get("cursor") or None, status=status, type_=type_
    )
    return visit.render(
        "agency_requests.html",
        rows=[row(i, visit) for i in items],
        next_cursor=next_cursor,
        statuses=list(Status),
        types=list(RequestType),
        chosen={"status": status, "type": type_},
        cursor=query.get("cursor"),
    )
