"""The text of notices to authorities. Pure: no AWS.

A notice names the request, its type, jurisdiction and deadlines, and links to
its console page (``link``: officers follow requests on the same web pages as
representatives; a JSON endpoint would answer 401 in a browser); it never
carries target identifiers (usernames, phone numbers...) or workflow task
tokens: e-mail is not a safe place for either.
"""

from __future__ import annotations

from typing import NamedTuple

SUBJECTS = {
    "acknowledged": "Your request {id} was acknowledged",
    "information_requested": "Information needed on your request {id}",
    "decided": "Decision on your request {id}",
    "obstacle_ended": "The hour runs again on your removal order {id}",
    "removal_stopped": "Your removal order {id} cannot be executed within the hour",
    "hold_released": "Preservation ended on your request {id}",
    "non_disclosure_challenged": "The platform challenges the non-disclosure order on your request {id}",
}


class Notice(NamedTuple):
    subject: str
    text: str


def agency_notice(
    kind: str,
    *,
    request_id: str,
    request_type: str,
    region: str,
    reference: str,
    due_at: str,
    link: str,
    outcome: str | None = None,
    reason: str | None = None,
    question: str | None = None,
    form: str | None = None,
) -> Notice:
    lines = [
        f"Request: {request_id} (your reference {reference})",
        f"Type: {request_type.replace('_', ' ')}",
        f"Handled by the {region} desk",
        f"Due: {due_at}",
    ]
    if kind == "acknowledged":
        lines.insert(0, "The platform has acknowledged your request and is working on it.")
    elif kind == "information_requested":
        lines.insert(
            0,
            "The platform needs information to proceed. The deadline is paused until you answer; "
            "sign in and answer on the request's page (the link below).",
        )
        lines.append(f"Question: {question}")
    elif kind == "decided":
        lines.insert(
            0, f"The platform has decided your request: {outcome}" + (f" (reason: {reason})." if reason else ".")
        )
    elif kind == "removal_stopped":
        lines.insert(
            0,
            "The platform answered your removal order with TCO Annex III: it cannot be executed within "
            "the hour. Nothing is asked of you; you will be told when the hour runs again.",
        )
        lines.append(f"The form: {question}")
    elif kind == "obstacle_ended":
        lines.insert(
            0,
            "The obstacle the platform reported (TCO Annex III) has ended: the one hour to remove the "
            "content runs again from now (TCO Regulation Art. 3(7)).",
        )
    elif kind == "hold_released":
        lines.insert(
            0,
            "The platform ended the preservation of the data for this request: the production request "
            "was served, or the hold is no longer needed.",
        )
    elif kind == "non_disclosure_challenged":
        lines.insert(
            0,
            "The platform challenges the non-disclosure order you declared on this request: it is "
            "indefinite, or longer than its policy allows. The order is still respected: the user is not "
            "told while it runs. Answer on the request's page: end the order, or declare it again with "
            "its end or review day.",
        )
        lines.append(f"Grounds: {question}")
    else:
        raise ValueError(f"no agency notice for {kind!r}")
    if form:
        lines.append(f"Answered with: {form} (as structured data on the request, official_answers)")
    lines.append(f"Details: {link}")
    return Notice(SUBJECTS[kind].format(id=request_id), "\n".join(lines))
