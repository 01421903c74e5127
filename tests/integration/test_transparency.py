"""Transparency reports: correct counts and medians over a generated history of thousands of requests,
from tallies kept in the requests' own transactions; the reads of a report do not grow with the requests."""

from __future__ import annotations

import csv
import io
import json
import math
import random
import statistics
import threading
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta

import botocore.client
import pytest
from pynamodb.transactions import TransactWrite

from chalicelib.clock import FixedClock, app_clock, isoformat
from chalicelib.domain import transparency as rules
from chalicelib.domain.deadlines import DEFAULT_CLOCKS, RequestType
from chalicelib.services import transparency
from chalicelib.store.models import LegalRequest
from chalicelib.store.requests import Change, connection
from tests.helpers import FR, bearer, give_notice, post, submission

START = datetime(2031, 1, 1, tzinfo=UTC)  # a year no other test files requests in
COUNTRIES = ("FR", "DE", "ES", "US", "AE", "NL")
TYPES = [t.value for t in RequestType]
FILED = datetime(2033, 5, 10, 9, 0, tzinfo=UTC)  # "today" for this module: 2031 and 2033-05-09 are closed days


@pytest.fixture(autouse=True)
def clock():
    """Reports cover closed days only, by the application clock: fix it after every day these tests report on."""
    previous = app_clock.source
    app_clock.source = FixedClock(FILED)
    try:
        yield app_clock.source
    finally:
        app_clock.source = previous


def _request(index: int, received: datetime, kind: str, country: str) -> LegalRequest:
    clock = DEFAULT_CLOCKS[RequestType(kind)]
    return LegalRequest(
        f"LR-GEN{index:013d}", agency_id="generated", submitted_by="o", type=kind, status="received", region="eu",
        queue_region="eu", routing_rule="generated", received_at=isoformat(received),
        ack_due_at=isoformat(received + clock.acknowledge), due_at=isoformat(received + clock.resolve),
        legal_basis="x", reference=f"gen-{index}", description="d", language="en", body_sha256="0" * 64,
        updated_at=isoformat(received), jurisdiction=country, tallied=True)


class History:
    """The tallies of thousands of requests, written with the very operations the API puts in each request's
    transactions (``transparency.on_submit`` / ``on_change``). The requests themselves are not stored: at moto's
    ~20 ms per request write, storing them too would take minutes; ``test_given_requests_through_the_api…``
    below checks the same operations on the API's own path."""

    def __init__(self) -> None:
        self.random = random.Random(20311)
        self.count = 0
        self.outcomes: Counter = Counter()
        self.ack: dict[str, list[float]] = defaultdict(list)
        self.decide: dict[str, list[float]] = defaultdict(list)
        self.ontime: Counter = Counter()
        self.failed_verification = 0
        self.monthly: Counter = Counter()

    @staticmethod
    def _write(operations) -> None:
        for operation in operations:
            with TransactWrite(connection=connection()) as transaction:
                operation(transaction)

    def _apply(self, item: LegalRequest, change: Change, actions=()) -> LegalRequest:
        self._write(transparency.on_change(item, change))
        return item

    def add(self, how_many: int) -> None:
        for _ in range(how_many):
            self.count += 1
            rnd = self.random
            kind, country = rnd.choice(TYPES), rnd.choice(COUNTRIES)
            received = START + timedelta(seconds=rnd.randrange(181 * 86400))
            item = _request(self.count, received, kind, country)
            self._write(transparency.on_submit(item))
            self.monthly[(item.received_at[:7], kind)] += 1
            roll = rnd.random()
            if roll < 0.1:
                self.outcomes[(country, kind, "open")] += 1
                continue
            if roll < 0.2:
                item = self._apply(item, Change("withdrawn", "authority", "o", isoformat(received + timedelta(hours=1))))
                self.outcomes[(country, kind, "withdrawn")] += 1
                continue
            acked = received + timedelta(seconds=rnd.lognormvariate(8, 1.5))
            item = self._apply(item, Change("acknowledged", "representative", "r", isoformat(acked)))
            self.ack[kind].append((acked - received).total_seconds())
            if kind == "emergency_disclosure" and rnd.random() < 0.3:
                item = self._apply(item, Change("verification_recorded", "representative", "r", isoformat(acked),
                                                {"outcome": "failed"}))
                item.verification_failed = True
                # A second failed call-back on the same request is not counted twice.
                self._apply(item, Change("verification_recorded", "representative", "r", isoformat(acked),
                                         {"outcome": "failed"}))
                self.failed_verification += 1
            decided = acked + timedelta(seconds=rnd.lognormvariate(10, 1.5))
            outcome = rnd.choice(["fulfilled", "partially_fulfilled", "rejected"])
            self._apply(item, Change("decided", "representative", "r", isoformat(decided), {"outcome": outcome}))
            self.decide[kind].append((decided - received).total_seconds())
            self.ontime[kind] += decided <= received + DEFAULT_CLOCKS[RequestType(kind)].resolve
            self.outcomes[(country, kind, outcome)] += 1


@pytest.fixture(scope="module")
def history(client):
    return History()


def read_calls(monkeypatch, fetch):
    """The AWS calls ``fetch`` makes on this thread (moto runs earlier requests' workflows on threads of its own,
    which publish and write meanwhile)."""
    calls, mine = [], threading.get_ident()
    original = botocore.client.BaseClient._make_api_call

    def counting(self, operation, params):
        if threading.get_ident() == mine:
            calls.append(operation)
        return original(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", counting)
    result = fetch()
    monkeypatch.undo()
    return result, calls


def holds(published, exact, threshold=5) -> bool:
    """Whether a published figure is true of the exact count: equal, or a band that holds it."""
    if published == f"<{threshold}":
        return 0 <= exact < threshold
    if published == f"{threshold}+":
        return exact >= threshold
    return isinstance(published, int) and published == exact


def close(actual, exact):
    return actual is not None and abs(actual - exact) <= max(exact * rules.MEDIAN_RELATIVE_ERROR, 1.0) + 0.05


def test_given_a_generated_history_then_the_report_is_right_and_its_reads_do_not_grow(client, history, monkeypatch):
    path = "/v1/public/transparency?from=2031-01-01&to=2031-06-30"
    history.add(600)
    first, calls_small = read_calls(monkeypatch, lambda: client.http.get(path))
    history.add(1400)
    response, calls_large = read_calls(monkeypatch, lambda: client.http.get(path))
    assert response.status_code == 200
    # The same reads for 600 requests and for 2,000: one Query of the period's tallies, no Scan, no GetItem.
    assert calls_small == calls_large == ["Query"], (calls_small, calls_large)
    assert first.json_body["rows"] != response.json_body["rows"]

    report = response.json_body
    assert report["small_count_threshold"] == 5
    # Every figure is exact where published, and every band holds the true value.
    assert {(r["country"], r["type"]) for r in report["rows"]} == {(c, t) for c in COUNTRIES for t in TYPES}
    for row in report["rows"]:
        for outcome in rules.OUTCOMES:
            assert holds(row[outcome], history.outcomes[(row["country"], row["type"], outcome)]), (row, outcome)
        assert holds(row["total"], sum(history.outcomes[(row["country"], row["type"], o)] for o in rules.OUTCOMES))
    cells = [row[o] for row in report["rows"] for o in rules.OUTCOMES]
    assert "<5" in cells and sum(isinstance(cell, int) for cell in cells) > len(cells) / 2
    assert report["overall"]["received"] == history.count == 2000
    for row in report["by_type"]:
        kind = row["type"]
        assert row["received"] == sum(n for (_, k, _), n in history.outcomes.items() if k == kind)
        assert row["decided"] == len(history.decide[kind])  # the DSA figures stay exact: they are not small
        # Terrorist content removals decided within their one-hour deadline are few (3): banded, so another
        # type's figure (the first: data disclosures') is withheld ("5+") lest the overall one give it away.
        assert holds(row["decided_within_deadline"], history.ontime[kind]), (kind, row, history.ontime)
        if isinstance(row["decided_within_deadline"], int):
            assert row["share_decided_within_deadline"] == round(history.ontime[kind] / len(history.decide[kind]), 4)
        else:
            assert row["share_decided_within_deadline"] is None
        assert close(row["median_seconds_to_acknowledge"], statistics.median_low(history.ack[kind]))
        assert close(row["median_seconds_to_decide"], statistics.median_low(history.decide[kind]))
    every_decision = [s for values in history.decide.values() for s in values]
    assert close(report["overall"]["median_seconds_to_decide"], statistics.median_low(every_decision))
    assert report["emergency"]["requests"] == sum(
        n for (_, kind, _), n in history.outcomes.items() if kind == "emergency_disclosure")
    assert holds(report["emergency"]["failed_verification"], history.failed_verification)
    for month in report["monthly"]:
        assert holds(month["received"], history.monthly[(month["month"], month["type"])]), month
    assert len({m["month"] for m in report["monthly"]}) == 6

    # The CSV carries the same numbers.
    sheet = client.http.get(path + "&format=csv")
    assert sheet.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(sheet.body.decode())))
    assert [{k: (int(v) if v.isdigit() else v) for k, v in row.items()} for row in rows] == report["rows"]


def test_given_a_shorter_period_then_only_its_days_count(client, history):
    if history.count == 0:
        history.add(200)
    january = client.http.get("/v1/public/transparency?from=2031-01-01&to=2031-01-31").json_body
    assert {m["month"] for m in january["monthly"]} <= {"2031-01"}
    # Totals may be bands (strings) now: each published one holds January's count only.
    assert holds(january["overall"]["received"],
                 sum(n for (month, _), n in history.monthly.items() if month == "2031-01"))
    for row in january["by_type"]:
        assert holds(row["received"], history.monthly[("2031-01", row["type"])])
    for month in january["monthly"]:
        assert holds(month["received"], history.monthly[(month["month"], month["type"])])


def test_given_requests_through_the_api_then_they_are_counted_as_they_change(client, issuer, clock):
    # The API's own path keeps the tallies as requests change, the same day. The published report no longer
    # shows a day before it is closed, nor a small count exactly (see the tests below), so this reads the exact,
    # unpublished counts (services.transparency.report(...).rows()) on a day of its own.
    clock.advance(timedelta(days=-30))
    day, now = clock.now().date(), clock.now().timestamp()

    def count(outcome):
        return sum(r[outcome] for r in transparency.report(day, day).rows()
                   if (r["country"], r["type"]) == ("FR", "data_disclosure"))

    before_open, before_done = count("open"), count("fulfilled")
    officer = bearer(issuer.mint(role="authority", sub="officer-1", agency_id=FR, now=now))
    created = post(client, "/v1/requests", submission(), officer).json_body
    assert count("open") == before_open + 1
    rep = bearer(issuer.mint(role="representative", sub="rep-eu-okafor", region="eu", mfa=True, now=now))
    assert post(client, f"/v1/requests/{created['id']}/acknowledge", {}, rep).status_code == 200
    give_notice(client, created["id"], rep)
    assert post(client, f"/v1/requests/{created['id']}/decision", {"outcome": "fulfilled"}, rep).status_code == 200
    assert (count("open"), count("fulfilled")) == (before_open, before_done + 1)


@pytest.mark.parametrize(("query", "field", "code"), [
    ("from=2031-13-01", "from", "invalid_field"), ("to=yesterday", "to", "invalid_field"),
    ("from=2031-02-01&to=2031-01-01", "from", "invalid_field"),
    ("from=2030-01-01&to=2031-06-30", "to", "period_too_long"),
    ("from=20310101", "from", "invalid_field"), ("to=2031-W01-1", "to", "invalid_field"),
    ("format=xml", "format", "invalid_field"), ("country=FR", "country", "unknown_field"),
])
def test_given_a_bad_period_then_400_naming_it(client, query, field, code):
    response = client.http.get(f"/v1/public/transparency?{query}")
    assert (response.status_code, response.json_body["code"], response.json_body["field"]) == (400, code, field)


REPORT_ROUTES = ("/v1/public/transparency?", "/v1/public/transparency?format=csv&", "/v1/public?")


@pytest.mark.parametrize("route", REPORT_ROUTES)
@pytest.mark.parametrize(("query", "field"), [
    ("from=9999-01-02", "from"), ("from=9999-12-31", "from"), ("to=9999-12-31", "to"),
    ("from=9999-12-31&to=9999-12-31", "from"), ("from=9998-12-31&to=9999-01-01", "to"),
])
def test_given_a_date_at_the_end_of_the_calendar_then_400_naming_it_not_500(client, route, query, field):
    response = client.http.get(route + query)
    assert response.status_code == 400, response.body
    body = json.loads(response.body)
    assert (body["code"], body["field"]) == ("invalid_field", field)
    assert "9998-12-31" in body["message"]


@pytest.mark.parametrize("route", REPORT_ROUTES)
@pytest.mark.parametrize(("query", "period"), [
    ("from=0001-01-01", ("0001-01-01", "0001-12-31")), ("to=0001-01-01", ("0001-01-01", "0001-01-01")),
    ("from=0001-01-01&to=0001-12-31", ("0001-01-01", "0001-12-31")),
    ("from=9998-12-31", ("9998-12-31", "9998-12-31")), ("to=9998-12-31", ("9998-01-01", "9998-12-31")),
])
def test_given_the_first_or_last_accepted_day_then_an_empty_report(client, route, query, period, clock):
    clock.advance(datetime(9999, 1, 1, tzinfo=UTC) - clock.now())  # so that 9998-12-31 is a closed day
    response = client.http.get(route + query)
    assert response.status_code == 200, response.body
    if "format=csv" in route:
        assert response.headers["Content-Disposition"].endswith(f'-{period[0]}-{period[1]}.csv"')
        assert response.body.decode().splitlines() == [",".join(rules.CSV_COLUMNS)]
    elif route == "/v1/public?":
        assert f"Transparency report, {period[0]} to {period[1]}" in response.body.decode()
    else:
        assert (response.json_body["from"], response.json_body["to"], response.json_body["rows"]) == (*period, [])


def test_given_the_median_buckets_then_every_value_is_reported_within_the_stated_bound():
    for seconds in [0.2, 1, 1.9, 59, 60, 61, 3599, 86_400, 864_000, 9_999_999]:
        reported = rules.bucket_value(rules.bucket(seconds))
        assert abs(reported - seconds) <= max(seconds * rules.MEDIAN_RELATIVE_ERROR, 1.0)
    assert math.isclose(rules.MEDIAN_RELATIVE_ERROR, 0.0905, abs_tol=0.001)


def test_given_the_public_page_then_it_shows_the_directory_the_report_and_a_monthly_chart(client, history):
    # Enough requests that every month's figures pass the small-count bands, whichever tests ran before this one
    # in its worker (with 100 alone, most months stay banded and the chart draws fewer bars).
    if history.count < 600:
        history.add(600 - history.count)
    response = client.http.get("/v1/public?from=2031-01-01&to=2031-06-30")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/html")
    html = response.body.decode()
    assert "<script" not in html
    assert 'id="desks"' in html and "eu-legal@liaison-platform.example" in html
    assert html.count('class="bar"') >= 6 and "2031-03" in html  # one bar segment per month and type at least
    assert 'id="counts-table"' in html and "Emergency disclosure requests:" in html
    assert client.http.get("/v1/public?from=nonsense").status_code == 400


def test_given_one_end_of_the_period_then_the_other_is_a_year_from_it(client):
    only_to = client.http.get("/v1/public/transparency?to=2025-06-30").json_body
    assert (only_to["from"], only_to["to"]) == ("2025-01-01", "2025-06-30")
    only_from = client.http.get("/v1/public/transparency?from=2025-01-01").json_body
    assert (only_from["from"], only_from["to"]) == ("2025-01-01", "2025-12-31")


def test_given_a_request_stored_before_tallies_then_its_changes_are_not_counted():
    from chalicelib.domain.transparency import Report

    old = _request(999_999, START, "data_disclosure", "FR")
    old.tallied = False
    assert transparency.on_change(old, Change("decided", "representative", "r", old.received_at,
                                              {"outcome": "fulfilled"})) == []
    report = Report(START.date(), START.date())
    assert report.rows() == []


# --- issue 13 point 6: closed days only, small cells banded -------------------------------------------------


def _report_of(client, day: str):
    """The JSON report, the CSV and the page asking for ``day`` only."""
    query = f"from={day}&to={day}"
    return (client.http.get(f"/v1/public/transparency?{query}"),
            client.http.get(f"/v1/public/transparency?{query}&format=csv"), client.http.get(f"/v1/public?{query}"))


def test_given_a_request_filed_today_then_no_report_shows_it_until_the_day_is_closed_and_then_banded(
        client, issuer, clock):
    day = FILED.date().isoformat()
    now = FILED.timestamp()
    officer = bearer(issuer.mint(role="authority", sub="officer-1", agency_id=FR, now=now))
    created = post(client, "/v1/requests", submission(), officer).json_body
    rep = bearer(issuer.mint(role="representative", sub="rep-eu-okafor", region="eu", mfa=True, now=now))
    assert post(client, f"/v1/requests/{created['id']}/acknowledge", {}, rep).status_code == 200
    give_notice(client, created["id"], rep)
    assert post(client, f"/v1/requests/{created['id']}/decision", {"outcome": "fulfilled"}, rep).status_code == 200
    as_json, as_csv, as_page = _report_of(client, day)
    # Today is not closed: the period is refused, in every form; nothing of today is shown.
    for response in (as_json, as_csv, as_page):
        assert response.status_code == 400, response.body
        assert json.loads(response.body)["code"] == "period_not_closed"
    # Asking up to today reports up to yesterday only.
    through_today = client.http.get(f"/v1/public/transparency?from=2033-05-01&to={day}").json_body
    assert through_today["to"] == "2033-05-09" and through_today["rows"] == []

    clock.advance(timedelta(days=1))
    as_json, as_csv, as_page = _report_of(client, day)
    assert as_json.status_code == as_csv.status_code == as_page.status_code == 200
    [row] = as_json.json_body["rows"]
    assert row == {"country": "FR", "type": "data_disclosure", "fulfilled": "<5", "partially_fulfilled": "<5",
                   "rejected": "<5", "withdrawn": "<5", "open": "<5", "total": "<5"}
    [line] = list(csv.DictReader(io.StringIO(as_csv.body.decode())))
    assert line == {key: str(value) for key, value in row.items()}
    page_text = as_page.body.decode()
    assert '<th scope="row">FR</th><td>Data disclosure</td>' + '<td class="n">&lt;5</td>' * 6 in page_text
    by_type = {t["type"]: t for t in as_json.json_body["by_type"]}["data_disclosure"]
    assert (by_type["received"], by_type["decided"], by_type["median_seconds_to_decide"]) == ("<5", "<5", None)
    assert as_json.json_body["overall"]["received"] == "<5"


def _tally(index: int, received: datetime, country: str, kind: str, outcome: str) -> None:
    item = _request(index, received, kind, country)
    History._write(transparency.on_submit(item))
    at = isoformat(received + timedelta(hours=1))
    if outcome == "withdrawn":
        History._write(transparency.on_change(item, Change("withdrawn", "authority", "o", at)))
    elif outcome != "open":
        History._write(transparency.on_change(item, Change("acknowledged", "representative", "r", at)))
        History._write(transparency.on_change(item, Change("decided", "representative", "r", at,
                                                            {"outcome": outcome})))


def test_given_large_and_small_cells_then_large_ones_stay_exact_and_small_ones_are_banded_everywhere(client):
    day = datetime(2033, 2, 3, 10, tzinfo=UTC)
    cells = {("DE", "preservation", "fulfilled"): 9, ("DE", "preservation", "open"): 2,
             ("DE", "content_removal", "rejected"): 6, ("DE", "content_removal", "withdrawn"): 1,
             ("DE", "content_removal", "fulfilled"): 7, ("NL", "preservation", "open"): 1,
             ("FR", "content_removal", "partially_fulfilled"): 1, ("FR", "content_removal", "open"): 1,
             ("NL", "content_removal", "open"): 1}
    index = 50_000
    for (country, kind, outcome), n in cells.items():
        for _ in range(n):
            index += 1
            _tally(index, day, country, kind, outcome)
    report = client.http.get("/v1/public/transparency?from=2033-02-03&to=2033-02-03").json_body
    rows = {(r["country"], r["type"]): r for r in report["rows"]}
    assert rows[("DE", "content_removal")] == {
        "country": "DE", "type": "content_removal", "fulfilled": 7, "partially_fulfilled": "<5", "rejected": 6,
        "withdrawn": "<5", "open": "<5", "total": 14}
    # Preservation's 9 decisions are all DE's fulfilled: published with the banded zeros beside them, they
    # would show those zeros, so DE's 9 is withheld as "5+" while the type's 9 decisions stay exact.
    assert rows[("DE", "preservation")]["fulfilled"] == "5+"
    assert rows[("NL", "preservation")]["total"] == "<5"
    assert rows[("NL", "preservation")]["total"] == rows[("FR", "content_removal")]["total"] == "<5"
    by_type = {t["type"]: t for t in report["by_type"]}
    # Content removal: small rows cover each other, so its DSA figures stay exact (7 + 6 + 1 decided).
    assert by_type["content_removal"]["received"] == 17 and by_type["content_removal"]["decided"] == 14
    # Preservation: 12 received, DE's exact 11; the 1 left is NL's or FR's: every country listed gets a row of
    # every type that has a request, zeros included, so no listed row is known to hold one or more.
    assert rows[("FR", "preservation")] == {"country": "FR", "type": "preservation",
                                            **{outcome: "<5" for outcome in rules.OUTCOMES}, "total": "<5"}
    assert (by_type["preservation"]["received"], rows[("DE", "preservation")]["total"]) == (12, 11)
    assert by_type["preservation"]["decided"] == 9
    preservation = by_type["preservation"]
    assert (preservation["decided_within_deadline"], preservation["share_decided_within_deadline"]) == (9, 1.0)
    assert preservation["median_seconds_to_decide"] is not None  # 9 decisions: at least the threshold
    assert report["overall"]["received"] == 29
    assert by_type["terrorist_content_removal"]["received"] == 0  # no row: known to be none, so not banded
    sheet = list(csv.DictReader(io.StringIO(client.http.get(
        "/v1/public/transparency?from=2033-02-03&to=2033-02-03&format=csv").body.decode())))
    assert {(r["country"], r["type"]): r for r in sheet}[("DE", "content_removal")]["partially_fulfilled"] == "<5"
    page_text = client.http.get("/v1/public?from=2033-02-03&to=2033-02-03").body.decode()
    assert '<td class="n">7</td><td class="n">&lt;5</td><td class="n">6</td>' in page_text


def test_given_another_offset_and_threshold_then_the_report_follows_them(client, monkeypatch):
    from chalicelib.api import public

    changed = public.get_settings().model_copy(update={"report_last_day_offset_days": 3,
                                                       "report_small_cell_threshold": 10})
    monkeypatch.setattr(public, "get_settings", lambda: changed)
    # The clock says 2033-05-10: with an offset of 3 days, the last reportable day is 2033-05-07.
    capped = client.http.get("/v1/public/transparency?from=2033-05-01&to=2033-05-09").json_body
    assert (capped["from"], capped["to"], capped["small_count_threshold"]) == ("2033-05-01", "2033-05-07", 10)
    refused = client.http.get("/v1/public/transparency?from=2033-05-08")
    assert (refused.status_code, refused.json_body["code"], refused.json_body["field"]) == (
        400, "period_not_closed", "from")
    assert client.http.get("/v1/public/transparency").json_body["to"] == "2033-05-07"
    # The 9 preservations fulfilled on 2033-02-03 (test above) are below 10 now: banded.
    day = datetime(2033, 2, 3, 10, tzinfo=UTC)
    for index in range(60_000, 60_006):
        _tally(index, day, "ES", "data_disclosure", "rejected")
    report = client.http.get("/v1/public/transparency?from=2033-02-03&to=2033-02-03").json_body
    rows = {(r["country"], r["type"]): r for r in report["rows"]}
    assert rows[("ES", "data_disclosure")]["rejected"] == "<10"
    assert {t["type"]: t for t in report["by_type"]}["data_disclosure"]["received"] == "<10"
    page = client.http.get("/v1/public?from=2033-02-03&to=2033-02-03").body.decode()
    assert "&lt;10" in page and "below 10" in page


def test_given_the_report_settings_out_of_range_then_they_are_refused():
    from pydantic import ValidationError

    from chalicelib.settings import Settings

    base = Settings()
    assert (base.report_last_day_offset_days, base.report_small_cell_threshold) == (1, 5)
    for field, value in (("report_last_day_offset_days", 0), ("report_last_day_offset_days", 367),
                         ("report_small_cell_threshold", 2), ("report_small_cell_threshold", 1001)):
        with pytest.raises(ValidationError):
            Settings(**{field: value})
