"""Issue 15: the transparency report counts the orders filed as EU official forms per form and issuing Member State,
with the DSA Art. 15(1)(a) medians, and the Annex III answers per reason.

Given requests filed through the API as certificates (EPOC, EPOC-PR, TCO-RO) from Member States no other test
files from (LU, LV, EE, MT, CY), acknowledged and decided at set times, some answered with Annex III, and requests
filed without a certificate, then, once their day is closed, the report (JSON, CSV, page) lists them by form and
State with the medians the types get, counts each Annex III reason once per answer, and leaves the requests
without a certificate out. Everything is filed today, on the application clock frozen at the real time; other tests
file certificates today too (from FR), so figures they share (a form's totals, the reasons) are checked as the
change this module made to the exact, unpublished tallies.
"""

from __future__ import annotations

import copy
import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.api.page import _duration
from chalicelib.clock import FixedClock, app_clock, isoformat
from chalicelib.domain import transparency as rules
from chalicelib.services import transparency
from chalicelib.store.requests import Change
from tests.helpers import FR, bearer, give_notice, post, submission
from tests.integration.test_certificates import epoc, epoc_pr, tco_ro
from tests.integration.test_transparency import History, _request, holds, read_calls

# What each request filed here is, and when (seconds after filing) it is acknowledged and decided. Every request is
# filed at the same instant, so each duration is its offset. The small groups (EE, LV) keep every form's bands from
# being pinned by subtraction, whatever other tests filed today, so the large rows stay exact.
LU_EPOC_ACK = [120, 240, 360, 480, 600, 720]  # lower median: the 3rd, 360 s
LU_EPOC_DECIDE = [3600, 7200, 10800, 14400, 18000]  # 5 of the 6 (the 5th by Annex III); the 6th stays open
MT_EPOC_PR_ACK = [300, 600, 900, 1200, 1500]
MT_EPOC_PR_DECIDE = [1800, 2400, 3000, 3600, 4200]  # the 1st by Annex III (data cannot be had), rejected
CY_TCO_ACK = [60, 120, 180, 240, 300]
CY_TCO_DECIDE = [1200, 1800, 2400, 3000, 4000]  # the last after the hour: 4 of 5 within the deadline


def median(values: list[int]) -> float:
    """What the report publishes for these durations: the lower median's bucket value (rules.MEDIAN_METHOD)."""
    lower = sorted(values)[(len(values) - 1) // 2]
    return round(rules.bucket_value(rules.bucket(lower)), 1)


def certificate(kind: str, state: str) -> dict:
    """The minimal valid certificate of test_certificates, issued by ``state``."""
    filled = copy.deepcopy({"data_disclosure": epoc(), "preservation": epoc_pr(),
                            "terrorist_content_removal": tco_ro()}[kind])
    filled["sections"]["A"]["issuing_state"] = state
    return filled


class Desk:
    """Filing and answering through the API, with tokens minted on the frozen application clock."""

    def __init__(self, client, issuer, clock: FixedClock) -> None:
        self.client, self.issuer, self.clock, self.start = client, issuer, clock, clock.now()

    def at(self, seconds: int) -> None:
        self.clock.advance(self.start + timedelta(seconds=seconds) - self.clock.now())

    def officer(self) -> dict:
        return bearer(self.issuer.mint(role="authority", sub="officer-1", agency_id=FR, mfa=True,
                                       now=self.clock.now().timestamp()))

    def rep(self, sub: str) -> dict:
        return bearer(self.issuer.mint(role="representative", sub=sub, region="eu", mfa=True,
                                       now=self.clock.now().timestamp()))

    def file(self, kind: str, state: str | None) -> dict:
        body = submission(kind, **({"certificate": certificate(kind, state)} if state else {}))
        if kind == "data_disclosure":
            body["data_categories"] = ["subscriber"]  # no enforcing authority's wait (e-Evidence Art. 8)
        created = post(self.client, "/v1/requests", body, self.officer())
        assert created.status_code == 201, created.body
        return created.json_body

    def act(self, request: dict, path: str, body: dict, *, by_officer: bool = False) -> dict:
        headers = self.officer() if by_officer else self.rep(request["assignee"])
        response = post(self.client, f"/v1/requests/{request['id']}/{path}", body, headers)
        assert response.status_code == 200, (path, response.body)
        return response.json_body

    def acknowledge(self, request: dict) -> None:
        self.act(request, "acknowledge", {})

    def fulfil(self, request: dict) -> None:
        removal = {"removal": {"action": "removed", "done_at": isoformat(self.clock.now())}} \
            if request["type"] == "terrorist_content_removal" else {}
        if (request.get("user_notice") or {}).get("state") == "notify_before_disclosure":
            give_notice(self.client, request["id"], self.rep(request["assignee"]))  # a plain data disclosure
        self.act(request, "decision", {"outcome": "fulfilled", **removal})

    def annex_iii(self, request: dict, reasons: list[str]) -> dict:
        return self.act(request, "impossibility", {"reasons": reasons, "explanation": "As the form says."})


def exact(day) -> rules.Report:
    """The day's exact tallies, as the report reads them before anything is banded."""
    return transparency.report(day, day)


def form_received(report: rules.Report) -> int:
    return sum(totals.received for totals in report.forms.values())


@pytest.fixture(scope="module")
def filed(client, issuer):
    """The requests of this module, filed and answered today; afterwards the clock stands on the next day, so
    today is closed and reported."""
    previous, clock = app_clock.source, FixedClock(datetime.now(UTC))
    app_clock.source = clock
    try:
        desk = Desk(client, issuer, clock)
        day = clock.now().date()
        before = exact(day)
        lu = [desk.file("data_disclosure", "LU") for _ in LU_EPOC_ACK]
        small = [desk.file(kind, state) for kind, state in (
            ("data_disclosure", "LV"), ("data_disclosure", "EE"), ("preservation", "EE"),
            ("terrorist_content_removal", "EE"))]
        mt = [desk.file("preservation", "MT") for _ in MT_EPOC_PR_ACK]
        cy = [desk.file("terrorist_content_removal", "CY") for _ in CY_TCO_ACK]
        plain = [desk.file("data_disclosure", None), desk.file("preservation", None)]

        steps: list[tuple[int, object]] = []
        for requests, acks in ((lu, LU_EPOC_ACK), (mt, MT_EPOC_PR_ACK), (cy, CY_TCO_ACK)):
            steps += [(offset, lambda r=r: desk.acknowledge(r)) for r, offset in zip(requests, acks)]
        steps += [(100, lambda r=r: desk.acknowledge(r)) for r in [*small, *plain]]
        # Five of LU's EPOCs are answered with Annex III asking to clarify (the first naming two reasons); the
        # authority answers, and the request goes on.
        for index, r in enumerate(lu[:5]):
            reasons = ["incomplete", "manifest_errors"] if index == 0 else ["incomplete"]
            steps.append((800 + index, lambda r=r, reasons=reasons: desk.annex_iii(r, reasons)))
            steps.append((900 + index, lambda r=r: desk.act(r, "messages", {"body": "Section L: Parquet."},
                                                            by_officer=True)))
        # Two of CY's removal orders are answered with TCO Annex III first: one to clarify (two reasons), which the
        # authority does; one on force majeure, whose end the desk records. Both are then removed.
        steps.append((400, lambda: desk.act(cy[0], "removal-impossibility", {
            "reasons": ["manifest_errors", "insufficient_information"], "explanation": "Which URL?"})))
        steps.append((500, lambda: desk.act(cy[0], "messages", {"body": "This one."}, by_officer=True)))
        steps.append((450, lambda: desk.act(cy[1], "removal-impossibility", {
            "reasons": ["force_majeure"], "explanation": "Power cut."})))
        steps.append((550, lambda: desk.act(cy[1], "obstacle-ended", {})))
        steps += [(offset, lambda r=r: desk.fulfil(r)) for r, offset in zip(lu[:4], LU_EPOC_DECIDE)]
        # The fifth is answered again, now that the data cannot be had: rejected (its second Annex III).
        steps.append((LU_EPOC_DECIDE[4], lambda: desk.annex_iii(lu[4], ["data_not_stored", "incomplete"])))
        steps.append((MT_EPOC_PR_DECIDE[0], lambda: desk.annex_iii(mt[0], ["de_facto_impossibility"])))
        steps += [(offset, lambda r=r: desk.fulfil(r)) for r, offset in zip(mt[1:], MT_EPOC_PR_DECIDE[1:])]
        steps += [(offset, lambda r=r: desk.fulfil(r)) for r, offset in zip(cy, CY_TCO_DECIDE)]
        steps += [(2000, lambda r=r: desk.fulfil(r)) for r in [*small, plain[0]]]
        for offset, step in sorted(steps, key=lambda pair: pair[0]):
            desk.at(offset)
            step()
        after = exact(day)
        clock.advance(datetime.combine(day + timedelta(days=1), datetime.min.time(), UTC) + timedelta(hours=12)
                      - clock.now())
        yield {"day": day.isoformat(), "before": before, "after": after, "lu": lu, "cy": cy}
    finally:
        app_clock.source = previous


def report_of(client, day: str, extra: str = ""):
    response = client.http.get(f"/v1/public/transparency?from={day}&to={day}{extra}")
    assert response.status_code == 200, response.body
    return response


def test_given_orders_filed_as_forms_then_each_form_and_state_is_counted_with_the_medians(client, filed):
    report = report_of(client, filed["day"]).json_body
    rows = {(r["form"], r["issuing_state"]): r for r in report["by_form_and_state"]}
    assert rows[("EPOC", "LU")] == {
        "form": "EPOC", "issuing_state": "LU", "received": 6, "decided": 5, "decided_within_deadline": 5,
        "share_decided_within_deadline": 1.0, "median_seconds_to_acknowledge": median(LU_EPOC_ACK),
        "median_seconds_to_decide": median(LU_EPOC_DECIDE)}
    assert rows[("EPOC-PR", "MT")] == {
        "form": "EPOC-PR", "issuing_state": "MT", "received": 5, "decided": 5, "decided_within_deadline": 5,
        "share_decided_within_deadline": 1.0, "median_seconds_to_acknowledge": median(MT_EPOC_PR_ACK),
        "median_seconds_to_decide": median(MT_EPOC_PR_DECIDE)}
    # One removal of five came after the hour: 4 within the deadline, a small count, so banded and no share.
    assert rows[("TCO-RO", "CY")] == {
        "form": "TCO-RO", "issuing_state": "CY", "received": 5, "decided": 5, "decided_within_deadline": "<5",
        "share_decided_within_deadline": None, "median_seconds_to_acknowledge": median(CY_TCO_ACK),
        "median_seconds_to_decide": median(CY_TCO_DECIDE)}
    # The medians are the ones the types get, computed the same way: a form's times are its type's times here.
    assert rows[("EPOC", "LU")]["median_seconds_to_decide"] == round(
        rules.lower_median(filed["after"].forms[("EPOC", "LU")].decide), 1)
    # A small State is banded, with no median; every listed State has a row under every form, zeros included.
    assert rows[("EPOC", "EE")] == {"form": "EPOC", "issuing_state": "EE", "received": "<5", "decided": "<5",
                                    "decided_within_deadline": "<5", "share_decided_within_deadline": None,
                                    "median_seconds_to_acknowledge": None, "median_seconds_to_decide": None}
    states = {state for _, state in rows}
    assert {"LU", "LV", "EE", "MT", "CY"} <= states
    assert set(rows) == {(form, state) for form in rules.FORMS for state in states}
    assert rows[("EPOC-PR", "LU")]["received"] == rows[("TCO-RO", "MT")]["received"] == "<5"
    # Each form's totals hold every State's, exact where published (other tests file FR certificates today).
    after = filed["after"]
    for entry in report["by_form"]:
        form = entry["form"]
        assert holds(entry["received"], sum(t.received for (f, _), t in after.forms.items() if f == form)), entry
        assert holds(entry["decided"], sum(t.decided for (f, _), t in after.forms.items() if f == form)), entry
        assert entry["median_seconds_to_acknowledge"] is not None and entry["median_seconds_to_decide"] is not None


def test_given_requests_without_a_certificate_then_they_are_in_no_form_table(filed):
    before, after = filed["before"], filed["after"]
    # 22 requests filed, 20 as certificates: only those are counted by form.
    assert form_received(after) - form_received(before) == 20
    filed_requests = sum(sum(r[o] for o in rules.OUTCOMES) for r in after.rows()) - sum(
        sum(r[o] for o in rules.OUTCOMES) for r in before.rows())
    assert filed_requests == 22


def test_given_annex_iii_answers_then_each_reason_counts_once_per_answer(client, filed):
    before, after = filed["before"].annex_iii, filed["after"].annex_iii
    added = {key: after[key] - before[key] for key in set(after) | set(before) if after[key] != before[key]}
    # LU: five answers asking to clarify (incomplete; the first also manifest errors), then the fifth answered
    # again (data not stored, incomplete); MT: one (de facto impossibility); CY: two TCO ones. The fulfilments' own
    # forms (TCO Annex II, the EPOC fulfilments) are not Annex III and are not counted.
    assert added == {("e-Evidence Annex III", "incomplete"): 6, ("e-Evidence Annex III", "manifest_errors"): 1,
                     ("e-Evidence Annex III", "data_not_stored"): 1,
                     ("e-Evidence Annex III", "de_facto_impossibility"): 1,
                     ("TCO Annex III", "manifest_errors"): 1, ("TCO Annex III", "insufficient_information"): 1,
                     ("TCO Annex III", "force_majeure"): 1}
    published = report_of(client, filed["day"]).json_body["annex_iii"]
    assert [(a["form"], a["reason"]) for a in published] == [
        (form, reason) for form, reasons in rules.ANNEX_III.items() for reason in reasons]
    for entry in published:
        assert holds(entry["answers"], after[(entry["form"], entry["reason"])]), entry
    incomplete = next(a for a in published if a["reason"] == "incomplete")
    assert incomplete["answers"] == after[("e-Evidence Annex III", "incomplete")] >= 6  # not small: exact


def test_given_the_report_then_its_reads_stay_one_query_of_the_tallies(client, filed, monkeypatch):
    response, calls = read_calls(monkeypatch, lambda: client.http.get(
        f"/v1/public/transparency?from={filed['day']}&to={filed['day']}"))
    assert response.status_code == 200 and calls == ["Query"]


def test_given_the_csv_then_it_carries_the_forms_and_the_answers_as_the_json_does(client, filed):
    day = filed["day"]
    report = report_of(client, day).json_body
    forms = report_of(client, day, "&format=csv&table=forms")
    assert forms.headers["Content-Disposition"].endswith(f'liaison-transparency-forms-{day}-{day}.csv"')
    sheet = list(csv.DictReader(io.StringIO(forms.body.decode())))
    assert tuple(sheet[0]) == rules.FORM_CSV_COLUMNS
    expected = [*report["by_form_and_state"], *({**t, "issuing_state": "all"} for t in report["by_form"])]
    assert sheet == [{column: "" if row[column] is None else str(row[column]) for column in rules.FORM_CSV_COLUMNS}
                     for row in expected]
    lu = next(row for row in sheet if (row["form"], row["issuing_state"]) == ("EPOC", "LU"))
    assert (lu["received"], lu["median_seconds_to_acknowledge"]) == ("6", str(median(LU_EPOC_ACK)))
    answers = report_of(client, day, "&format=csv&table=annex_iii")
    assert answers.headers["Content-Disposition"].endswith(f'liaison-transparency-annex-iii-{day}-{day}.csv"')
    assert list(csv.DictReader(io.StringIO(answers.body.decode()))) == [
        {key: str(value) for key, value in a.items()} for a in report["annex_iii"]]
    # The count rows stay the default CSV.
    counts = report_of(client, day, "&format=csv").body.decode()
    assert counts.splitlines()[0] == ",".join(rules.CSV_COLUMNS)
    refused = client.http.get(f"/v1/public/transparency?from={day}&to={day}&format=csv&table=requests")
    assert (refused.status_code, refused.json_body["field"]) == (400, "table")


def test_given_the_public_page_then_it_shows_the_forms_and_the_reasons_in_words(client, filed):
    day = filed["day"]
    page = client.http.get(f"/v1/public?from={day}&to={day}")
    assert page.status_code == 200
    html = page.body.decode()
    assert '<h3 id="official-forms" class="part">Orders filed as EU official forms</h3>' in html
    assert '<h3 id="impossibility" class="part">Answers of impossibility (Annex III) by reason</h3>' in html
    assert '<th scope="row">European Production Order Certificate (EPOC)</th>' in html
    assert ('<tr><th scope="row">EPOC</th><td>LU</td><td class="n">6</td><td class="n">5</td><td class="n">100.0%</td>'
            f'<td class="n">{_duration(median(LU_EPOC_ACK))}</td><td class="n">{_duration(median(LU_EPOC_DECIDE))}</td>'
            "</tr>") in html
    assert "e-Evidence Regulation, Annex III (EPOC, EPOC-PR): answers by reason" in html
    assert "TCO Regulation, Annex III (removal orders): answers by reason" in html
    assert '<th scope="row">The data were not stored at the time of receipt</th>' in html
    assert "data_not_stored" not in html  # reasons in words
    assert "table=annex_iii" in html and "table=forms" in html


def test_given_tco_annex_iii_answers_then_they_count_under_their_own_form_exact_when_not_small(client):
    """Enough TCO Annex III answers for exact figures, written with the very operations the desk's transactions add
    (the form travels in the change's detail as ``tco_annex_iii``; filed through the API above), on a closed day
    of their own."""
    received = datetime(2025, 3, 4, 9, tzinfo=UTC)
    day = received.date().isoformat()
    for index in range(6):
        item = _request(70_000 + index, received, "terrorist_content_removal", "FR")
        item.certificate = certificate("terrorist_content_removal", "PT")
        History._write(transparency.on_submit(item))
        sent = {"form": "TCO Annex III", "certificate": "TCO-RO", "effect": "clock_stopped",
                "reasons": ["force_majeure", "insufficient_information"] if index < 5 else ["manifest_errors"]}
        History._write(transparency.on_change(item, Change(
            "information_requested", "representative", "r", isoformat(received + timedelta(minutes=5)),
            {"body": "x", "tco_annex_iii": sent})))
    answers = {(a["form"], a["reason"]): a["answers"] for a in report_of(client, day).json_body["annex_iii"]}
    assert answers == {("e-Evidence Annex III", reason): 0 for reason in rules.ANNEX_III["e-Evidence Annex III"]} | {
        ("TCO Annex III", "force_majeure"): 5, ("TCO Annex III", "insufficient_information"): 5,
        ("TCO Annex III", "manifest_errors"): "<5", ("TCO Annex III", "de_facto_impossibility"): "<5"}
    [row] = report_of(client, day).json_body["by_form_and_state"]
    assert (row["form"], row["issuing_state"], row["received"]) == ("TCO-RO", "PT", 6)
