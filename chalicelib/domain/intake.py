"""What an authority may submit, and the per-type rules a submission must meet."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, StringConstraints, WithJsonSchema

from chalicelib.domain import certificates
from chalicelib.domain.deadlines import RequestType
from chalicelib.domain.schema import SingleLine, Strict, Text
from chalicelib.domain.user_notice import NonDisclosure
from chalicelib.errors import BadRequest

MAX_TARGETS = 100


class TargetKind(StrEnum):
    USERNAME = "username"
    PHONE = "phone"
    USER_ID = "user_id"
    CHANNEL = "channel"
    MESSAGE_LINK = "message_link"


class DataCategory(StrEnum):
    SUBSCRIBER = "subscriber"  # name, e-mail, phone, account creation
    TRAFFIC = "traffic"  # IP addresses, connection logs, timestamps
    CONTENT = "content"  # messages, media
    ACCESS_LOGS = "access_logs"


class Target(Strict):
    kind: TargetKind
    value: Annotated[str, StringConstraints(min_length=1, max_length=2048), SingleLine]


class Emergency(Strict):
    threat: Annotated[str, StringConstraints(min_length=1, max_length=4000), Text] = Field(
        description="The imminent danger to life or of serious physical injury."
    )
    callback_number: Annotated[str, StringConstraints(pattern=r"^\+?[0-9][0-9 ()\-]{5,31}$"), SingleLine] = Field(
        description="A number where the requesting officer can be called back to verify the request."
    )


class Submission(Strict):
    """A legal request as an authority submits it. Server-owned fields are refused."""

    type: RequestType
    legal_basis: Annotated[str, StringConstraints(min_length=1, max_length=500), SingleLine]
    reference: Annotated[str, StringConstraints(min_length=1, max_length=128), SingleLine] = Field(
        description="The authority's own case or file reference."
    )
    targets: list[Target] = Field(min_length=1, max_length=MAX_TARGETS)
    description: Annotated[str, StringConstraints(min_length=1, max_length=20_000), Text]
    language: Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$"), SingleLine] = Field(
        description="BCP 47 language tag of the request, e.g. 'fr' or 'de-AT'."
    )
    data_categories: list[DataCategory] | None = Field(default=None, max_length=len(DataCategory))
    emergency: Emergency | None = None
    certificate: Annotated[dict[str, Any] | None, WithJsonSchema(certificates.json_schema())] = Field(
        default=None,
        description="The order as its official EU form, kept exactly as filed: EPOC (Regulation (EU) "
        "2023/1543 Annex I), EPOC-PR (Annex II) or TCO-RO (Regulation (EU) 2021/784 Annex I), section by "
        "section. An incomplete certificate is refused with 422 naming each missing section.",
    )
    non_disclosure: NonDisclosure | None = Field(
        default=None,
        description="A non-disclosure order that forbids telling the user (18 USC 2705(b), a court's "
        "order ...): its legal basis, and the last day it applies or, indefinite, its review day. Upload the order "
        "once the request is filed, then declare it again with its document_id (POST .../non-disclosure).",
    )


_REMOVAL_TARGETS = frozenset({TargetKind.MESSAGE_LINK, TargetKind.CHANNEL})
_NEEDS_CATEGORIES = frozenset({RequestType.DATA_DISCLOSURE, RequestType.PRESERVATION})
_REMOVALS = frozenset({RequestType.CONTENT_REMOVAL, RequestType.TERRORIST_CONTENT_REMOVAL})


def check_type_rules(submission: Submission) -> None:
    """Per-type requirements that a schema alone cannot say; 400 naming the field."""
    if submission.type is RequestType.EMERGENCY_DISCLOSURE and submission.emergency is None:
        raise BadRequest(
            "An emergency disclosure needs 'emergency': {threat, callback_number}.",
            code="missing_field",
            field="emergency",
        )
    if submission.type is not RequestType.EMERGENCY_DISCLOSURE and submission.emergency is not None:
        raise BadRequest(
            "'emergency' is only for emergency_disclosure requests.", code="invalid_field", field="emergency"
        )
    if submission.type in _REMOVALS and not any(t.kind in _REMOVAL_TARGETS for t in submission.targets):
        raise BadRequest(
            "A removal order needs at least one 'message_link' or 'channel' target.",
            code="invalid_field",
            field="targets",
        )
    if submission.type in _NEEDS_CATEGORIES and not submission.data_categories:
        raise BadRequest(
            f"A {submission.type.value} request needs 'data_categories'.", code="missing_field", field="data_categories"
        )
    if submission.data_categories and len(set(submission.data_categories)) != len(submission.data_categories):
        raise BadRequest("'data_categories' lists a category twice.", code="invalid_field", field="data_categories")
    if submission.non_disclosure is not None and submission.non_disclosure.document_id is not None:
        raise BadRequest(
            "The order's document can only be attached once the request exists: leave out "
            "'non_disclosure.document_id', upload the order, then declare it with its id.",
            code="invalid_field",
            field="non_disclosure.document_id",
        )
    if submission.certificate is not None:
        certificates.check(submission.certificate)
        certificates.check_type(submission.certificate, submission.type)


def requirements(kind: RequestType) -> tuple[list[str], list[str]]:
    """What a submission of ``kind`` must carry: its required fields, and the rules beyond them, from the same
    schema and sets ``check_type_rules`` applies (the public policies show exactly what is enforced)."""
    required = [name for name, spec in Submission.model_fields.items() if spec.is_required()]
    rules = []
    if kind is RequestType.EMERGENCY_DISCLOSURE:
        required.append("emergency")
        rules.append("filed with a multi-factor authenticated token; emergency: {threat, callback_number}")
    else:
        rules.append("no 'emergency' field")
    if kind in _NEEDS_CATEGORIES:
        required.append("data_categories")
        rules.append(f"data_categories among {', '.join(c.value for c in DataCategory)}, each at most once")
    if kind in _REMOVALS:
        rules.append(f"at least one target of kind {' or '.join(sorted(k.value for k in _REMOVAL_TARGETS))}")
    return required, rules
