"""The public page: where to write, and the platform's record, as plain HTML with an inline SVG chart.

No script and no inline style: the page renders the same in any browser, a text browser included, prints
well, and is served under a CSP that forbids both. Its stylesheet (``page.css`` beside this module) is served
from our origin at ``/v1/public/page.css``. Every value is escaped; the data comes from the same functions as
``/v1/public/contacts`` and ``/v1/public/transparency``.

The directory shows each desk (region) once, with the countries it serves; the default desk also answers
every country no rule names. Tables sit in labelled regions that scroll sideways on their own, so no table
makes the page wider than a phone's screen.
"""

from __future__ import annotations

import functools
import re
from html import escape
from pathlib import Path
from typing import Any

from chalicelib.domain import certificates
from chalicelib.domain.deadlines import RequestType
from chalicelib.settings import get_settings

# Chart colours, each at least 3:1 against white (WCAG 1.4.11); the months' table under the chart gives the
# same figures in words, so the chart never relies on colour alone.
COLOURS = {
    "data_disclosure": "#1f77b4",
    "preservation": "#2ca02c",
    "content_removal": "#e66100",
    "emergency_disclosure": "#b2182b",
    "terrorist_content_removal": "#5d3a9b",
}
STACK = [kind.value for kind in RequestType]  # bottom to top, and the legend's order
ESTABLISHMENT_KINDS = {
    "legal_representative": "Legal representative",
    "designated_establishment": "Designated establishment",
    "point_of_contact": "Point of contact",
}
# The report's forms and reasons in words. Annex III's reasons as the forms word them (e-Evidence: the official German
# text, rendered in English; TCO: Art. 3(7) and 3(8)).
ANNEXES = {
    "e-Evidence Annex III": "e-Evidence Regulation, Annex III (EPOC, EPOC-PR)",
    "TCO Annex III": "TCO Regulation, Annex III (removal orders)",
}
REASONS = {
    "incomplete": "The order is incomplete",
    "manifest_errors": "The order contains manifest errors",
    "insufficient_information": "The order does not contain sufficient information",
    "data_not_stored": "The data were not stored at the time of receipt",
    "de_facto_impossibility": "De facto impossibility, not attributable to the platform",
    "force_majeure": "Force majeure",
    "other": "Another reason of the form, stated in the answer",
}
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
STYLESHEET = Path(__file__).with_name("page.css")


@functools.cache
def stylesheet() -> str:
    """The page's stylesheet, read once per process."""
    return STYLESHEET.read_text(encoding="utf-8")


def _text(value: Any) -> str:
    return "—" if value is None or value == "" else escape(str(value))


def _cell(value: Any, numeric: bool = False) -> str:
    return f'<td class="n">{_text(value)}</td>' if numeric else f"<td>{_text(value)}</td>"


def _words(kind: str) -> str:
    """A request type as words: ``data_disclosure`` → Data disclosure (not escaped)."""
    return str(kind).replace("_", " ").capitalize()


def _label(kind: str) -> str:
    return escape(_words(kind))


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 172_800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def _when(instant: str | None) -> str:
    """An ISO 8601 UTC instant as a person reads it: 2026-11-30 23:21 UTC."""
    if not instant:
        return "—"
    text = str(instant)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z", text):
        return f'<time datetime="{escape(text)}">{escape(text[:10])} {escape(text[11:16])} UTC</time>'
    return escape(text)


def _mail(address: str | None) -> str:
    return f'<a href="mailto:{escape(address)}">{escape(address)}</a>' if address else "—"


def _phone(number: str | None) -> str:
    if not number:
        return "—"
    dial = re.sub(r"[^0-9+]", "", number)
    return f'<a href="tel:{escape(dial)}">{escape(number)}</a>'


def _scrolling(table_id: str, caption: str, head: str, body: str) -> str:
    """A table in a labelled region that scrolls sideways on its own when the screen is narrower than it."""
    return (
        f'<div class="scroll" role="region" aria-labelledby="{table_id}-caption" tabindex="0">'
        f'<table id="{table_id}"><caption id="{table_id}-caption">{caption}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
    )


def _heads(*names: str, numeric_from: int | None = None) -> str:
    """Column headers (already escaped); those from ``numeric_from`` on head columns of numbers."""
    cells = []
    for index, name in enumerate(names):
        numeric = numeric_from is not None and index >= numeric_from
        cells.append(f'<th scope="col" class="n">{name}</th>' if numeric else f'<th scope="col">{name}</th>')
    return "".join(cells)


# --- the directory ---------------------------------------------------------------------------------------


def _desks(contacts: dict[str, Any]) -> list[dict[str, Any]]:
    """Each region once: its name, contact and the countries routed to it; the default region first."""
    default = contacts["default"]
    desks: dict[str, dict[str, Any]] = {
        default["region"]: {
            "region": default["region"],
            "name": default["region_name"],
            "contact": default.get("contact"),
            "countries": [],
            "default": True,
            "borrowed": False,
        }
    }
    for entry in contacts["jurisdictions"]:
        desk = desks.setdefault(
            entry["region"],
            {
                "region": entry["region"],
                "name": entry["region_name"],
                "contact": entry.get("contact"),
                "countries": [],
                "default": False,
                # A region without a published contact of its own answers with the default desk's (directory.entry).
                "borrowed": ";" in str(entry.get("rule") or ""),
            },
        )
        if entry.get("country"):
            desk["countries"].append(entry["country"])
    first, *others = desks.values()
    return [first, *sorted(others, key=lambda desk: desk["name"])]


def _contact(contact: dict[str, Any]) -> str:
    establishment = contact.get("establishment") or {}
    emergency = contact.get("emergency") or {}
    onboarding = contact.get("onboarding") or {}
    address = "".join(f"<br>{escape(line)}" for line in establishment.get("postal_address") or [])
    rows = [
        (
            ESTABLISHMENT_KINDS.get(establishment.get("kind", ""), "Representative"),
            f"{_text(establishment.get('name'))}{address}",
        ),
        ("E-mail", _mail(establishment.get("email"))),
    ]
    if establishment.get("phone"):
        rows.append(("Phone", _phone(establishment["phone"])))
    rows.append(("Languages", _text(" ".join(contact.get("languages") or []) or None)))
    if emergency:
        rows.append(
            (
                f"Emergency line ({_text(emergency.get('hours'))})",
                f"{_phone(emergency.get('phone'))}<br>{_mail(emergency.get('email'))}",
            )
        )
    if onboarding:
        rows.append(("Getting an account", f"{_text(onboarding.get('instructions'))} {_mail(onboarding.get('email'))}"))
    return "<dl>" + "".join(f"<dt>{term}</dt><dd>{detail}</dd>" for term, detail in rows) + "</dl>"


def _desk(desk: dict[str, Any], default: dict[str, Any]) -> str:
    anchor = f"desk-{escape(desk['region'])}"
    countries = ", ".join(escape(code) for code in desk["countries"])
    if desk["default"]:
        serves = (
            f"{countries}, and every country no other desk lists" if countries else "Every country no other desk lists"
        )
        tag = ' <span class="tag">default desk</span>'
    else:
        serves, tag = countries, ""
    if desk["borrowed"] or not desk["contact"]:
        body = (
            f'<p>No contact of its own is published yet: write to the <a href="#desk-{escape(default["region"])}">'
            f"{escape(default['name'])}</a>.</p>"
            if not desk["default"]
            else "<p>No contact is published yet.</p>"
        )
    else:
        body = _contact(desk["contact"])
    return (
        f'<article class="desk" id="{anchor}" aria-labelledby="{anchor}-name">'
        f'<h3 id="{anchor}-name">{escape(desk["name"])}{tag}</h3>'
        f'<p class="serves"><span class="term">Countries</span> {serves}</p>{body}</article>'
    )


def directory(contacts: dict[str, Any]) -> str:
    desks = _desks(contacts)
    default = desks[0]
    return (
        f"<p>Find your country under its desk. An authority of a country no desk lists writes to the "
        f'<a href="#desk-{escape(default["region"])}">{escape(default["name"])}</a>, the default desk.</p>'
        '<div class="desks" id="desks">' + "".join(_desk(desk, default) for desk in desks) + "</div>"
    )


# --- the chart -------------------------------------------------------------------------------------------


def _every_month(first: str, last: str) -> list[str]:
    """Every month from first to last (YYYY-MM), so a month without requests shows as a gap, not as nothing."""
    year, month = int(first[:4]), int(first[5:7])
    months = []
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _per_month(monthly: list[dict[str, Any]]) -> tuple[list[str], dict[str, dict[str, int | str]]]:
    seen = sorted({m["month"] for m in monthly})
    months = _every_month(seen[0], seen[-1]) if seen else []
    counts: dict[str, dict[str, int | str]] = {month: dict.fromkeys(STACK, 0) for month in months}
    for m in monthly:
        counts[m["month"]][m["type"]] = m["received"]  # one entry per month and type
    return months, counts


def _height(count: int | str) -> int:
    """What a count draws as: a band "<5" not at all, a band "5+" as its lower bound, so the bars show no more
    than the figures do."""
    if isinstance(count, int):
        return count
    return int(count[:-1]) if count.endswith("+") else 0


def _sum(counts: list[int | str]) -> int | None:
    """The exact sum of counts, or None when a band is among them: a total would undo the band by subtraction."""
    exact = [count for count in counts if isinstance(count, int)]
    return sum(exact) if len(exact) == len(counts) else None


def _swatch(kind: str) -> str:
    return (
        f'<svg class="swatch" aria-hidden="true" width="12" height="12" viewBox="0 0 12 12">'
        f'<rect width="12" height="12" fill="{COLOURS.get(kind, "#777")}"/></svg>'
    )


def chart(monthly: list[dict[str, Any]]) -> str:
    """Requests received per month, stacked by type, as an SVG bar chart, with its figures as a table."""
    months, counts = _per_month(monthly)
    if not months:
        return '<p class="note" id="chart-empty">No requests in this period.</p>'
    totals = {month: _sum(list(counts[month].values())) for month in months}
    drawn = {month: sum(_height(count) for count in counts[month].values()) for month in months}
    top = max(drawn.values()) or 1
    width, height, left, top_pad, bottom = 720, 240, 64, 20, 58
    plot = height - top_pad
    bar = (width - left) / len(months)
    thickness = min(bar * 0.7, 56.0)
    summary = "; ".join(f"{month}: {'banded' if totals[month] is None else totals[month]}" for month in months)
    parts = [
        (
            f'<svg id="monthly-chart" role="img" aria-labelledby="chart-title chart-desc" width="{width}" '
            f'height="{height + bottom}" viewBox="0 0 {width} {height + bottom}" xmlns="http://www.w3.org/2000/svg">'
        ),
        '<title id="chart-title">Requests received per month, by type</title>',
        f'<desc id="chart-desc">Requests received per month: {escape(summary)}.</desc>',
    ]
    for value in sorted({top, top // 2} - {0}):
        y = height - value / top * plot
        parts.append(
            f'<line class="grid" x1="{left}" y1="{y:.1f}" x2="{width}" y2="{y:.1f}" stroke="#ddd"/>'
            f'<text class="axis" x="{left - 8}" y="{y + 4:.1f}" text-anchor="end" font-size="12">'
            f"{value}</text>"
        )
    parts.append(f'<text class="axis" x="{left - 8}" y="{height + 4}" text-anchor="end" font-size="12">0</text>')
    for index, month in enumerate(months):
        x, y = left + index * bar + (bar - thickness) / 2, float(height)
        for kind in STACK:
            count = counts[month].get(kind, 0)
            if not _height(count):
                continue
            h = _height(count) / top * plot
            y -= h
            parts.append(
                f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{thickness:.1f}" height="{h:.1f}" '
                f'fill="{COLOURS[kind]}" stroke="#fff" stroke-width="1"><title>{escape(month)} '
                f"{_label(kind)}: {count}</title></rect>"
            )
        middle = left + index * bar + bar / 2
        parts.append(
            f'<text class="axis" x="{middle:.1f}" y="{height + 24}" text-anchor="middle" font-size="12">'
            f"{MONTHS[int(month[5:7]) - 1]}</text>"
        )
        if index == 0 or month.endswith("-01"):
            parts.append(
                f'<text class="axis" x="{middle:.1f}" y="{height + 50}" text-anchor="middle" '
                f'font-size="12">{escape(month[:4])}</text>'
            )
    parts.append(f'<line x1="{left}" y1="{height}" x2="{width}" y2="{height}" stroke="#666"/></svg>')
    legend = "".join(f"<li>{_swatch(kind)}{_label(kind)}</li>" for kind in STACK)
    table = _scrolling(
        "monthly-table",
        "Requests received per month, by type",
        _heads("Month", *(_label(kind) for kind in STACK), "Total", numeric_from=1),
        "".join(
            f'<tr><th scope="row">{escape(month)}</th>'
            + "".join(_cell(counts[month].get(kind, 0), True) for kind in STACK)
            + _cell(totals[month], True)
            + "</tr>"
            for month in months
        ),
    )
    return (
        f'<figure class="chart">{"".join(parts)}<figcaption><ul class="legend" aria-label="Legend, from the '
        f'bottom of each bar up">{legend}</ul></figcaption></figure>'
        f"<details><summary>The chart's figures as a table</summary>{table}</details>"
    )


# --- orders filed as EU official forms, and the answers of impossibility ---------------------------------


def _form(name: str) -> str:
    """A form as words: EPOC → European Production Order Certificate (EPOC) (escaped)."""
    form = certificates.FORMS.get(name)
    return escape(f"{form.title} ({name})" if form else name)


TIMING_HEADS = ("Received", "Decided", "Decided within deadline", "Median to acknowledge", "Median to decide")


def _timing_cells(t: dict[str, Any]) -> str:
    """A row's received, decided, share decided within the deadline and two medians (``TIMING_HEADS``)."""
    return (
        _cell(t["received"], True)
        + _cell(t["decided"], True)
        + _cell(
            None if t["share_decided_within_deadline"] is None else f"{t['share_decided_within_deadline']:.1%}", True
        )
        + _cell(_duration(t["median_seconds_to_acknowledge"]), True)
        + _cell(_duration(t["median_seconds_to_decide"]), True)
    )


def _answers(annex: str, counts: list[dict[str, Any]]) -> str:
    """One form's Annex III answers, a row per reason, in words (e-Evidence Annex III → e-evidence-annex-iii-table)."""
    rows = "".join(
        f'<tr><th scope="row">{escape(REASONS.get(a["reason"], _words(a["reason"])))}</th>'
        f"{_cell(a['answers'], True)}</tr>"
        for a in counts
    )
    return _scrolling(
        f"{re.sub(r'[^a-z0-9]+', '-', annex.lower())}-table",
        f"{escape(ANNEXES.get(annex, annex))}: answers by reason",
        _heads("Reason", "Answers", numeric_from=1),
        rows,
    )


def official_forms(report: dict[str, Any], data: str) -> str:
    """The orders filed as EU official forms (by form, then by form and issuing Member State) and the Annex III
    answers by reason; ``data`` is the report's query string, already escaped, for the CSV links."""
    by_form = "".join(f'<tr><th scope="row">{_form(t["form"])}</th>{_timing_cells(t)}</tr>' for t in report["by_form"])
    by_state = "".join(
        f'<tr><th scope="row">{escape(t["form"])}</th>{_cell(t["issuing_state"])}{_timing_cells(t)}</tr>'
        for t in report["by_form_and_state"]
    )
    annexes = dict.fromkeys(a["form"] for a in report["annex_iii"])
    answers = "".join(_answers(annex, [a for a in report["annex_iii"] if a["form"] == annex]) for annex in annexes)
    return f"""<h3 id="official-forms" class="part">Orders filed as EU official forms</h3>
<p class="note">Orders an authority filed as the regulation's own form: the European Production Order Certificate
(EPOC) and Preservation Order Certificate (EPOC-PR) of Regulation (EU) 2023/1543, and the removal order (TCO-RO) of
Regulation (EU) 2021/784, counted per form and per Member State that issued them (section A of the form). Requests
filed otherwise are not in these tables. Times and bands as above.
Data: <a href="public/transparency?{data}&amp;format=csv&amp;table=forms">CSV</a>.</p>
{
        _scrolling(
            "forms-table",
            "Orders filed as EU official forms, by form",
            _heads("Form", *TIMING_HEADS, numeric_from=1),
            by_form,
        )
    }
{
        _scrolling(
            "forms-states-table",
            "Orders filed as EU official forms, by form and issuing Member State",
            _heads("Form", "Issuing Member State", *TIMING_HEADS, numeric_from=2),
            by_state or '<tr><td colspan="7">No orders filed as EU official forms in this period.</td></tr>',
        )
    }
<h3 id="impossibility" class="part">Answers of impossibility (Annex III) by reason</h3>
<p class="note">When an order cannot be executed, or not in time, the platform answers with the regulation's Annex
III form and names its reasons. An answer naming several reasons counts once for each, and a request answered
twice counts twice; counted by the day the order was received.
Data: <a href="public/transparency?{data}&amp;format=csv&amp;table=annex_iii">CSV</a>.</p>
<div class="tables">{answers}</div>"""


# --- user notice ----------------------------------------------------------------------------------------


def _count_words(count: Any) -> str:
    """A published count in words: "<5" → fewer than 5, "5+" → 5 or more (escaped)."""
    text = str(count)
    if text.startswith("<"):
        return f"fewer than {escape(text[1:])}"
    if text.endswith("+"):
        return f"{escape(text[:-1])} or more"
    return escape(text)


def _requests_words(count: Any) -> str:
    """A published count of requests in words: "no request", "1 request", "fewer than 5 requests"."""
    text = _count_words(count)
    return {"0": "no request", "1": "1 request"}.get(text, f"{text} requests")


NOTICE_HEADS = {
    "notices_given": "Person told",
    "withheld_under_prohibition": "Withheld under a non-disclosure order",
    "notice_delayed": "Delayed until the emergency passed",
}


def user_notices(report: dict[str, Any], data: str) -> str:
    """User notice: per type and over all types, the notices given, those withheld under a non-disclosure order
    and those delayed, as a sentence and a table; ``data`` is the report's query string, already escaped."""
    total = report["user_notices_total"]
    rows = "".join(
        f'<tr><th scope="row">{_label(t["type"])}</th>'
        + "".join(_cell(t[figure], True) for figure in NOTICE_HEADS)
        + "</tr>"
        for t in report["user_notices"]
    )
    rows += (
        '<tr class="total"><th scope="row">All types</th>'
        + "".join(_cell(total[figure], True) for figure in NOTICE_HEADS)
        + "</tr>"
    )
    return f"""<h3 id="user-notice" class="part">Telling the people concerned</h3>
<p class="note">When we hand over someone's data or act on their content at an authority's request, we tell them,
unless the law says not to, or not yet: an authority's non-disclosure order withholds the notice while it runs, and
after an emergency disclosure the person is told once the emergency has passed. Requests are counted by the day
they were received, and a request whose order was renewed or replaced is counted once. Bands as above.
Data: <a href="public/transparency?{data}&amp;format=csv&amp;table=user_notices">CSV</a>.</p>
<p id="user-notice-summary">Of the requests received in this period, the person concerned was told for
{_requests_words(total["notices_given"])}; a non-disclosure order withheld the notice for
{_requests_words(total["withheld_under_prohibition"])}; and for {_requests_words(total["notice_delayed"])} the data
were disclosed with the notice delayed until the emergency had passed.</p>
{
        _scrolling(
            "user-notice-table",
            "Notices to the people concerned, by type of request",
            _heads("Type", *NOTICE_HEADS.values(), numeric_from=1),
            rows,
        )
    }"""


# --- the page --------------------------------------------------------------------------------------------


def render(contacts: dict[str, Any], report: dict[str, Any], policies: dict[str, Any]) -> str:
    count_rows = "".join(
        f'<tr><th scope="row">{_text(r["country"])}</th>'
        + _cell(_words(r["type"]))
        + "".join(
            _cell(r[k], True) for k in ("fulfilled", "partially_fulfilled", "rejected", "withdrawn", "open", "total")
        )
        + "</tr>"
        for r in report["rows"]
    )
    timing_rows = "".join(
        f'<tr><th scope="row">{_label(t["type"])}</th>{_timing_cells(t)}</tr>' for t in report["by_type"]
    )
    policy_rows = "".join(
        f'<tr><th scope="row">{_label(p["type"])}<br><code>{escape(p["type"])}</code></th>'
        f'<td data-label="Legal bases">{"<br>".join(escape(basis) for basis in p["legal_bases"]) or "—"}</td>'
        f'<td class="n" data-label="Acknowledged within">{_duration(p["acknowledge_seconds"])}</td>'
        f'<td class="n" data-label="Resolved within">{_duration(p["resolve_seconds"])}</td></tr>'
        for p in policies["types"]
    )
    api = escape(contacts["api_base_url"])
    portal = escape(get_settings().console_base_url.rstrip("/"))
    start, end = escape(report["from"]), escape(report["to"])
    counts_table = _scrolling(
        "counts-table",
        "Outcomes, by country and type",
        _heads(
            "Country",
            "Type",
            "Fulfilled",
            "Partially fulfilled",
            "Rejected",
            "Withdrawn",
            "Open",
            "Total",
            numeric_from=2,
        ),
        count_rows or '<tr><td colspan="8">No requests in this period.</td></tr>',
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Liaison: where authorities write, and our record</title><link rel="stylesheet" href="public/page.css">
<link rel="icon" href="data:,">
</head>
<body>
<header class="masthead">
<h1>Requests from authorities: where to write, and our record</h1>
<p>Officers of a registered agency file and follow requests in the <a href="{portal}/">officers' portal</a>
(sign in with your agency's account); an agency without one
<a href="{portal}/apply">applies for an account</a> there. Systems use the API at <code>{api}</code>
(<a href="../docs">API documentation</a>). In an emergency threatening life, call your desk's emergency line
below as well.</p>
<nav aria-label="On this page"><ul><li><a href="#directory">Where to write</a></li>
<li><a href="#policies">What we accept</a></li><li><a href="#transparency">Transparency report</a></li></ul></nav>
</header>
<main>
<section aria-labelledby="directory">
<h2 id="directory">Where to write</h2>
{directory(contacts)}
<p class="note">Directory version {escape(str(contacts["version"]))}, updated
{_when(contacts.get("updated_at"))}. Machine-readable: <a href="public/contacts">/v1/public/contacts</a>.</p>
</section>
<section aria-labelledby="policies">
<h2 id="policies">What we accept, and how fast we answer</h2>
{
        _scrolling(
            "policies-table",
            "Request types, their legal bases and our targets",
            _heads("Type", "Legal bases", "Acknowledged within", "Resolved within", numeric_from=2),
            policy_rows,
        )
    }
<p class="note">Machine-readable, with each type's required fields:
<a href="public/policies">/v1/public/policies</a>.</p>
</section>
<section aria-labelledby="transparency">
<h2 id="transparency">Transparency report, {start} to {end}</h2>
<p class="note">Requests received in the period, closed days only (up to {end}). To protect investigations,
a count below {escape(str(report["small_count_threshold"]))} is shown as
&ldquo;&lt;{escape(str(report["small_count_threshold"]))}&rdquo;, and a larger one as
&ldquo;{escape(str(report["small_count_threshold"]))}+&rdquo; where its exact value would reveal a small one by
subtraction; a total that would do so is shown as &ldquo;—&rdquo;, and a median or share as &ldquo;—&rdquo; when
too few requests make it. Medians: {escape(report["median_method"])}.
Data: <a href="public/transparency?from={start}&amp;to={end}">JSON</a>,
<a href="public/transparency?from={start}&amp;to={end}&amp;format=csv">CSV</a>.</p>
{chart(report["monthly"])}
{_scrolling("timing-table", "Time to answer, by type", _heads("Type", *TIMING_HEADS, numeric_from=1), timing_rows)}
<p id="emergency">Emergency disclosure requests: {escape(str(report["emergency"]["requests"]))}; whose call-back
verification failed: {escape(str(report["emergency"]["failed_verification"]))}.</p>
{counts_table}
{official_forms(report, f"from={start}&amp;to={end}")}
{user_notices(report, f"from={start}&amp;to={end}")}
</section>
</main>
<footer>
<p>Liaison. For machines: the <a href="../openapi.json">OpenAPI document</a>, the
<a href="public/keys">keys that sign receipts</a>, and the JSON behind this page.</p>
</footer>
</body></html>
"""
