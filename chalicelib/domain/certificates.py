"""The EU's official order forms as data: what a certificate holds, section by section, and what must be there.

An authority may file a request as the regulation's own certificate (``Submission.certificate``):

- ``EPOC``: European Production Order Certificate, Regulation (EU) 2023/1543 Annex I → ``data_disclosure``, or
  ``emergency_disclosure`` when it marks an emergency (Art. 10(4): 8 hours);
- ``EPOC-PR``: European Preservation Order Certificate, Annex II → ``preservation``;
- ``TCO-RO``: removal order, Regulation (EU) 2021/784 Annex I → ``terrorist_content_removal``.

Each form is a table of sections (``FORMS``), each section a table of fields, written from the official text
as far as it could be retrieved (the README's "EU orders" section gives the source of each). A section whose
text was not retrieved is modelled as what it is: one free-text field, labelled so, never fields made up for
it. The certificate is kept exactly as filed (the body as filed, in the evidence bucket, and on the request,
bound by the audit trail); what is checked here is its shape: every section and field it names is one the form
has, each value fits, and every mandatory section and field is there (422 naming each one missing).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, NamedTuple

from chalicelib.domain.deadlines import RequestType
from chalicelib.domain.decisions import Decision, Outcome
from chalicelib.domain.schema import _NOT_IN_LINE, _NOT_IN_TEXT
from chalicelib.errors import BadRequest, Conflict, Unprocessable

MAX_TEXT = 20_000
MAX_LINE = 500
MAX_ITEMS = 100
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?)?$")
COUNTRY = re.compile(r"^[A-Z]{2}$")


class Field(NamedTuple):
    """One field of a section: ``kind`` is ``line`` (one line), ``text`` (paragraphs), ``date`` (ISO 8601),
    ``country`` (ISO 3166-1 alpha-2, as the EU writes Member States), ``flag`` (a tick-box), ``choice`` (one
    of ``choices``), ``choices`` (several), or ``lines`` (a list of lines)."""

    name: str
    label: str
    kind: str = "line"
    required: bool = False
    choices: tuple[str, ...] = ()


class Section(NamedTuple):
    letter: str
    title: str
    fields: tuple[Field, ...]
    mandatory: bool = False
    retrieved: bool = True  # False: the official text was not retrieved; one free-text field stands for it


class Form(NamedTuple):
    name: str
    title: str
    source: str  # the regulation and annex
    types: tuple[RequestType, ...]  # what it may be filed as
    sections: tuple[Section, ...] = ()

    def section(self, letter: str) -> Section | None:
        return next((s for s in self.sections if s.letter == letter), None)


def free_text(letter: str, title: str | None = None, *, mandatory: bool = False) -> Section:
    """A section whose official field list was not retrieved: kept as the authority's text, labelled so. ``title``
    None: not even its title was retrieved."""
    shown = title or "title not retrieved"
    return Section(
        letter,
        shown,
        (
            Field(
                "text",
                f"Section {letter} as on the certificate (free text: the official field list was not retrieved)",
                "text",
                required=True,
            ),
        ),
        mandatory=mandatory,
        retrieved=False,
    )


def rest_of(letter: str) -> Field:
    """The part of a section after the fields that were retrieved, as the certificate words it."""
    return Field("rest", f"The rest of section {letter} as on the certificate (free text: not retrieved)", "text")


# The first lines of section A of both e-Evidence certificates (Annexes I and II word them alike).
_ISSUING = (
    Field("issuing_state", "Issuing State", "country", required=True),
    Field("issuing_authority", "Issuing authority", required=True),
    Field("validating_authority", "Validating authority (where applicable)"),
)

FORMS: dict[str, Form] = {
    # Annex I: sections A and B as the adopted text words them (B only in part); the preamble names C (the
    # deadlines), I and J (the issuing and validating authorities' details) and L (point (a): the authority the
    # data go to); the other letters' titles and fields were not retrieved.
    "EPOC": Form(
        "EPOC",
        "European Production Order Certificate",
        "Regulation (EU) 2023/1543, Annex I",
        (RequestType.DATA_DISCLOSURE, RequestType.EMERGENCY_DISCLOSURE),
        (
            Section(
                "A",
                "Issuing/validating authority",
                (
                    *_ISSUING,
                    Field("issuing_file_number", "File number of the issuing authority", required=True),
                    Field("validating_file_number", "File number of the validating authority"),
                ),
                mandatory=True,
            ),
            Section(
                "B",
                "Addressee",
                (
                    Field("addressee", "Addressee", required=True),
                    Field(
                        "addressee_is",
                        "The addressee is",
                        "choice",
                        required=True,
                        choices=("designated_establishment", "legal_representative"),
                    ),
                    Field(
                        "emergency_other_addressee",
                        "This order is issued in an emergency case to the specified "
                        "addressee because the designated establishment or the legal representative of a service "
                        "provider did not react to the EPOC within the deadlines",
                        "flag",
                    ),
                    rest_of("B"),
                ),
                mandatory=True,
            ),
            free_text("C", "Deadlines", mandatory=True),
            free_text("D"),
            free_text("E"),
            free_text("F"),
            free_text("G"),
            free_text("H"),
            free_text("I", "Details of the issuing authority", mandatory=True),
            free_text("J", "Details of the validating authority"),
            free_text("K"),
            free_text("L", "Where the data are to be transferred (point (a): the competent authority)", mandatory=True),
        ),
    ),
    # Annex II: section A as far as it was retrieved; the letters after A are not known, so B to L are taken as
    # free text, none required.
    "EPOC-PR": Form(
        "EPOC-PR",
        "European Preservation Order Certificate",
        "Regulation (EU) 2023/1543, Annex II",
        (RequestType.PRESERVATION,),
        (
            Section(
                "A",
                "Issuing/validating authority",
                (
                    *_ISSUING,
                    rest_of("A"),
                ),
                mandatory=True,
            ),
            *(free_text(letter) for letter in "BCDEFGHIJKL"),
        ),
    ),
    # Annex I of the TCO Regulation: section A whole, B up to its first tick-box; A names E and F (the issuing
    # competent authority's details); C and D were not retrieved.
    "TCO-RO": Form(
        "TCO-RO",
        "Removal order",
        "Regulation (EU) 2021/784, Annex I",
        (RequestType.TERRORIST_CONTENT_REMOVAL,),
        (
            Section(
                "A",
                "The removal order",
                (
                    Field("issuing_state", "Member State of the issuing competent authority", "country", required=True),
                    Field("addressee", "Addressee and, where relevant, legal representative", required=True),
                    Field("contact_point", "Contact point"),
                    Field(
                        "main_establishment_state",
                        "Member State where the hosting service provider has its main "
                        "establishment or where its legal representative resides or is established",
                        "country",
                    ),
                    Field("issued_at", "Time and date of issuing of the removal order", "date", required=True),
                    Field("reference", "Reference number of the removal order", required=True),
                ),
                mandatory=True,
            ),
            Section(
                "B",
                "Terrorist content to be removed or access to which is to be disabled in all Member "
                "States as soon as possible and in any event within one hour of receipt of the removal "
                "order",
                (
                    Field(
                        "urls",
                        "URL and any additional information enabling the identification and exact location "
                        "of the terrorist content",
                        "lines",
                        required=True,
                    ),
                    Field(
                        "reasons",
                        "Reasons for considering the material to be terrorist content, in accordance with "
                        "point (7) of Article 2 of the Regulation",
                        "text",
                        required=True,
                    ),
                    Field(
                        "material",
                        "The material (the boxes ticked, as worded on the form: the list was retrieved "
                        "only up to its first box, 'incites others to commit terrorist offences')",
                        "lines",
                    ),
                    rest_of("B"),
                ),
                mandatory=True,
            ),
            free_text("C"),
            free_text("D"),
            free_text("E", "Details of the issuing competent authority", mandatory=True),
            free_text("F", "Details of the issuing competent authority (continued)"),
        ),
    ),
}


def _fits(spec: Field, value: Any, where: str) -> Any:
    def refuse(why: str) -> BadRequest:
        return BadRequest(f"Invalid field '{where}': {why}.", code="invalid_field", field=where)

    def line(text: Any, limit: int = MAX_LINE) -> str:
        if not isinstance(text, str) or not text.strip():
            raise refuse("must be a non-empty string")
        if len(text) > limit:
            raise refuse(f"at most {limit} characters")
        if (_NOT_IN_LINE if limit == MAX_LINE else _NOT_IN_TEXT).search(text):  # as SingleLine and Text say
            raise refuse(
                "must be a single line, without control, line-break or bidirectional formatting characters"
                if limit == MAX_LINE
                else "must not contain control characters other than tab and line breaks"
            )
        return text

    if spec.kind == "flag":
        if not isinstance(value, bool):
            raise refuse("must be true or false")
        return value
    if spec.kind == "text":
        return line(value, MAX_TEXT)
    if spec.kind == "date":
        if not isinstance(value, str) or not DATE.match(value):
            raise refuse("must be an ISO 8601 date or date-time")
        return value
    if spec.kind == "country":
        if not isinstance(value, str) or not COUNTRY.match(value):
            raise refuse("must be an ISO 3166-1 alpha-2 code, e.g. FR")
        return value
    if spec.kind == "choice":
        if value not in spec.choices:
            raise refuse(f"must be one of {', '.join(spec.choices)}")
        return value
    if spec.kind in ("choices", "lines"):
        if not isinstance(value, list) or not value or len(value) > MAX_ITEMS:
            raise refuse(f"must be a list of 1 to {MAX_ITEMS} items")
        if spec.kind == "choices":
            if any(item not in spec.choices for item in value) or len(set(value)) != len(value):
                raise refuse(f"each one of {', '.join(spec.choices)}, at most once")
            return value
        return [line(item) for item in value]
    return line(value)


def check(certificate: Any) -> dict[str, Any]:
    """The certificate's shape (400 naming the first field that does not fit) and its completeness (422 naming
    every mandatory section or field missing). Returns it unchanged: it is kept exactly as filed."""
    if not isinstance(certificate, dict):
        raise BadRequest("Invalid field 'certificate': must be an object.", code="invalid_field", field="certificate")
    form = FORMS.get(certificate.get("form", ""))
    if form is None:
        raise BadRequest(
            f"Invalid field 'certificate.form': must be one of {', '.join(FORMS)}.",
            code="invalid_field",
            field="certificate.form",
        )
    unknown = set(certificate) - {"form", "sections"}
    if unknown:
        name = min(unknown)
        raise BadRequest(
            f"Invalid field 'certificate.{name}': not part of a certificate.",
            code="invalid_field",
            field=f"certificate.{name}",
        )
    sections = certificate.get("sections", {})
    if not isinstance(sections, dict):
        raise BadRequest(
            "Invalid field 'certificate.sections': must be an object keyed by section letter.",
            code="invalid_field",
            field="certificate.sections",
        )
    missing: list[str] = []
    for letter, content in sections.items():
        spec = form.section(letter)
        where = f"certificate.sections.{letter}"
        if spec is None:
            raise BadRequest(
                f"Invalid field '{where}': {form.source} has no section {letter!r} (it has "
                f"{', '.join(s.letter for s in form.sections)}).",
                code="invalid_field",
                field=where,
            )
        if not isinstance(content, dict):
            raise BadRequest(f"Invalid field '{where}': must be an object.", code="invalid_field", field=where)
        for name, value in content.items():
            field_spec = next((f for f in spec.fields if f.name == name), None)
            if field_spec is None:
                raise BadRequest(
                    f"Invalid field '{where}.{name}': section {letter} has {', '.join(f.name for f in spec.fields)}.",
                    code="invalid_field",
                    field=f"{where}.{name}",
                )
            _fits(field_spec, value, f"{where}.{name}")
        missing += [f"{letter}.{f.name}" for f in spec.fields if f.required and f.name not in content]
    missing = [s.letter for s in form.sections if s.mandatory and s.letter not in sections] + missing
    if missing:
        raise Unprocessable(
            f"The {form.name} certificate is incomplete: missing {', '.join(missing)} ({form.source}).",
            code="certificate_incomplete",
            field="certificate.sections",
        )
    return certificate


def check_type(certificate: dict[str, Any], kind: RequestType) -> None:
    """The request type the certificate may be filed as (422 when another one is claimed). An EPOC is a
    ``data_disclosure``, or an ``emergency_disclosure`` when its section C marks an emergency (Art. 10(4)): the
    type the authority files it as says which, since section C's wording was not retrieved."""
    form = FORMS[certificate["form"]]
    if kind not in form.types:
        raise Unprocessable(
            f"An {form.name} certificate is filed as {' or '.join(t.value for t in form.types)}, not '{kind.value}'.",
            code="certificate_type_mismatch",
            field="type",
        )


def requires_enforcing_authority(certificate: dict[str, Any] | None, data_categories: Sequence[str] | None) -> bool:
    """e-Evidence Art. 8(1): an EPOC for traffic data (other than data requested only to identify the user) or
    for content data is notified to the enforcing authority. Liaison's data categories do not tell identification
    data apart, so any traffic data counts: the wait is kept when in doubt."""
    if not certificate or certificate.get("form") != "EPOC":
        return False
    return bool({str(c) for c in data_categories or ()} & {"traffic", "content"})


def _field_schema(spec: Field) -> dict[str, Any]:
    kinds: dict[str, dict[str, Any]] = {
        "line": {"type": "string", "maxLength": MAX_LINE},
        "text": {"type": "string", "maxLength": MAX_TEXT},
        "date": {"type": "string", "pattern": DATE.pattern},
        "country": {"type": "string", "pattern": COUNTRY.pattern},
        "flag": {"type": "boolean"},
        "choice": {"type": "string", "enum": list(spec.choices)},
        "choices": {
            "type": "array",
            "items": {"type": "string", "enum": list(spec.choices)},
            "uniqueItems": True,
            "minItems": 1,
            "maxItems": MAX_ITEMS,
        },
        "lines": {
            "type": "array",
            "items": {"type": "string", "maxLength": MAX_LINE},
            "minItems": 1,
            "maxItems": MAX_ITEMS,
        },
    }
    return {**kinds[spec.kind], "description": spec.label}


def json_schema() -> dict[str, Any]:
    """The certificate as the OpenAPI document describes it: one schema per form, from the same tables."""
    forms = []
    for form in FORMS.values():
        sections = {
            s.letter: {
                "type": "object",
                "title": f"Section {s.letter}: {s.title}",
                "additionalProperties": False,
                "properties": {f.name: _field_schema(f) for f in s.fields},
                "required": [f.name for f in s.fields if f.required],
                **(
                    {"description": "The official field list was not retrieved: the section as free text."}
                    if not s.retrieved
                    else {}
                ),
            }
            for s in form.sections
        }
        forms.append(
            {
                "title": f"{form.name}: {form.title}",
                "description": f"{form.source}; files as {' or '.join(t.value for t in form.types)}.",
                "type": "object",
                "additionalProperties": False,
                "required": ["form", "sections"],
                "properties": {
                    "form": {"const": form.name},
                    "sections": {
                        "type": "object",
                        "additionalProperties": False,
                        "properties": sections,
                        "required": [s.letter for s in form.sections if s.mandatory],
                    },
                },
            }
        )
    return {"oneOf": [*forms, {"type": "null"}]}


def shown(certificate: dict[str, Any] | None) -> dict[str, Any] | None:
    """A stored certificate as a page shows it: the form, then each section filed, in the form's order, with its
    fields' labels (lists one item per line, tick-boxes in words)."""
    if not certificate or certificate.get("form") not in FORMS:
        return None
    form = FORMS[certificate["form"]]
    filed = certificate.get("sections", {})
    sections = []
    for section in form.sections:
        if section.letter not in filed:
            continue
        rows = []
        for spec in section.fields:
            if spec.name not in filed[section.letter]:
                continue
            value = filed[section.letter][spec.name]
            if spec.kind == "flag":
                value = "Yes" if value else "No"
            elif spec.kind == "choice":
                value = str(value).replace("_", " ").capitalize()
            elif isinstance(value, list):
                value = "\n".join(str(item) for item in value)
            label = spec.label if section.retrieved else "As filed (free text)"
            rows.append({"label": label, "value": str(value), "text": spec.kind in ("text", "lines", "choices")})
        sections.append(
            {"letter": section.letter, "title": section.title, "retrieved": section.retrieved, "rows": rows}
        )
    return {"form": form.name, "title": form.title, "source": form.source, "sections": sections}


# --- e-Evidence Art. 8 and 10: the enforcing authority ----------------------------------------------------------

ENFORCING_WAIT = timedelta(days=10)  # Art. 10(2): data go at the end of the 10 days, unless a ground is raised
OBJECTION_WINDOW = timedelta(hours=96)  # Art. 10(4): in an emergency, the enforcing authority may object within


class EnforcingAnswer(StrEnum):
    NO_GROUND = "no_ground"  # it confirms it raises no ground for refusal (Art. 10(2)): the data may go at once
    GROUND_RAISED = "ground_raised"  # it raises a ground for refusal (Art. 12): the request ends rejected
    OBJECTION = "objection"  # emergency: it objects to the use of the data already produced (Art. 10(4))
    CONDITIONS = "conditions"  # emergency: the data may be used only under the conditions it sets


def enforcing_notice(received: datetime, emergency: bool) -> dict[str, Any]:
    """What a request notified to the enforcing authority keeps (``LegalRequest.enforcing_authority``): until when
    a fulfilment waits (not in an emergency), or until when an objection may come (in an emergency)."""
    if emergency:
        return {"notified": True, "objection_until": _iso(received + OBJECTION_WINDOW), "answers": []}
    return {"notified": True, "wait_until": _iso(received + ENFORCING_WAIT), "answers": []}


def check_enforcing_wait(
    notice: dict[str, Any] | None, fulfilment: bool, now: datetime, *, ended: bool = False
) -> None:
    """A fulfilment of a notified EPOC waits for the end of the 10 days unless the enforcing authority confirmed
    earlier that it raises no ground (Art. 10); 409 with the date otherwise."""
    if not fulfilment or notice is None or enforcing_wait_open(notice, now, ended=ended):
        return  # (no notice: no wait)
    until = notice["wait_until"]
    raise Conflict(
        f"The enforcing authority was notified of this EPOC (e-Evidence Art. 8): no data may be "
        f"produced before {until}, unless it confirms earlier that it raises no ground for refusal "
        "(record its answer).",
        code="enforcing_authority_wait",
    )


def check_enforcing_answer(notice: dict[str, Any] | None, answer: EnforcingAnswer, now: datetime) -> None:
    """Whether this answer can be recorded now (409 naming why not)."""
    if not notice:
        raise Conflict(
            "No enforcing authority was notified of this request (e-Evidence Art. 8 applies to an EPOC "
            "for traffic or content data).",
            code="enforcing_authority_not_notified",
        )
    emergency = "objection_until" in notice
    if emergency and answer in (EnforcingAnswer.NO_GROUND, EnforcingAnswer.GROUND_RAISED):
        raise Conflict(
            "In an emergency the data go within 8 hours; the enforcing authority may then object or set "
            "conditions (Art. 10(4)).",
            code="invalid_enforcing_answer",
        )
    if not emergency and answer in (EnforcingAnswer.OBJECTION, EnforcingAnswer.CONDITIONS):
        raise Conflict(
            "An objection or conditions are the enforcing authority's answer to an emergency EPOC; here it "
            "raises a ground for refusal or confirms it raises none.",
            code="invalid_enforcing_answer",
        )
    if emergency and now >= _parse(notice["objection_until"]):
        raise Conflict(
            f"The 96 hours for an objection ended at {notice['objection_until']} (Art. 10(4)).",
            code="objection_window_closed",
        )


def _iso(instant: datetime) -> str:
    from chalicelib.clock import isoformat

    return isoformat(instant)


def _given(text: str) -> datetime:
    """An ISO 8601 instant with its offset, as a client writes it (``Z`` or ``+02:00``, seconds optional)."""
    from datetime import UTC

    return datetime.fromisoformat(text).astimezone(UTC)


def _parse(text: str) -> datetime:
    from chalicelib.clock import parse_instant

    return parse_instant(text)


# --- Annex III of e-Evidence: information on the impossibility to execute an EPOC or EPOC-PR --------------------


class ImpossibilityReason(StrEnum):
    """The reasons of Annex III as far as they were read (the official German text, rendered in English); the
    form's later boxes were not retrieved: ``other``, worded in the explanation."""

    INCOMPLETE = "incomplete"  # "it is incomplete"
    MANIFEST_ERRORS = "manifest_errors"  # "it contains manifest errors"
    INSUFFICIENT_INFORMATION = "insufficient_information"  # "it does not contain sufficient information"
    DATA_NOT_STORED = "data_not_stored"  # "not data stored by or on behalf of the provider at the time of receipt"
    DE_FACTO_IMPOSSIBILITY = "de_facto_impossibility"  # "other de facto impossibility not attributable to ..."
    OTHER = "other"  # a reason of the form's later boxes (not retrieved), in the explanation's words


# Reasons the issuing authority can cure by clarifying (the form is also how clarification is asked for): with
# only these, the request waits for the authority's answer, clock stopped; with any other, it ends rejected.
CLARIFIABLE = frozenset(
    {ImpossibilityReason.INCOMPLETE, ImpossibilityReason.MANIFEST_ERRORS, ImpossibilityReason.INSUFFICIENT_INFORMATION}
)


def check_annex_iii(certificate: dict[str, Any] | None) -> str:
    """The certificate Annex III answers (its section A: EPOC or EPOC-PR); 409 for any other request."""
    form = (certificate or {}).get("form")
    if form not in ("EPOC", "EPOC-PR"):
        raise Conflict(
            "Annex III answers an EPOC or an EPOC-PR; this request was not filed as one.", code="not_an_eevidence_order"
        )
    return str(form)


def check_epoc_pr(certificate: dict[str, Any] | None) -> None:
    """Annexes V and VI follow an EPOC-PR; 409 for any other request."""
    if (certificate or {}).get("form") != "EPOC-PR":
        raise Conflict(
            "Annexes V and VI of the e-Evidence Regulation follow an EPOC-PR; this request was not filed "
            "as one (extend an ordinary preservation hold with POST /v1/requests/<id>/extend).",
            code="not_an_epoc_pr",
        )


# --- TCO Regulation (EU) 2021/784, Art. 3 and Annexes II and III: a removal order's answers ----------------------


class TcoImpossibilityReason(StrEnum):
    """Why a removal order cannot be executed within the hour, as TCO Art. 3(7) and 3(8) name the grounds (Annex
    III's own field list was not retrieved)."""

    FORCE_MAJEURE = "force_majeure"  # Art. 3(7)
    DE_FACTO_IMPOSSIBILITY = "de_facto_impossibility"  # Art. 3(7): not attributable to the hosting provider
    MANIFEST_ERRORS = "manifest_errors"  # Art. 3(8)
    INSUFFICIENT_INFORMATION = "insufficient_information"  # Art. 3(8)


# Art. 3(7): with force majeure or de facto impossibility, the hour runs from when the grounds cease (the desk says
# when: "obstacle ended"); Art. 3(8): with manifest errors or insufficient information, from the clarification.
OBSTACLES = frozenset({TcoImpossibilityReason.FORCE_MAJEURE, TcoImpossibilityReason.DE_FACTO_IMPOSSIBILITY})


def check_removal_order(certificate: dict[str, Any] | None) -> None:
    """Annexes II and III of the TCO Regulation answer a removal order; 409 for any other request."""
    if (certificate or {}).get("form") != "TCO-RO":
        raise Conflict(
            "This answer is for a removal order filed as the TCO Regulation's form (TCO-RO); this request "
            "was not filed as one.",
            code="not_a_removal_order",
        )


def waiting_on_obstacle(answers: list[dict[str, Any]] | None, paused_at: str | None) -> bool:
    """Whether the request's clock is stopped by a TCO Annex III that named force majeure or a de facto impossibility
    (the desk then says when it ends): the pause began when that form was sent (``paused_at``), not with a later
    question."""
    latest = next((a for a in reversed(answers or []) if a.get("form") == "TCO Annex III"), None)
    return latest is not None and bool(OBSTACLES & set(latest.get("reasons", []))) and latest.get("at") == paused_at


def enforcing_wait_open(notice: dict[str, Any] | None, now: datetime, *, ended: bool = False) -> bool:
    """Whether a fulfilment may go now: no wait applies, the enforcing authority confirmed it raises no ground, the
    workflow recorded the end of the 10 days (``ended``), or they have passed."""
    if not notice or not notice.get("wait_until"):
        return True
    if any(a.get("answer") == EnforcingAnswer.NO_GROUND for a in notice.get("answers", [])):
        return True
    return ended or now >= _parse(notice["wait_until"])


# Art. 10: with the enforcing authority notified, the data go "at the end of" the 10 days, not before. Liaison reads
# that as due on the day the wait ends: the decision is due 24 hours after it (a reading to confirm with counsel,
# written in the README), so the desk is not in breach at the very instant it becomes allowed to send.
ENFORCING_SEND_WINDOW = timedelta(hours=24)


def check_fulfilment_form(
    certificate: dict[str, Any] | None, decision: Decision, received: datetime, now: datetime
) -> None:
    """A fulfilled TCO removal order says what was done and when (its Annex II feedback); nothing else takes it.
    An EPOC or EPOC-PR is not simply rejected: the regulation's answer for that is Annex III, with its reasons
    (422 naming the route)."""
    removal_order = (certificate or {}).get("form") == "TCO-RO"
    fulfilment = decision.outcome in (Outcome.FULFILLED, Outcome.PARTIALLY_FULFILLED)
    if (certificate or {}).get("form") in ("EPOC", "EPOC-PR") and not fulfilment:
        raise Unprocessable(
            "An EPOC or EPOC-PR that is not executed is answered with Annex III, which states why: "
            "POST /v1/requests/<id>/impossibility (in the console, Answer with Annex III).",
            code="annex_iii_required",
            field="outcome",
        )
    if decision.removal is None:
        if removal_order and fulfilment:
            raise Unprocessable(
                "A fulfilled removal order is answered with its feedback form (TCO Regulation Annex "
                "II): say whether the content was removed or access to it disabled, and when "
                "(removal.action, removal.done_at).",
                code="removal_feedback_required",
                field="removal",
            )
        return
    if not (removal_order and fulfilment):
        raise Unprocessable(
            "removal is the feedback of a fulfilled TCO removal order (Annex II); this decision takes none.",
            code="removal_not_applicable",
            field="removal",
        )
    done = _given(decision.removal.done_at)
    if not received <= done <= now:
        raise Unprocessable(
            f"removal.done_at must fall between the order's receipt ({_iso(received)}) and now.",
            code="invalid_field",
            field="removal.done_at",
        )


def fulfilment_form(certificate: dict[str, Any] | None, decision: Decision, by: str, at: str) -> dict[str, Any] | None:
    """The answer a fulfilment of a certificate sends, as kept in ``official_answers``: a TCO removal order's Annex II
    feedback, or the fulfilment of an EPOC or EPOC-PR. None for a rejection (Annex III says why) or a request not
    filed as a certificate."""
    form = (certificate or {}).get("form")
    if form not in FORMS or decision.outcome not in (Outcome.FULFILLED, Outcome.PARTIALLY_FULFILLED):
        return None
    note = {"note": decision.note} if decision.note else {}
    if form == "TCO-RO" and decision.removal is not None:
        return {
            "form": "TCO Annex II",
            "certificate": form,
            "action": decision.removal.action.value,
            "done_at": _iso(_given(decision.removal.done_at)),
            "outcome": decision.outcome.value,
            **note,
            "by": by,
            "at": at,
        }
    return {"form": "fulfilment", "certificate": form, "outcome": decision.outcome.value, **note, "by": by, "at": at}
