"""The public page: where to write, and the platform's record, as plain HTML with an inline SVG chart.

No script at all: it renders the same in any browser, a text browser included, and prints well. Every value
is escaped; the data comes from the same functions as ``/v1/public/contacts`` and ``/v1/public/transparency``.
"""

from __future__ import annotations

from html import escape
from typing import Any

from chalicelib.domain.deadlines import RequestType

COLOURS = {
    "data_disclosure": "#1f77b4", "preservation": "#2ca02c", "content_removal": "#ff7f0e",
    "emergency_disclosure": "#d62728", "terrorist_content_removal": "#9467bd",
}
STYLE = """
svg{max-width:100%;height:auto}body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#222}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #ccc}
table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{border:1px solid #ddd;padding:.3rem .5rem;
text-align:left;vertical-align:top}th{background:#f4f4f4}td.n{text-align:right}.legend span{margin-right:1rem}
.swatch{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem}.note{color:#555;font-size:.85rem}
"""


def _cell(value: Any, numeric: bool = False) -> str:
    text = "—" if value is None else escape(str(value))
    return f'<td class="n">{text}</td>' if numeric else f"<td>{text}</td>"


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


def _every_month(first: str, last: str) -> list[str]:
    """Every month from first to last (YYYY-MM), so a month without requests shows as a gap, not as nothing."""
    year, month = int(first[:4]), int(first[5:7])
    months = []
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def chart(monthly: list[dict[str, Any]]) -> str:
    """Requests received per month, stacked by type, as an SVG bar chart."""
    seen = sorted({m["month"] for m in monthly})
    months = _every_month(seen[0], seen[-1]) if seen else []
    if not months:
        return '<p class="note" id="chart-empty">No requests in this period.</p>'
    totals = {month: sum(m["received"] for m in monthly if m["month"] == month) for month in months}
    top = max(totals.values()) or 1
    width, height, left, bottom = 720, 260, 40, 30
    bar = (width - left) / len(months)
    parts = [f'<svg id="monthly-chart" role="img" aria-labelledby="chart-title" width="{width}" '
             f'height="{height + bottom}" viewBox="0 0 {width} {height + bottom}" xmlns="http://www.w3.org/2000/svg">',
             '<title id="chart-title">Requests received per month, by type</title>',
             f'<line x1="{left}" y1="{height}" x2="{width}" y2="{height}" stroke="#888"/>',
             f'<text x="0" y="12" font-size="11">{top}</text><text x="0" y="{height}" font-size="11">0</text>']
    for index, month in enumerate(months):
        x, y = left + index * bar + bar * 0.15, float(height)
        for kind in RequestType:
            count = sum(m["received"] for m in monthly if m["month"] == month and m["type"] == kind.value)
            if not count:
                continue
            h = count / top * (height - 10)
            y -= h
            parts.append(f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{bar * 0.7:.1f}" height="{h:.1f}" '
                         f'fill="{COLOURS[kind.value]}"><title>{escape(month)} {escape(kind.value)}: {count}'
                         '</title></rect>')
        parts.append(f'<text x="{x:.1f}" y="{height + 18}" font-size="11">{escape(month)}</text>')
    parts.append("</svg>")
    legend = "".join(f'<span><i class="swatch" style="background:{colour}"></i>{escape(kind)}</span>'
                     for kind, colour in COLOURS.items())
    return "".join(parts) + f'<p class="legend">{legend}</p>'


def render(contacts: dict[str, Any], report: dict[str, Any], policies: dict[str, Any]) -> str:
    directory_rows = []
    for entry in [contacts["default"], *contacts["jurisdictions"]]:
        contact = entry.get("contact") or {}
        establishment = contact.get("establishment") or {}
        emergency = contact.get("emergency") or {}
        directory_rows.append(
            "<tr>" + _cell(entry.get("country") or "any other") + _cell(entry["region_name"])
            + _cell(establishment.get("name")) + _cell(", ".join(establishment.get("postal_address", [])) or None)
            + _cell(establishment.get("email")) + _cell(" ".join(contact.get("languages", [])) or None)
            + _cell(f"{emergency.get('phone')}, {emergency.get('email')} ({emergency.get('hours')})" if emergency
                    else None)
            + _cell(f"{(contact.get('onboarding') or {}).get('instructions', '')} "
                    f"{(contact.get('onboarding') or {}).get('email', '')}".strip() or None) + "</tr>")
    count_rows = "".join(
        "<tr>" + _cell(r["country"]) + _cell(r["type"]) + "".join(
            _cell(r[k], True) for k in ("fulfilled", "partially_fulfilled", "rejected", "withdrawn", "open", "total"))
        + "</tr>" for r in report["rows"])
    timing_rows = "".join(
        "<tr>" + _cell(t["type"]) + _cell(t["received"], True) + _cell(t["decided"], True)
        + _cell(None if t["share_decided_within_deadline"] is None
                else f"{t['share_decided_within_deadline']:.1%}", True)
        + _cell(_duration(t["median_seconds_to_acknowledge"]), True)
        + _cell(_duration(t["median_seconds_to_decide"]), True) + "</tr>"
        for t in report["by_type"])
    policy_rows = "".join(
        "<tr>" + _cell(p["type"]) + _cell("; ".join(p["legal_bases"])) + _cell(_duration(p["acknowledge_seconds"]))
        + _cell(_duration(p["resolve_seconds"])) + "</tr>" for p in policies["types"])
    api = escape(contacts["api_base_url"])
    period = f"{escape(report['from'])} to {escape(report['to'])}"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Liaison: where authorities write, and our record</title><style>{STYLE}</style></head>
<body>
<h1>Requests from authorities: where to write, and our record</h1>
<p>Authorities file legal requests through the API at <code>{api}</code> (documentation: <a href="../docs">docs</a>).
In an emergency threatening life, call the emergency line of your region below as well.</p>
<h2 id="directory">Where to write</h2>
<p class="note">Directory version {contacts['version']}, updated {escape(str(contacts.get('updated_at') or '—'))}.
Machine-readable: <a href="public/contacts">/v1/public/contacts</a>.</p>
<table id="directory-table"><thead><tr><th>Jurisdiction</th><th>Desk</th><th>Legal representative or establishment</th>
<th>Postal address</th><th>E-mail</th><th>Languages</th><th>Emergency line</th><th>Getting an account</th></tr></thead>
<tbody>{''.join(directory_rows)}</tbody></table>
<h2 id="policies">What we accept, and how fast we answer</h2>
<table><thead><tr><th>Type</th><th>Legal bases</th><th>Acknowledged within</th><th>Resolved within</th></tr></thead>
<tbody>{policy_rows}</tbody></table>
<h2 id="transparency">Transparency report, {period}</h2>
<p class="note">Requests received in the period. Medians: {escape(report['median_method'])}.
Data: <a href="public/transparency?from={escape(report['from'])}&amp;to={escape(report['to'])}">JSON</a>,
<a href="public/transparency?from={escape(report['from'])}&amp;to={escape(report['to'])}&amp;format=csv">CSV</a>.</p>
{chart(report['monthly'])}
<table id="timing-table"><thead><tr><th>Type</th><th>Received</th><th>Decided</th><th>Decided within deadline</th>
<th>Median to acknowledge</th><th>Median to decide</th></tr></thead><tbody>{timing_rows}</tbody></table>
<p id="emergency">Emergency disclosure requests: {report['emergency']['requests']}; whose call-back verification
failed: {report['emergency']['failed_verification']}.</p>
<table id="counts-table"><thead><tr><th>Country</th><th>Type</th><th>Fulfilled</th><th>Partially fulfilled</th>
<th>Rejected</th><th>Withdrawn</th><th>Open</th><th>Total</th></tr></thead><tbody>{count_rows}</tbody></table>
</body></html>
"""
