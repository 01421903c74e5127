"""Issue 16: the transparency report counts user notice per period (by day received): the notices given, the requests
whose notice a non-disclosure order withheld (once each, however often the order is renewed, replaced or ended and
declared again) and the disclosures fulfilled with the notice delayed until the emergency has passed.

Given requests filed and handled through the API today (the application clock frozen at the real time), then, once
the day is closed, the report (JSON, CSV, page) counts them by type and over all types, through the same small-count
protection as every other figure. Other tests file requests today too, so the change this module made is checked on
the exact, unpublished tallies, and every published figure must hold them; exact figures and their protection are
checked on a closed day of their own, written with the very operations the API's transactions add.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.clock import FixedClock, app_clock, isoformat
from chalicelib.api import page
from chalicelib.domain import transparency as rules
from chalicelib.domain.deadlines import RequestType
from chalicelib.services import transparency
from chalicelib.store.requests import Change
from tests.helpers import FR, bearer, post, submission
from tests.integration.test_certificates import epoc
from tests.integration.test_user_notice import stored_document
from tests.integration.test_transparency import History, _request, holds, read_calls

VERIFIED = {"method": "phone_callback", "number_source": "official_directory", "outcome": "confirmed",
            "note": "Called the Valmont switchboard from the ministry directory; Lt. Lefevre confirmed."}
NOTICE = {"channel": "email", "text": "An authority asked us for data of your account; we are handing over "
                                      "subscriber data in seven days unless a court stops it."}
FIGURES = tuple(rules.NOTICE_FIGURES.values())  # notices_given, withheld_under_prohibition, notice_delayed


class Desk:
    """Filing and answering through the API, with tokens minted on the frozen application clock."""

    def __init__(self, client, issuer, clock: FixedClock) -> None:
        self.client, self.issuer, self.clock = client, issuer, clock

    def officer(self) -> dict:
        return bearer(self.issuer.mint(role="authority", sub="officer-1", agency_id=FR, mfa=True,
                                       now=self.clock.now().timestamp()))

    def rep(self, sub: str = "rep-eu-okafor") -> dict:
        return bearer(self.issuer.mint(role="representative", sub=sub, region="eu", mfa=True,
                                       now=self.clock.now().timestamp()))

    def order(self, days: int = 30, **extra) -> dict:
        until = (self.clock.now() + timedelta(days=days)).date().isoformat()
        return {"legal_basis": "18 USC 2705(b), order of the District Court, case 26-mj-104", "until": until, **extra}

    def file(self, kind: str, **overrides) -> dict:
        created = post(self.client, "/v1/requests", submission(kind, **overrides), self.officer())
        assert created.status_code == 201, created.body
        request = created.json_body
        self.act(request, "acknowledge", {})
        return request

    def act(self, request: dict, path: str, body: dict, *, by_officer: bool = False, sub: str | None = None) -> dict:
        headers = self.officer() if by_officer else self.rep(sub or request["assignee"])
        response = post(self.client, f"/v1/requests/{request['id']}/{path}", body, headers)
        assert response.status_code == 200, (path, response.body)
        return response.json_body

    def notify(self, request: dict) -> dict:
        return self.act(request, "user-notice", NOTICE)

    def decide(self, request: dict, outcome: str = "fulfilled") -> dict:
        return self.act(request, "decision", {"outcome": outcome, **({"reason": "overbroad"}
                                                                     if outcome == "rejected" else {})})

    def declare(self, request: dict, days: int = 30) -> dict:
        """The authority declares (or replaces) a non-disclosure order, its document uploaded first."""
        document = stored_document(self.client, self.issuer, self.clock, request["id"])
        return self.act(request, "non-disclosure", self.order(days, document_id=document), by_officer=True)

    def end(self, request: dict) -> dict:
        return self.act(request, "non-disclosure/end", {"reason": "The court lifted the order."}, by_officer=True)


def exact(day) -> rules.Report:
    """The day's exact tallies, as the report reads them before anything is banded."""
    return transparency.report(day, day)


def added(before: rules.Report, after: rules.Report) -> dict[tuple[str, str], int]:
    return {key: after.notices[key] - before.notices[key] for key in set(after.notices) | set(before.notices)
            if after.notices[key] != before.notices[key]}


@pytest.fixture(scope="module")
def handled(client, issuer):
    """The requests of this module, filed and handled today; afterwards the clock stands on the next day, so
    today is closed and reported."""
    previous, clock = app_clock.source, FixedClock(datetime.now(UTC))
    app_clock.source = clock
    try:
        desk = Desk(client, issuer, clock)
        day = clock.now().date()
        before = exact(day)
        # Six data disclosures: the user told first, then the data handed over.
        for _ in range(6):
            request = desk.file("data_disclosure")
            desk.notify(request)
            desk.decide(request)
        # Two removals: acted on, then the user told.
        for _ in range(2):
            request = desk.file("content_removal")
            desk.decide(request)
            desk.notify(request)
        # Three disclosures with an order declared in the submission: one renewed (replaced), then the data go while
        # it runs (withheld, once); one fulfilled at once (withheld); one rejected (nothing withheld).
        at_filing = [desk.file("data_disclosure", non_disclosure=desk.order()) for _ in range(3)]
        desk.declare(at_filing[0], days=60)
        desk.decide(at_filing[0])
        desk.decide(at_filing[1])  # the data may go while the order runs; the notice waits for its end
        desk.decide(at_filing[2], "rejected")
        # Three with an order declared later, none decided (nothing withheld yet): one renewed, one ended, declared
        # again, then ended and the user told.
        later = [desk.file("data_disclosure") for _ in range(3)]
        for request in later:
            desk.declare(request)
        desk.declare(later[0], days=90)
        desk.end(later[1])
        desk.declare(later[1], days=10)
        desk.end(later[1])
        desk.notify(later[1])
        # A removal acted on, then an order declared before the user was told: withheld, once, though renewed.
        removal = desk.file("content_removal")
        desk.decide(removal)
        desk.declare(removal)
        desk.declare(removal, days=60)
        # A removal whose order ended before it was acted on (nothing withheld then), given a new order after it:
        # withheld from then, counted once.
        ended_first = desk.file("content_removal", non_disclosure=desk.order())
        desk.end(ended_first)
        desk.decide(ended_first)
        desk.declare(ended_first)
        # An EPOC's notice is the issuing authority's (e-Evidence Art. 13): an order declared with it withholds
        # nothing of the platform's, and is not counted.
        desk.file("data_disclosure", certificate=epoc(), data_categories=["subscriber"], non_disclosure=desk.order())
        # Emergencies: three fulfilled, their notice delayed; one rejected (no notice owed); one with an order at
        # filing, fulfilled: its notice is withheld, not delayed.
        emergencies = [desk.file("emergency_disclosure") for _ in range(4)]
        prohibited_emergency = desk.file("emergency_disclosure", non_disclosure=desk.order())
        for request in [*emergencies, prohibited_emergency]:
            other = "rep-eu-lindqvist" if request["assignee"] != "rep-eu-lindqvist" else "rep-eu-okafor"
            desk.act(request, "verification", VERIFIED, sub=other)  # another than the one deciding
        delayed = [desk.decide(request) for request in emergencies[:3]]
        rejected = desk.decide(emergencies[3], "rejected")
        fulfilled_under_order = desk.decide(prohibited_emergency)
        after = exact(day)
        clock.advance(datetime.combine(day + timedelta(days=1), datetime.min.time(), UTC) + timedelta(hours=12)
                      - clock.now())
        yield {"day": day.isoformat(), "before": before, "after": after, "delayed": delayed, "rejected": rejected,
               "fulfilled_under_order": fulfilled_under_order}
    finally:
        app_clock.source = previous


def report_of(client, day: str, extra: str = ""):
    response = client.http.get(f"/v1/public/transparency?from={day}&to={day}{extra}")
    assert response.status_code == 200, response.body
    return response


def test_given_notices_given_withheld_and_delayed_then_each_request_is_counted_once_where_it_belongs(handled):
    # The requests as the API left them: the emergencies' notices delayed, the rejected one's not owed, and the one
    # under an order withheld.
    assert {r["user_notice"]["state"] for r in handled["delayed"]} == {"delayed"}
    assert handled["rejected"]["user_notice"]["state"] == "not_applicable"
    assert handled["fulfilled_under_order"]["user_notice"]["state"] == "prohibited"
    assert added(handled["before"], handled["after"]) == {
        ("data_disclosure", "given"): 7,  # six told before the disclosure, one after its order ended
        ("content_removal", "given"): 2,
        ("data_disclosure", "prohibited"): 2,  # fulfilled under an order: renewals not again, a rejection not at all
        ("content_removal", "prohibited"): 2,  # an order declared after the removal (renewed; or after one ended)
        ("emergency_disclosure", "prohibited"): 1,
        ("emergency_disclosure", "delayed"): 3,
    }


def test_given_the_closed_day_then_every_published_notice_figure_holds_the_exact_tallies(client, handled):
    report = report_of(client, handled["day"]).json_body
    after = handled["after"]
    rows = {row["type"]: row for row in report["user_notices"]}
    assert list(rows) == [kind.value for kind in RequestType]  # every type listed, as in by_type
    for type_, row in rows.items():
        for figure, name in rules.NOTICE_FIGURES.items():
            assert holds(row[name], after.notices[(type_, figure)]), (type_, name, row)
    for figure, name in rules.NOTICE_FIGURES.items():
        assert holds(report["user_notices_total"][name],
                     sum(count for (_, each), count in after.notices.items() if each == figure)), name
    # Figures a type can never have are known zeros, published as 0, not as a band.
    assert rows["preservation"] == {"type": "preservation", **{name: 0 for name in FIGURES}}
    assert rows["content_removal"]["notice_delayed"] == rows["terrorist_content_removal"]["notice_delayed"] == 0


def test_given_the_report_then_its_reads_stay_one_query_of_the_tallies(client, handled, monkeypatch):
    response, calls = read_calls(monkeypatch, lambda: client.http.get(
        f"/v1/public/transparency?from={handled['day']}&to={handled['day']}"))
    assert response.status_code == 200 and calls == ["Query"]
    page, calls = read_calls(monkeypatch, lambda: client.http.get(
        f"/v1/public?from={handled['day']}&to={handled['day']}"))
    assert page.status_code == 200 and calls.count("Query") == 1


def test_given_the_csv_then_it_carries_the_notices_as_the_json_does(client, handled):
    day = handled["day"]
    report = report_of(client, day).json_body
    sheet = report_of(client, day, "&format=csv&table=user_notices")
    assert sheet.headers["Content-Disposition"].endswith(f'liaison-transparency-user-notices-{day}-{day}.csv"')
    assert sheet.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(sheet.body.decode())))
    assert tuple(rows[0]) == rules.NOTICE_CSV_COLUMNS == ("type", *FIGURES)
    expected = [*report["user_notices"], {"type": "all", **report["user_notices_total"]}]
    assert rows == [{column: str(row[column]) for column in rules.NOTICE_CSV_COLUMNS} for row in expected]


def test_given_the_public_page_then_it_shows_the_notices_in_words_and_a_table(client, handled):
    day = handled["day"]
    report = report_of(client, day).json_body
    html = client.http.get(f"/v1/public?from={day}&to={day}").body.decode()
    assert '<h3 id="user-notice" class="part">Telling the people concerned</h3>' in html
    assert "Of the requests received in this period, the person concerned was told for" in html
    summary = html[html.index('<p id="user-notice-summary">'):]
    summary = " ".join(summary[:summary.index("</p>")].split())
    total = report["user_notices_total"]
    assert all(f" {page._requests_words(total[name])}".replace("<5", "&lt;5") in summary for name in FIGURES)
    assert "on 0;" not in summary and " requests requests" not in summary
    assert "table=user_notices" in html
    assert 'caption id="user-notice-table-caption">Notices to the people concerned, by type of request' in html
    assert '<th scope="col" class="n">Withheld under a non-disclosure order</th>' in html
    data = next(row for row in report["user_notices"] if row["type"] == "data_disclosure")
    assert ('<tr><th scope="row">Data disclosure</th>' + "".join(f'<td class="n">{data[name]}</td>'.replace(
        "<5", "&lt;5") for name in FIGURES) + "</tr>") in html
    assert '<tr class="total"><th scope="row">All types</th>' in html
    assert "withheld_under_prohibition" not in html and "notice_delayed" not in html  # figures in words


# --- a closed day of its own: exact figures, and the protection ---------------------------------------------------

RECEIVED = datetime(2025, 4, 8, 9, tzinfo=UTC)


def _write(index: int, kind: str, changes: list[tuple[str, dict]], *, prohibited_at_filing: bool = False) -> None:
    """A request of ``kind`` received on RECEIVED's day, and the tallies of its ``changes``, written with the very
    operations the API's transactions add."""
    item = _request(index, RECEIVED, kind, "FR")
    item.notice_state = "prohibited" if prohibited_at_filing else None
    History._write(transparency.on_submit(item))
    at = RECEIVED
    for change_kind, detail in changes:
        at += timedelta(minutes=5)
        History._write(transparency.on_change(item, Change(change_kind, "representative", "r", isoformat(at),
                                                           detail)))
        if change_kind == "decided":
            item.status = detail["outcome"]
        if change_kind == "non_disclosure_declared":
            item.user_notice = {**(item.user_notice or {}), "prohibition": detail["prohibition"]}


@pytest.fixture(scope="module")
def closed_day(client):
    told = ("user_notice_recorded", {"at": "x", "channel": "email", "by": "r", "text": "t"})
    fulfilled = ("decided", {"outcome": "fulfilled"})
    prohibition = {"legal_basis": "x", "until": "2025-06-01"}
    first = ("non_disclosure_declared", {"prohibition": prohibition})
    first_withholding = ("non_disclosure_declared", {"prohibition": prohibition, "notice_withheld": True})
    renewed = ("non_disclosure_declared", {"prohibition": prohibition, "replaces": prohibition})
    # Seven disclosures (five fulfilled, one partially, one rejected, so their row stays exact): six told; two
    # fulfilled under an order declared at filing, one given an order after it was fulfilled, renewed; the
    # rejected one's order withheld nothing.
    outcomes = ["fulfilled"] * 5 + ["partially_fulfilled", "rejected"]
    for index, outcome in enumerate(outcomes):
        under_order = {"user_notice": {"state": "prohibited"}} if index < 2 else {}
        changes = [*([told] if index < 6 else []), ("decided", {"outcome": outcome, **under_order}),
                   *([first_withholding, renewed] if index == 5 else [first, renewed] if index == 6 else [])]
        _write(80_000 + index, "data_disclosure", changes, prohibited_at_filing=index < 2)
    for index in range(6):  # six emergencies fulfilled with the notice delayed
        _write(80_100 + index, "emergency_disclosure", [
            ("decided", {"outcome": "fulfilled", "user_notice": {"state": "delayed", "due_at": "2025-04-22T09:05Z"}})])
    _write(80_200, "content_removal", [fulfilled, told])
    # A preservation, so that the types' received figures (7, 6 and two bands) stay exact: with one band beside
    # them, their total would pin it.
    _write(80_300, "preservation", [fulfilled])
    return RECEIVED.date().isoformat()


def test_given_a_closed_day_then_large_figures_are_exact_small_ones_banded_and_none_undone_by_the_total(
        client, closed_day):
    report = report_of(client, closed_day).json_body
    rows = {row["type"]: row for row in report["user_notices"]}
    # Given: 6 and 1 beside a band of 0: the total 7 leaves the bands two values each, so the large figures stay.
    assert rows["data_disclosure"]["notices_given"] == 6 and report["user_notices_total"]["notices_given"] == 7
    assert rows["content_removal"]["notices_given"] == rows["emergency_disclosure"]["notices_given"] == "<5"
    # Withheld: three (two at filing, one declared later and renewed): small, banded, their total too.
    assert rows["data_disclosure"]["withheld_under_prohibition"] == "<5"
    assert report["user_notices_total"]["withheld_under_prohibition"] == "<5"
    # Delayed: 6 emergencies beside the data disclosures' 0: the total 6 would pin that band to 0, so the 6 is
    # withheld as "5+" (the total stays exact: the band can be 0 or 1). Exact, it would also say more of the
    # fulfilled emergencies than their own row does ("5+").
    assert rows["emergency_disclosure"]["notice_delayed"] == "5+"
    assert rows["data_disclosure"]["notice_delayed"] == "<5"
    assert report["user_notices_total"]["notice_delayed"] == 6
    # A type with no request that day, and figures a type never has, are known zeros.
    assert rows["preservation"] == {"type": "preservation", **{name: 0 for name in FIGURES}}
    assert rows["terrorist_content_removal"] == {"type": "terrorist_content_removal", **{name: 0 for name in FIGURES}}
    assert rows["content_removal"]["notice_delayed"] == 0
    exact_day = exact(RECEIVED.date()).notices
    assert (exact_day[("data_disclosure", "prohibited")], exact_day[("emergency_disclosure", "delayed")]) == (3, 6)


def test_given_more_delayed_notices_than_the_fulfilments_show_then_they_are_withheld():
    """A delayed notice comes with a fulfilment: a type's delayed notices published exactly must not say more of its
    fulfilled and partially fulfilled requests than their own (banded) cells do."""
    report = rules.Report(RECEIVED.date(), RECEIVED.date())
    report.add_day(RECEIVED.date().isoformat(), {
        "n|FR|emergency_disclosure|fulfilled": 3, "n|FR|emergency_disclosure|partially_fulfilled": 3,
        "u|emergency_disclosure|delayed": 6})
    view = report.view()
    rows = {row["type"]: row for row in view["user_notices"]}
    [cells] = view["rows"]
    assert (cells["type"], cells["fulfilled"], cells["partially_fulfilled"]) == ("emergency_disclosure", "<5", "<5")
    # Exact, 6 would say the two cells "<5" hold 6, so the rejected one beside them (decided 6) holds none.
    assert rows["emergency_disclosure"]["notice_delayed"] == "5+"
    assert view["user_notices_total"]["notice_delayed"] == "5+"
    assert view["by_type"][3]["type"] == "emergency_disclosure" and view["by_type"][3]["decided"] == 6
