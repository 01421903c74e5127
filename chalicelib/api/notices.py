"""Routes of user notice: the authority's non-disclosure orders, the desk's notices, challenges and tasks, and the
admins' notice policy (``services/user_notice.py``)."""

from __future__ import annotations

from pydantic import Field

from chalicelib.api.authorities import desk
from chalicelib.api.http import Call, Routes
from chalicelib.api.representatives import QueuePage, QueueQuery
from chalicelib.api.views import RequestSummary, RequestView
from chalicelib.auth.principal import Role
from chalicelib.domain import user_notice as rules
from chalicelib.domain.schema import View
from chalicelib.services import config, registry
from chalicelib.services.user_notice import UserNotices

routes = Routes(__name__, tag="user notice")
notices = UserNotices(desk)
AUTHORITY, REPRESENTATIVE, ADMIN = {Role.AUTHORITY}, {Role.REPRESENTATIVE}, {Role.ADMIN}


@routes.private(
    "/v1/requests/{request_id}/non-disclosure",
    "POST",
    roles=AUTHORITY,
    body=rules.NonDisclosure,
    responses={200: RequestView},
    summary="Declare a non-disclosure order on your request, or replace the one declared (renewed, a new "
    "review day, its document attached): its legal basis, its document (a stored document of "
    "the request you uploaded: 422 document_unknown), and the last day it applies ('until') or, "
    "indefinite, its review day. The user is not told while it runs. 409 already_notified once "
    "the user was told; 409 notice_not_applicable where the platform gives no notice.",
)
def declare_non_disclosure(call: Call) -> RequestView:
    return RequestView.of(notices.declare(call.caller, call.params["request_id"], call.body))


@routes.private(
    "/v1/requests/{request_id}/non-disclosure/end",
    "POST",
    roles=AUTHORITY,
    body=rules.ProhibitionEnd,
    responses={200: RequestView},
    summary="End your non-disclosure order before its day (lifted by the court, no longer needed): the "
    "user's notice falls due. 409 no_prohibition if none runs.",
)
def end_non_disclosure(call: Call) -> RequestView:
    return RequestView.of(notices.end(call.caller, call.params["request_id"], call.body.reason))


@routes.private(
    "/v1/requests/{request_id}/non-disclosure/challenge",
    "POST",
    roles=REPRESENTATIVE,
    body=rules.Challenge,
    responses={200: RequestView},
    summary="Challenge an indefinite non-disclosure order, or one longer than the notice policy's "
    "max_prohibition_days (409 prohibition_within_policy otherwise): the grounds are kept and the "
    "authority is told. The order is still respected.",
)
def challenge_non_disclosure(call: Call) -> RequestView:
    return RequestView.of(notices.challenge(call.caller, call.params["request_id"], call.body.grounds), routing=True)


@routes.private(
    "/v1/requests/{request_id}/user-notice",
    "POST",
    roles=REPRESENTATIVE,
    body=rules.NoticeRecord,
    responses={200: RequestView},
    summary="Record the notice given to the user: the channel and the text as sent (and when, if not "
    "now). Refused while a non-disclosure order runs (409 notice_prohibited, kept in the audit "
    "trail), once recorded (409 already_notified), and where no notice applies "
    "(409 notice_not_applicable).",
)
def record_user_notice(call: Call) -> RequestView:
    return RequestView.of(notices.record(call.caller, call.params["request_id"], call.body), routing=True)


@routes.private(
    "/v1/requests/{request_id}/user-notice/waive",
    "POST",
    roles=REPRESENTATIVE,
    body=rules.NoticeWaiver,
    responses={200: RequestView},
    summary="Record that no notice will be given after all, and why (the account was deleted, the user "
    "cannot be reached): the notice becomes not_applicable with that reason.",
)
def waive_user_notice(call: Call) -> RequestView:
    return RequestView.of(notices.waive(call.caller, call.params["request_id"], call.body.reason), routing=True)


@routes.private(
    "/v1/notice-tasks",
    roles=REPRESENTATIVE,
    query=QueueQuery,
    responses={200: QueuePage},
    summary="Your region's user-notice tasks, soonest deadline first: notices due (a non-disclosure "
    "order ended, an emergency passed, content acted on) and indefinite orders whose review day "
    "has come.",
)
def get_notice_tasks(call: Call) -> QueuePage:
    items, next_cursor = notices.tasks(call.caller, limit=call.query.limit, cursor=call.query.cursor)
    return QueuePage(items=[RequestSummary.of(item) for item in items], next_cursor=next_cursor)


class NoticePolicyView(View):
    """The user-notice rule of each request type, and the jurisdictions whose rules differ."""

    document: rules.NoticePolicy
    updated_at: str | None = Field(default=None)
    updated_by: str | None = Field(default=None)


@routes.private(
    "/v1/admin/notice-policy",
    roles=ADMIN,
    responses={200: NoticePolicyView},
    summary="The user-notice policy: per request type (and jurisdiction) notify, delay or not applicable, "
    "the days to record a due notice, and the longest prohibition accepted unchallenged.",
)
def get_notice_policy(call: Call) -> NoticePolicyView:
    return NoticePolicyView(document=config.notice_policy())


@routes.private(
    "/v1/admin/notice-policy",
    "PUT",
    roles=ADMIN,
    body=rules.NoticePolicy,
    responses={200: NoticePolicyView},
    summary="Replace the user-notice policy. It applies to requests filed from then on; those filed "
    "keep the rule they were filed under.",
)
def put_notice_policy(call: Call) -> NoticePolicyView:
    done = registry.replace_notice_policy(call.body, call.caller)
    return NoticePolicyView(document=config.notice_policy(), updated_at=done.at, updated_by=done.by)
