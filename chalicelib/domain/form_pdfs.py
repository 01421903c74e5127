"""The EU official order forms as PDFs: a certificate as filed, and the forms answering it, laid out like the annexes.

An officer, a court or the platform's counsel reads an EPOC as the annex prints it, section by section in boxes,
not as JSON; and a form the platform answers with (Annex III, the TCO feedback...) is a document that is sent and
archived. What is printed comes only from the certificate's tables (``certificates.FORMS``) and from what Liaison
recorded: a section whose official field list was not retrieved says so, and the answer forms, whose official
field lists were not retrieved either, say so in one line rather than imitate fields nobody read.

The SHA-256 of a PDF goes into the audit trail, so the same inputs give the same bytes (with the pinned fpdf2 and
the fonts vendored here): the creation date is the certificate's receipt or the answer's time, and nothing random
is written. Certificates come in every EU language and fpdf2's core fonts are Latin-1 only, so the text is set in
DejaVu Sans (``fonts/``, its licence beside it); fpdf2 embeds only the glyphs used. Pure: no AWS, no clock, and
fpdf2 is imported only when a PDF is asked for (it is a cold start's weight).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from chalicelib.domain.certificates import FORMS, Field, Form, Section

if TYPE_CHECKING:
    from fpdf.util import Padding  # imported where used: fpdf is a cold start's weight

FONTS = Path(__file__).with_name("fonts")
FONT = "DejaVu"
TICKED, UNTICKED = "\u2612", "\u2610"  # ☒ ☐, as the annexes print their tick-boxes
NOT_FILLED = "Not filled in."
SECTION_NOT_RETRIEVED = "Free text: the official field list of this section was not retrieved."
ANNEX_NOT_RETRIEVED = "Laid out from the data Liaison records; the annex's official field list was not retrieved."

# Millimetres and points: A4, a margin wide enough for a hole punch, and room at the foot for the footer.
MARGIN = 15
FOOT = 20
LABEL_SIZE, VALUE_SIZE = 7.5, 10
LABEL_LINE, VALUE_LINE = 3.8, 5
PAGES = "\x01N\x01"  # where the footer's total of pages goes


class AnswerForm(NamedTuple):
    """How an answer form is headed: the regulation and annex, the official title, and who sends it to whom."""

    source: str
    title: str
    direction: str
    keys: tuple[str, ...]  # the recorded keys in the order they are printed (any other key follows them)
    official: bool = True


_EEVIDENCE = "Regulation (EU) 2023/1543"
_TCO = "Regulation (EU) 2021/784"
ANSWER_FORMS: dict[str, AnswerForm] = {
    "e-Evidence Annex III": AnswerForm(
        f"{_EEVIDENCE}, Annex III",
        "Information on the impossibility to execute an EPOC/EPOC-PR",
        "From the addressee service provider to the issuing authority",
        ("reasons", "explanation", "effect"),
    ),
    "e-Evidence Annex V": AnswerForm(
        f"{_EEVIDENCE}, Annex V",
        "Confirmation of issuance of request for production following a European Preservation Order",
        "From the issuing authority to the addressee service provider",
        ("production_reference", "note"),
    ),
    "e-Evidence Annex VI": AnswerForm(
        f"{_EEVIDENCE}, Annex VI",
        "Extension of the preservation of electronic evidence",
        "From the issuing authority to the addressee service provider",
        ("expires_at_before", "expires_at_after", "basis", "note"),
    ),
    "TCO Annex II": AnswerForm(
        f"{_TCO}, Annex II",
        "Feedback form following the removal of or disabling of access to terrorist content",
        "From the hosting service provider to the issuing competent authority",
        ("action", "done_at", "outcome", "note"),
    ),
    "TCO Annex III": AnswerForm(
        f"{_TCO}, Annex III",
        "Information about the impossibility to execute the removal order",
        "From the hosting service provider to the issuing competent authority",
        ("reasons", "explanation", "effect"),
    ),
    "fulfilment": AnswerForm(
        "",
        "Fulfilment of the order",
        "From the service provider, as recorded in Liaison",
        ("outcome", "note"),
        official=False,
    ),
}

LABELS = {
    "reasons": "Reasons",
    "explanation": "Explanation",
    "effect": "Effect on the request",
    "production_reference": "Reference of the request for production",
    "expires_at_before": "The preservation ended at (before the extension)",
    "expires_at_after": "The preservation ends at (after the extension)",
    "action": "Action taken",
    "done_at": "Time and date of the removal or of the disabling of access",
    "outcome": "Outcome",
    "basis": "Legal basis",
    "note": "Note",
    "by": "Recorded in Liaison by",
    "at": "Recorded in Liaison at",
}

# Recorded codes in words. The reasons are worded as far as the annexes were read (``ImpossibilityReason``).
WORDS = {
    "reasons": {
        "incomplete": "The order is incomplete",
        "manifest_errors": "The order contains manifest errors",
        "insufficient_information": "The order does not contain sufficient information",
        "data_not_stored": "The data requested are not stored by or on behalf of the service provider at the time "
        "of receipt of the order",
        "de_facto_impossibility": "De facto impossibility not attributable to the service provider",
        "force_majeure": "Force majeure",
        "other": "Another reason, given in the explanation",
    },
    "effect": {
        "clarification_requested": "Clarification asked of the issuing authority: the request waits for its "
        "answer, its deadline stopped",
        "not_executed": "The order is not executed: the request ended rejected",
        "clock_stopped": "The deadline is stopped until the grounds cease or the clarification arrives",
    },
    "action": {
        "removed": "The terrorist content was removed",
        "disabled": "Access to the terrorist content was disabled",
    },
    "outcome": {"fulfilled": "Fulfilled", "partially_fulfilled": "Partially fulfilled"},
}

# What identifies the order answered: these fields of its section A, when filed, under the form's own labels.
REFERENCE_FIELDS = (
    "issuing_state",
    "issuing_authority",
    "validating_authority",
    "issuing_file_number",
    "validating_file_number",
    "reference",
    "issued_at",
)

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def certificate_pdf(certificate: dict[str, Any], *, request_id: str, received_at: str) -> bytes:
    """The certificate as the annex lays it out: every section of the form in order, in a box, with what was filed
    under the form's labels, so a reader sees both what is there and what was left empty."""
    form = _form(certificate.get("form"))
    name = str(certificate.get("form"))
    sheet = _Sheet(
        f"{name} - Liaison request {request_id}",
        _instant(received_at),
        f"Liaison request {request_id}, received {received_at} \u2014 rendered from the certificate as filed",
    )
    if form is not None:
        sheet.heading(form.source, f"{form.title} ({form.name})")
    else:  # not a form Liaison knows (checked on filing, so not expected): shown as kept, nothing dropped
        sheet.heading("Certificate", f"Form {name!r}, not one Liaison knows")
    sheet.note(f"As filed with Liaison: request {request_id}, received {received_at}.")
    filed = certificate.get("sections") or {}
    for letter, title, content, section in _sections(form, filed):
        sheet.section(f"SECTION {letter}: {title}")  # each row draws its frame: the box closes with the last
        if section is not None and not section.retrieved:
            sheet.note_row(SECTION_NOT_RETRIEVED)
        if content is None:
            sheet.note_row(NOT_FILLED)  # in the notes' grey: not to be read as a value filed
            continue
        fields = list(_fields(section, content))
        for spec, key, value in fields:
            _field(sheet, section, spec, key, value)
        if not fields:
            sheet.note_row(NOT_FILLED)
    return sheet.finish()


def answer_pdf(answer: dict[str, Any], *, request_id: str, certificate: dict[str, Any] | None = None) -> bytes:
    """One form the platform answered with, or the issuing authority sent, as Liaison recorded it: headed with its
    regulation, annex and official title, then the order it answers, then what was recorded, in words."""
    name = str(answer.get("form"))
    known = ANSWER_FORMS.get(name)
    at = str(answer.get("at", ""))
    answered = _form(answer.get("certificate"))
    sheet = _Sheet(
        f"{name} - Liaison request {request_id}",
        _instant(at),
        f"Liaison request {request_id}, {name} recorded {at} \u2014 rendered from the answer as recorded",
    )
    if known is None:
        sheet.heading("Answer recorded in Liaison", name)
        sheet.note("Not a form Liaison lays out: every value recorded is shown as kept.")
    elif known.official:
        sheet.heading(known.source, known.title)
        sheet.note(known.direction + ".")
        sheet.note(ANNEX_NOT_RETRIEVED)
    else:
        regulation = answered.source.split(",")[0] if answered else "The order's regulation"
        sheet.heading(f"{regulation}: no official form", known.title)
        sheet.note(f"{known.direction}. Not an official form: laid out from the data Liaison records.")

    sheet.section("THE ORDER ANSWERED")
    if answered is not None:
        sheet.row("Form", f"{answered.name}: {answered.title} ({answered.source})")
    elif "certificate" in answer and known is not None:
        sheet.row("Form", str(answer["certificate"]))
    sheet.row("Liaison request", request_id)
    for label, value in _reference(certificate):
        sheet.row(label, value)

    # A known form's keys in its order, then anything else recorded (nothing is dropped), then who and when.
    sheet.section("THE ANSWER" if known is not None else "AS RECORDED")
    first = [key for key in known.keys if key in answer] if known is not None else []
    last = [key for key in ("by", "at") if key in answer]
    headed = {"form", "certificate"} if known is not None else set()
    rest = [key for key in answer if key not in {*first, *last, *headed}]
    for key in (*first, *rest, *last):
        sheet.row(LABELS.get(key) or _words(key), _answer_value(key, answer[key]))
    return sheet.finish()


# --- what is printed --------------------------------------------------------------------------------------------


def _form(name: Any) -> Form | None:
    return FORMS.get(name) if isinstance(name, str) else None


def _sections(form: Form | None, filed: dict[str, Any]) -> Iterator[tuple[str, str, Any, Section | None]]:
    """Each section of the form in its order (filed or not), then any section filed that the form does not have
    (not expected once checked; printed rather than dropped)."""
    if form is not None:
        for section in form.sections:
            yield section.letter, section.title, filed.get(section.letter), section
    for letter in filed:
        if form is None or form.section(letter) is None:
            yield letter, "not a section of this form", filed[letter], None


def _fields(section: Section | None, content: Any) -> Iterator[tuple[Field | None, str, Any]]:
    """The fields filed, in the form's order, then any the form does not have (printed rather than dropped)."""
    if not isinstance(content, dict):
        yield None, "", content
        return
    specs = section.fields if section is not None else ()
    for spec in specs:
        if spec.name in content:
            yield spec, spec.name, content[spec.name]
    names = {spec.name for spec in specs}
    for key, value in content.items():
        if key not in names:
            yield None, key, value


def _field(sheet: _Sheet, section: Section | None, spec: Field | None, key: str, value: Any) -> None:
    if spec is None:
        sheet.row(_words(key) if key else None, _plain(value))
    elif spec.kind == "flag":
        sheet.tick(spec.label, value is True)
    elif spec.kind in ("choice", "choices") and spec.choices:
        chosen = set(value) if isinstance(value, list) else {value}
        options = [*spec.choices, *sorted(str(v) for v in chosen - set(spec.choices))]
        sheet.row(
            spec.label, "\n".join(f"{TICKED if option in chosen else UNTICKED} {_words(option)}" for option in options)
        )
    else:  # a free-text section's note already says what its one field is
        sheet.row(spec.label if section is None or section.retrieved else "As filed (free text)", _plain(value))


def _reference(certificate: dict[str, Any] | None) -> list[tuple[str, str]]:
    form = _form((certificate or {}).get("form"))
    section = form.section("A") if form else None
    filed = ((certificate or {}).get("sections") or {}).get("A") or {}
    if section is None or not isinstance(filed, dict):
        return []
    return [
        (spec.label, _plain(filed[spec.name]))
        for spec in section.fields
        if spec.name in REFERENCE_FIELDS and spec.name in filed
    ]


def _answer_value(key: str, value: Any) -> str:
    words = WORDS.get(key, {})
    if isinstance(value, list):
        return "\n".join(
            f"\u2022 {words.get(item, _plain(item)) if isinstance(item, str) else _plain(item)}" for item in value
        )
    if isinstance(value, str) and value in words:
        return words[value]
    return _plain(value)


def _words(code: str) -> str:
    return str(code).replace("_", " ").capitalize()


def _plain(value: Any) -> str:
    """A value as text: lists one item per line, objects as JSON; tabs as spaces, other control characters dropped
    (the placeholder of the footer's page total is made of them)."""
    if isinstance(value, bool):
        text = "Yes" if value else "No"
    elif isinstance(value, list):
        text = "\n".join(_plain(item) for item in value)
    elif isinstance(value, dict):
        text = json.dumps(value, ensure_ascii=False, sort_keys=True, indent=1)
    else:
        text = "" if value is None else str(value)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    ")
    return _CONTROL.sub("", text)


def _instant(text: str) -> datetime:
    """The PDF's creation date: the instant given, so the bytes do not depend on when they are made (the epoch if
    it cannot be read, still the same every time)."""
    try:
        instant = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return datetime(1970, 1, 1, tzinfo=UTC)
    return instant if instant.tzinfo else instant.replace(tzinfo=UTC)


# --- the page ---------------------------------------------------------------------------------------------------


class _Sheet:
    """An A4 document drawn like the annexes: a heading, then boxes (a section's title on grey, then each field's
    label above its value); long values wrap and run on to further pages, and the footer goes on every page."""

    def __init__(self, title: str, created: datetime, footer: str) -> None:
        from fpdf import FPDF  # imported here: a PDF is rarely asked for, and the library is a cold start's weight

        width = 210 - 2 * MARGIN
        footer = _plain(footer)

        class Document(FPDF):
            def footer(self) -> None:  # fpdf2 calls it as each page closes
                self.set_xy(MARGIN, self.h - FOOT + 6)
                self.set_font(FONT, "", 6.5)
                self.set_text_color(60)  # a long footer wraps, but never between "page" and its number
                self.multi_cell(width, 3.2, f"{footer}; page\u00a0{self.page_no()}/{PAGES}", align="C")
                self.set_text_color(0)

        self.doc = doc = Document(format="A4")
        # The total of pages is filled in at the end. Its placeholder is made of control characters, which no
        # printed value keeps (``_plain``): text as filed can never be taken for it.
        doc.alias_nb_pages(PAGES)
        doc.set_margins(MARGIN, MARGIN, MARGIN)
        doc.set_auto_page_break(True, margin=FOOT)
        doc.add_font(FONT, "", FONTS / "DejaVuSans.ttf")
        doc.add_font(FONT, "B", FONTS / "DejaVuSans-Bold.ttf")
        doc.set_title(_plain(title))
        doc.set_creator("Liaison")
        doc.set_creation_date(created)
        doc.set_draw_color(0)
        doc.set_line_width(0.3)
        doc.add_page()
        self.width = width

    def heading(self, source: str, title: str) -> None:
        doc = self.doc
        doc.set_font(FONT, "", 9)
        doc.multi_cell(self.width, 4.5, _plain(source).upper(), align="C", new_x="LMARGIN", new_y="NEXT")
        doc.ln(2)
        doc.set_font(FONT, "B", 13)
        doc.multi_cell(self.width, 6.5, _plain(title).upper(), align="C", new_x="LMARGIN", new_y="NEXT")
        doc.ln(3)

    def note(self, text: str) -> None:
        doc = self.doc
        doc.set_font(FONT, "", 8.5)
        doc.set_text_color(60)
        doc.multi_cell(self.width, 4.2, _plain(text), align="L", new_x="LMARGIN", new_y="NEXT")
        doc.set_text_color(0)
        doc.ln(1)

    def section(self, title: str) -> None:
        doc = self.doc
        doc.ln(3)
        doc.set_font(FONT, "B", 9.5)
        height = self._height(5.5, _plain(title), (1, 2))
        self._keep(height + LABEL_LINE + 2 * VALUE_LINE)  # a title is not left alone at the foot of a page
        doc.set_fill_color(225)
        doc.multi_cell(
            self.width,
            5.5,
            _plain(title),
            border=1,
            fill=True,
            align="L",
            padding=(1, 2),
            new_x="LMARGIN",
            new_y="NEXT",
        )

    def note_row(self, text: str) -> None:
        doc = self.doc
        doc.set_font(FONT, "", LABEL_SIZE + 0.5)
        doc.set_text_color(60)
        height = self._height(LABEL_LINE + 0.4, _plain(text), (1, 2))
        doc.multi_cell(
            self.width,
            LABEL_LINE + 0.4,
            _plain(text),
            border=self._frame(height),
            align="L",
            padding=(1, 2),
            new_x="LMARGIN",
            new_y="NEXT",
        )
        doc.set_text_color(0)

    def row(self, label: str | None, value: str) -> None:
        """A field: its label in small type at the top of the box, the value below, in one frame."""
        doc = self.doc
        label, value = _plain(label), _plain(value)
        value = value if value.strip() else "\u2014"
        if label:
            doc.set_font(FONT, "B", LABEL_SIZE)
            height = self._height(LABEL_LINE, label, (1, 2, 0, 2))
            top = self._frame(height + 2 * VALUE_LINE).replace("B", "")  # the label is kept with its value
            doc.set_text_color(60)
            doc.multi_cell(
                self.width,
                LABEL_LINE,
                label,
                border=top,
                align="L",
                padding=(1, 2, 0, 2),
                new_x="LMARGIN",
                new_y="NEXT",
            )
            doc.set_text_color(0)
        doc.set_font(FONT, "", VALUE_SIZE)
        frame = "LRB" if label else self._frame(2 * VALUE_LINE)
        doc.multi_cell(
            self.width,
            VALUE_LINE,
            value,
            border=frame,
            align="L",
            padding=self._padding(0.5, 2, 1.2, 2),
            new_x="LMARGIN",
            new_y="NEXT",
        )

    def tick(self, label: str, ticked: bool) -> None:
        """A tick-box field: the box, ticked or not, then the form's wording beside it."""
        doc = self.doc
        doc.set_font(FONT, "", VALUE_SIZE)
        text = f"{TICKED if ticked else UNTICKED} {_plain(label)}"
        height = self._height(VALUE_LINE, text, (1.2, 2))
        doc.multi_cell(
            self.width,
            VALUE_LINE,
            text,
            border=self._frame(height),
            align="L",
            padding=self._padding(1.2, 2),
            new_x="LMARGIN",
            new_y="NEXT",
        )

    @staticmethod
    def _padding(*sides: float) -> Padding:
        """A box's padding as CSS gives it (1, 2 or 4 sides), as fpdf2 reads it (its annotation says int only)."""
        from fpdf.util import Padding

        return Padding.new(sides)

    def _height(self, line: float, text: str, padding: tuple[float, ...]) -> float:
        """How tall ``text`` is in a box of the page's width: fpdf2's dry run, which answers the height."""
        height = self.doc.multi_cell(
            self.width, line, text, dry_run=True, output="HEIGHT", padding=self._padding(*padding)
        )
        return cast(float, height)

    def _keep(self, height: float) -> bool:
        """A new page when ``height`` does not fit on this one (True then)."""
        if self.doc.will_page_break(height):
            self.doc.add_page()
            return True
        return False

    def _frame(self, height: float) -> str:
        """The borders of a row: the one above draws its top, unless the row starts a page."""
        return "LTRB" if self._keep(min(height, self.doc.h - MARGIN - FOOT)) else "LRB"

    def finish(self) -> bytes:
        return bytes(self.doc.output())
