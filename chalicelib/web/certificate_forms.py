"""The EU official order forms (EPOC, EPOC-PR, TCO-RO) as web forms, drawn from ``domain.certificates.FORMS``.

The portal's new-request page files a certificate the way the API takes it: each section of the form is a
``<fieldset>``, each field an input of its kind, so the officer copies the paper or PDF certificate box by box.
Nothing about the forms is written here: their sections, fields, kinds, choices, mandatory sections and required
fields all come from ``FORMS``, and what the officer typed becomes the ``certificate`` object of the JSON body
(``build``), which the API's own path then checks (``certificates.check`` through ``intake.check``).

Two things are for people only: every field that does not fit is named at once (``field_errors`` asks the
domain's ``check`` about each field on its own, so each message is the API's own, word for word), and the 422
naming what is missing is turned into a message beside each missing section or field (``missing``).

Input names and ids follow the API's error locations: the field ``certificate.sections.A.issuing_state`` is the
input of that name, with the id ``certificate-sections-A-issuing_state`` (``portal_pages.anchor``), so a refusal
lands beside what it names.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from chalicelib.domain import certificates
from chalicelib.domain.certificates import FORMS, Form
from chalicelib.errors import BadRequest, LiaisonError, Unprocessable

PREFIX = "certificate.sections"
# The 422's list of what is missing: "missing C, I, A.issuing_state (Regulation ...)".
_MISSING = re.compile(r"missing ((?:[A-Z](?:\.\w+)?)(?:, [A-Z](?:\.\w+)?)*)")

# Hints by kind: how to type a value the API takes (the kinds and their limits are the domain's).
HINTS = {
    "date": "ISO 8601: a date (2026-12-01) or a date and time, in UTC (2026-12-01T09:00Z).",
    "country": "Two capital letters (ISO 3166-1 alpha-2), e.g. FR.",
    "lines": f"One per line, at most {certificates.MAX_ITEMS}.",
}

# What an input takes (its ``maxlength``): the domain's caps; a list, its items and their line breaks.
MAXLENGTH = {"text": certificates.MAX_TEXT, "lines": certificates.MAX_ITEMS * (certificates.MAX_LINE + 2)}


def form_named(name: str | None) -> Form | None:
    return FORMS.get(name or "")


def field_path(letter: str, name: str) -> str:
    """The field's location as the API names it in a refusal, and its input's name."""
    return f"{PREFIX}.{letter}.{name}"


def dom_id(path: str) -> str:
    return path.replace(".", "-")


def choice_words(value: str) -> str:
    return value.replace("_", " ").capitalize()


@functools.cache
def layout(name: str) -> dict[str, Any]:
    """What the template draws for one form: its sections in order, each field with its input's name, id, kind,
    label, hint, limits and marks (required in a mandatory section; required once an optional section is
    filled; optional)."""
    form = FORMS[name]
    sections = []
    for section in form.sections:
        fields = []
        several = len(section.fields) > 1
        for spec in section.fields:
            path = field_path(section.letter, spec.name)
            if not several:
                mark = None  # the section's one field: its legend says whether it is required
            elif spec.required and section.mandatory:
                mark = "required"
            elif spec.required:
                mark = "required if you fill in this section"
            else:
                mark = "optional"
            fields.append(
                {
                    "name": path,
                    "id": dom_id(path),
                    "field": spec.name,
                    "kind": spec.kind,
                    "label": spec.label,
                    "mark": mark,
                    "required": spec.required and section.mandatory,
                    "hint": HINTS.get(spec.kind),
                    "maxlength": MAXLENGTH.get(spec.kind, certificates.MAX_LINE),
                    "choices": [(c, choice_words(c), f"{dom_id(path)}-{i}") for i, c in enumerate(spec.choices)],
                }
            )
        sections.append(
            {
                "letter": section.letter,
                "title": section.title,
                "mandatory": section.mandatory,
                "retrieved": section.retrieved,
                "id": dom_id(f"{PREFIX}.{section.letter}"),
                "fields": fields,
            }
        )
    return {
        "name": form.name,
        "title": form.title,
        "source": form.source,
        "types": list(form.types),
        "sections": sections,
    }


def anchors(name: str) -> set[str]:
    """Every id on the page a certificate error can point at."""
    out = {"certificate"}
    for section in layout(name)["sections"]:
        out.add(section["id"])
        out |= {f["id"] for f in section["fields"]}
    return out


def typed(form: Form, posted: dict[str, str]) -> dict[str, dict[str, Any]]:
    """What the officer typed, by section and field, as the template shows it back (nothing trimmed)."""
    out: dict[str, dict[str, Any]] = {}
    for section in form.sections:
        values: dict[str, Any] = {}
        for spec in section.fields:
            path = field_path(section.letter, spec.name)
            if spec.kind == "flag":
                values[spec.name] = posted.get(path) is not None
            elif spec.kind == "choices":
                values[spec.name] = [c for c in spec.choices if posted.get(f"{path}.{c}") is not None]
            else:
                values[spec.name] = posted.get(path, "")
        out[section.letter] = values
    return out


def _lines(text: str) -> list[str]:
    return [line for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n") if line.strip()]


def build(form: Form, values: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The ``certificate`` of the JSON body: each section with something typed in it, each field typed, as its
    kind's JSON (lists one item per line, a ticked box ``true``). An optional section left empty is not sent;
    nor is an unticked optional box (a box left blank on the paper form); a required box is always sent."""
    sections: dict[str, dict[str, Any]] = {}
    for section in form.sections:
        content: dict[str, Any] = {}
        for spec in section.fields:
            value = values.get(section.letter, {}).get(spec.name)
            if spec.kind == "flag":
                if value:
                    content[spec.name] = True
            elif spec.kind == "lines":
                if value and _lines(value):
                    content[spec.name] = _lines(value)
            elif spec.kind == "choices":
                if value:
                    content[spec.name] = list(value)
            elif value not in (None, ""):
                content[spec.name] = value
        if content:
            content |= {
                spec.name: False
                for spec in section.fields
                if spec.kind == "flag" and spec.required and spec.name not in content
            }
            sections[section.letter] = content
    return {"form": form.name, "sections": sections}


def field_errors(certificate: dict[str, Any]) -> list[tuple[str, str]]:
    """Every field that does not fit, each with the API's own message: the domain's ``check`` asked about one
    field at a time (the API stops at the first, which is the first of this list: same order)."""
    errors: list[tuple[str, str]] = []
    for letter, content in certificate.get("sections", {}).items():
        for name, value in content.items():
            try:
                certificates.check({"form": certificate["form"], "sections": {letter: {name: value}}})
            except BadRequest as refused:
                errors.append((refused.field or field_path(letter, name), refused.message))
            except Unprocessable:
                pass  # this field fits; what else its section lacks is the whole certificate's check
    return errors


def missing(form: Form, refused: LiaisonError) -> list[tuple[str, str]]:
    """The 422 ``certificate_incomplete`` as one message per section or field it names missing, each located
    where the page draws it. Empty if the message names nothing this form has (then it is shown whole)."""
    if refused.code != "certificate_incomplete":
        return []
    found = _MISSING.search(refused.message)
    out: list[tuple[str, str]] = []
    for item in found.group(1).split(", ") if found else []:
        letter, _, name = item.partition(".")
        section = form.section(letter)
        if section is None:
            continue
        if not name:
            title = f" ({section.title})" if section.title != "title not retrieved" else ""
            out.append((f"{PREFIX}.{letter}", f"Section {letter}{title} is mandatory on the {form.name}: fill it in."))
            continue
        spec = next((f for f in section.fields if f.name == name), None)
        if spec is not None:
            out.append((field_path(letter, name), f"Required in section {letter}: {spec.label}."))
    return out


def place(form: Form | None, path: str | None) -> str:
    """Where a certificate error is, in words, for the error summary: 'Section A, Issuing State'."""
    if form is None or not path or not path.startswith(PREFIX + "."):
        return ""
    letter, _, name = path[len(PREFIX) + 1 :].partition(".")
    section = form.section(letter)
    if section is None:
        return ""
    spec = next((f for f in section.fields if f.name == name), None)
    if spec is None or not section.retrieved:
        return f"Section {letter}"
    return f"Section {letter}, {spec.label}"
