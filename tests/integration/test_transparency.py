"""Transparency reports: correct counts and medians over a generated history of thousands of requests,
from tallies kept in the requests' own transactions; the reads of a report do not grow with the requests."""

from __future__ import annotations

import csv
import io
import json
import math
import random
import statistics
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta

import botocore.client
import pytest
from pynamodb.transactions import TransactWrite

from chalicelib.clock import isoformat
from chalicelib.domain import transparency as rules
from chalicelib.domain.deadlines import DEFAULT_CLOCKS, RequestType
from chalicelib.services import transparency
from chalicelib.store.models import LegalRequest
from chalicelib.store.requests import Change, connection
from tests.helpers import FR, authority, bearer, post, submission

START = datetime(2031, 1, 1, tzinfo=UTC)  # a year no other test files requests in
COUNTRIES = ("FR", "DE", "ES", "US", "AE", "NL")
TYPES = [t.value for t in RequestType]


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
    calls = []
    original = botocore.client.BaseClient._make_api_call

    def counting(self, operation, params):
        calls.append(operation)
        return original(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", counting)
    result = fetch()
    monkeypatch.undo()
    return result, calls


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
    got = {(r["country"], r["type"], o): r[o] for r in report["rows"] for o in rules.OUTCOMES if r[o]}
    assert got == dict(history.outcomes)
    assert sum(r["total"] for r in report["rows"]) == history.count == 2000
    for row in report["by_type"]:
        kind = row["type"]
        assert row["decided"] == len(history.decide[kind])
        assert row["decided_within_deadline"] == history.ontime[kind]
        assert close(row["median_seconds_to_acknowledge"], statistics.median_low(history.ack[kind]))
        assert close(row["median_seconds_to_decide"], statistics.median_low(history.decide[kind]))
    every_decision = [s for values in history.decide.values() for s in values]
    assert close(report["overall"]["median_seconds_to_decide"], statistics.median_low(every_decision))
    assert report["emergency"] == {
        "requests": sum(n for (_, kind, _), n in history.outcomes.items() if kind == "emergency_disclosure"),
        "failed_verification": history.failed_verification}
    assert {(m["month"], m["type"]): m["received"] for m in report["monthly"]} == dict(history.monthly)
    assert len({m["month"] for m in report["monthly"]}) == 6

    # The CSV carries the same numbers.
    sheet = client.http.get(path + "&format=csv")
    assert sheet.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(sheet.body.decode())))
    assert [{k: (int(v) if k not in {"country", "type"} else v) for k, v in row.items()} for row in rows] == \
        report["rows"]


def test_given_a_shorter_period_then_only_its_days_count(client, history):
    if history.count == 0:
        history.add(200)
    january = client.http.get("/v1/public/transparency?from=2031-01-01&to=2031-01-31").json_body
    assert {m["month"] for m in january["monthly"]} <= {"2031-01"}
    assert sum(r["total"] for r in january["rows"]) == sum(
        n for (month, _), n in history.monthly.items() if month == "2031-01")


def test_given_requests_through_the_api_then_they_are_counted_as_they_change(client, issuer):
    today = datetime.now(UTC).date().isoformat()
    path = f"/v1/public/transparency?from={today}&to={today}"

    def count(outcome):
        return sum(r[outcome] for r in client.http.get(path).json_body["rows"]
                   if (r["country"], r["type"]) == ("FR", "data_disclosure"))

    before_open, before_done = count("open"), count("fulfilled")
    created = post(client, "/v1/requests", submission(), authority(issuer, FR)).json_body
    assert count("open") == before_open + 1
    rep = bearer(issuer.mint(role="representative", sub="rep-eu-okafor", region="eu", mfa=True))
    post(client, f"/v1/requests/{created['id']}/acknowledge", {}, rep)
    post(client, f"/v1/requests/{created['id']}/decision", {"outcome": "fulfilled"}, rep)
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
def test_given_the_first_or_last_accepted_day_then_an_empty_report(client, route, query, period):
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
    if history.count == 0:
        history.add(100)
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
