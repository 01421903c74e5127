"""Small counts in the transparency report (issue 13, point 6): ``protect`` bands every small count and withholds
("T+") just enough exact figures that no band can be recovered from a published sum by subtraction."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain import transparency as rules
from chalicelib.domain.transparency import Report, protect


def _band(published, threshold):
    """The values a published figure allows: [lo, hi] (hi None: unbounded)."""
    if published == f"<{threshold}":
        return 0, threshold - 1
    if published == f"{threshold}+":
        return threshold, None
    return published, published


def _feasible(group, values, shown, threshold, key, candidate) -> bool:
    """Whether ``key`` could be ``candidate`` with the group's other published figures (checked directly)."""
    total, members = group
    others = [m for m in members if m != key]
    lo = sum(_band(shown[m], threshold)[0] for m in others)
    his = [_band(shown[m], threshold)[1] for m in others]
    hi = None if None in his else sum(his)
    if key == total:
        return candidate >= lo and (hi is None or candidate <= hi)
    t_lo, t_hi = _band(shown[total], threshold)
    # candidate + others = total, for some total in [t_lo, t_hi] and others in [lo, hi]
    return (t_hi is None or candidate + lo <= t_hi) and (hi is None or candidate + hi >= t_lo)


def _check(values, groups, shown, threshold, known=()):
    for key, value in values.items():
        published = shown[key]
        if value < threshold and key not in known:
            assert published == f"<{threshold}", (key, value, published)
        elif published == f"{threshold}+":
            assert value >= threshold, (key, value)
        elif published != f"<{threshold}":
            assert published == value, (key, value, published)
    for group in groups:
        total, members = group
        if not members:
            continue
        for key in [*members, total]:
            if shown[key] == values[key]:
                continue
            lo, hi = _band(shown[key], threshold)
            candidates = range(lo, (hi if hi is not None else values[key] + 1) + 1)
            others = [c for c in candidates if c != values[key] and _feasible(group, values, shown, threshold, key, c)]
            assert others, f"{key} = {values[key]} is pinned by {group}: {shown}"


def _table(cells: list[list[int]]):
    """A table with row totals, column totals and a grand total: the groups of a count table."""
    values, groups = {}, []
    for r, row in enumerate(cells):
        for c, value in enumerate(row):
            values[("cell", r, c)] = value
        values[("row", r)] = sum(row)
        groups.append((("row", r), [("cell", r, c) for c in range(len(row))]))
    for c in range(len(cells[0])):
        values[("col", c)] = sum(row[c] for row in cells)
        groups.append((("col", c), [("cell", r, c) for r in range(len(cells))]))
    values[("all",)] = sum(values[("row", r)] for r in range(len(cells)))
    groups.append((("all",), [("row", r) for r in range(len(cells))]))
    groups.append((("all",), [("col", c) for c in range(len(cells[0]))]))
    return values, groups


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 5).flatmap(lambda width: st.lists(
    st.lists(st.one_of(st.integers(0, 6), st.integers(0, 40)), min_size=width, max_size=width),
    min_size=1, max_size=5)), st.sampled_from([3, 5, 10]))
def test_given_any_table_then_no_band_is_pinned_by_its_row_or_column_sums(cells, threshold):
    values, groups = _table(cells)
    shown = protect(values, groups, threshold)
    _check(values, groups, shown, threshold)


def test_given_one_small_cell_beside_large_ones_then_it_is_banded_and_one_large_neighbour_withheld():
    values, groups = _table([[2, 9, 30]])
    shown = protect(values, groups, 5)
    assert shown[("cell", 0, 0)] == "<5"
    assert shown[("cell", 0, 1)] == "5+"  # else 41 − 9 − 30 = 2
    assert shown[("cell", 0, 2)] == 30 and shown[("row", 0)] == 41
    _check(values, groups, shown, 5)


def test_given_equal_exact_neighbours_then_the_figure_withheld_says_nothing_of_its_size():
    # Withholding the smallest exact member would say "x ≤ 5": with x + b = 14 − 5 = 9, x = 5 and b = 4.
    values = {"b": 4, "x": 5, "y": 5, "all": 14}
    shown = protect(values, [("all", ["b", "x", "y"])], 5)
    assert shown == {"b": "<5", "x": "5+", "y": 5, "all": 14}
    values = {"x": 30, "y": 9, "b": 2, "all": 41}
    assert protect(values, [("all", ["x", "y", "b"])], 5) == {"x": "5+", "y": 9, "b": "<5", "all": 41}


def test_given_no_small_count_then_everything_is_exact():
    values, groups = _table([[5, 9], [7, 12]])
    assert protect(values, groups, 5) == values


def test_given_two_small_cells_in_a_row_then_they_cover_each_other():
    values, groups = _table([[1, 2, 30]])
    shown = protect(values, groups, 5)
    assert (shown[("cell", 0, 0)], shown[("cell", 0, 1)], shown[("cell", 0, 2)], shown[("row", 0)]) == \
        ("<5", "<5", 30, 33)


def test_given_a_known_zero_beside_a_pinned_band_then_a_large_figure_is_withheld_never_the_zero():
    # Before: the smallest exact member was the known 0, published "5+" (false), and the 2 stayed pinned.
    values = {"a": 2, "b": 9, "c": 0, "d": 0, "all": 11}
    shown = protect(values, [("all", ["a", "b", "c", "d"])], 5, known=["c", "d"])
    assert shown == {"a": "<5", "b": "5+", "c": 0, "d": 0, "all": 11}


def test_given_a_threshold_under_three_then_it_is_refused():
    with pytest.raises(ValueError):
        protect({"a": 1}, [], 2)


def test_given_requests_in_four_months_of_a_year_then_no_month_is_pinned_and_the_report_renders():
    # Before: only months with requests were listed, so each was known to hold one or more: four listed months
    # under a total "<5" were 1 each (and the report failed).
    report = Report(date(2033, 1, 1), date(2033, 12, 31))
    for month in ("01", "03", "07", "11"):
        report.add_day(f"2033-{month}-05", {"n|FR|emergency_disclosure|open": 1})
    view = report.view()
    months = [m for m in view["monthly"] if m["type"] == "emergency_disclosure"]
    assert len(months) == 12 and {m["received"] for m in months} == {"<5"}
    assert view["emergency"]["requests"] == "<5"


def test_given_an_empty_period_then_every_figure_is_a_known_zero():
    view = Report(date(2033, 1, 1), date(2033, 1, 31)).view()
    assert view["rows"] == [] and view["monthly"] == []
    assert (view["overall"]["received"], view["overall"]["decided"]) == (0, 0)
    assert {t["received"] for t in view["by_type"]} == {0}
    assert view["emergency"] == {"requests": 0, "failed_verification": 0}


def test_given_a_country_with_one_type_then_it_gets_a_zero_row_of_every_other_type_with_requests():
    report = Report(date(2033, 1, 1), date(2033, 1, 31))
    report.add_day("2033-01-05", {"n|FR|preservation|open": 1, "n|DE|preservation|open": 20,
                                  "n|DE|data_disclosure|open": 30})
    rows = {(r["country"], r["type"]): r for r in report.view()["rows"]}
    assert set(rows) == {("DE", "data_disclosure"), ("DE", "preservation"), ("FR", "data_disclosure"),
                         ("FR", "preservation")}
    assert rows[("FR", "data_disclosure")]["total"] == "<5"
    # 30 data disclosures, DE's 30: without FR's zero row beside it, DE's would say FR's is 0.
    assert rows[("DE", "data_disclosure")]["total"] == "5+"


@pytest.mark.parametrize("threshold", [3, 10])
def test_given_another_threshold_then_bands_and_medians_follow_it(threshold):
    report = Report(date(2033, 1, 1), date(2033, 1, 31), threshold=threshold)
    report.add_day("2033-01-05", {"n|FR|preservation|fulfilled": 4, "n|FR|preservation|rejected": 1,
                                  "n|DE|preservation|fulfilled": 1, "dec|preservation|10": 6})
    view = report.view()
    assert view["small_count_threshold"] == threshold
    fr = {(r["country"], r["type"]): r for r in view["rows"]}[("FR", "preservation")]
    preservation = {t["type"]: t for t in view["by_type"]}["preservation"]
    if threshold == 3:
        assert (fr["fulfilled"], fr["rejected"], preservation["decided"]) == (4, "<3", 6)
        assert preservation["median_seconds_to_decide"] is not None  # 6 decisions: at least 3
    else:
        assert (fr["fulfilled"], fr["rejected"], preservation["decided"]) == ("<10", "<10", "<10")
        assert preservation["median_seconds_to_decide"] is None  # 6 decisions: fewer than 10
    assert f"<{threshold}" in rules.to_csv(view["rows"])
    assert "<5" not in rules.to_csv(view["rows"])  # no band of the default threshold


# --- issue 15: orders filed as EU official forms, and the answers of impossibility (Annex III) -------------------

EPOC = {"form": "EPOC", "sections": {"A": {"issuing_state": "LU", "issuing_authority": "Parquet"}, "C": {"text": "x"}}}


@pytest.mark.parametrize(("certificate", "expected"), [
    (EPOC, ("EPOC", "LU")),
    ({"form": "EPOC-PR", "sections": {"A": {"issuing_state": "MT"}}}, ("EPOC-PR", "MT")),
    ({"form": "TCO-RO", "sections": {"A": {"issuing_state": "CY", "reference": "r"}}}, ("TCO-RO", "CY")),
    ({"form": "TCO-RO", "sections": {"B": {}}}, ("TCO-RO", rules.UNKNOWN_COUNTRY)),  # no State: counted as ZZ
    ({"form": "EPOC", "sections": {"A": {"issuing_state": "F|R"}}}, ("EPOC", rules.UNKNOWN_COUNTRY)),
    ({"form": "EPOC", "sections": "A"}, ("EPOC", rules.UNKNOWN_COUNTRY)),
    ({"form": "SOMETHING", "sections": {"A": {"issuing_state": "FR"}}}, None),
    (None, None), ("EPOC", None),
])
def test_given_a_certificate_then_it_is_counted_under_its_form_and_issuing_state(certificate, expected):
    assert rules.filed_as(certificate) == expected


def test_given_a_changes_detail_then_each_annex_iii_answer_counts_once_per_reason_and_nothing_else_counts():
    detail = {"body": "x", "annex_iii": {"form": "e-Evidence Annex III", "reasons": ["incomplete", "other",
                                                                                   "incomplete"]}}
    assert rules.answer_counters(detail) == {"a3|e-Evidence Annex III|incomplete": 1,
                                             "a3|e-Evidence Annex III|other": 1}
    tco = {"tco_annex_iii": {"form": "TCO Annex III", "reasons": ["force_majeure", "incomplete"]}}
    assert rules.answer_counters(tco) == {"a3|TCO Annex III|force_majeure": 1}  # not a TCO reason: not counted
    for other in ("TCO Annex II", "e-Evidence Annex V", "e-Evidence Annex VI", "fulfilment"):
        assert rules.answer_counters({"official_answer": {"form": other, "reasons": ["incomplete"]}}) == {}
    assert rules.answer_counters({"outcome": "rejected", "annex_iii": {"form": "e-Evidence Annex III"}}) == {}


def _forms_report(threshold: int = 5) -> Report:
    report = Report(date(2033, 1, 1), date(2033, 1, 31), threshold=threshold)
    report.add_day("2033-01-05", {
        # The EPOCs are data disclosures: 9 of the 11 received, 6 of the 8 decided, all 6 within the deadline.
        "n|FR|data_disclosure|fulfilled": 8, "n|FR|data_disclosure|open": 3, "ontime|data_disclosure": 6,
        "f|EPOC|LU|received": 6, "f|EPOC|LU|decided": 5, "f|EPOC|LU|ontime": 5,
        "fack|EPOC|LU|30": 3, "fack|EPOC|LU|34": 3, "fdec|EPOC|LU|50": 5,
        # EE's decision keeps LU's exact: with none beside it, EE's and LV's banded zeros would be pinned.
        "f|EPOC|EE|received": 1, "f|EPOC|EE|decided": 1, "f|EPOC|EE|ontime": 1, "fdec|EPOC|EE|50": 1,
        "f|EPOC|LV|received": 1,
        "ack|data_disclosure|30": 3, "ack|data_disclosure|34": 3, "dec|data_disclosure|50": 6,
        "a3|e-Evidence Annex III|incomplete": 4})
    report.add_day("2033-01-20", {"f|EPOC|LU|received": 1, "fack|EPOC|LU|30": 1,
                                  "a3|e-Evidence Annex III|incomplete": 2, "a3|e-Evidence Annex III|other": 1})
    return report


def test_given_forms_tallies_then_each_form_and_state_gets_the_medians_the_types_get():
    view = _forms_report().view()
    rows = {(r["form"], r["issuing_state"]): r for r in view["by_form_and_state"]}
    lu = rules.Totals(received=7, decided=5, decided_within_deadline=5)
    lu.acknowledge.update({30: 4, 34: 3})
    lu.decide.update({50: 5})
    # The same Totals.view as the types: shares and medians computed by the same functions.
    assert rows[("EPOC", "LU")] == {"form": "EPOC", "issuing_state": "LU", **lu.view(
        {"received": 7, "decided": 5, "decided_within_deadline": 5}, 5)}
    assert rows[("EPOC", "LU")]["median_seconds_to_acknowledge"] == round(rules.bucket_value(30), 1)
    assert rows[("EPOC", "LU")]["median_seconds_to_decide"] == round(rules.bucket_value(50), 1)
    assert rows[("EPOC", "EE")]["received"] == rows[("EPOC", "LV")]["received"] == "<5"
    assert rows[("EPOC", "EE")]["median_seconds_to_acknowledge"] is None
    [epoc, epoc_pr, tco_ro] = view["by_form"]
    assert (epoc["form"], epoc["received"], epoc["decided"], epoc["share_decided_within_deadline"]) == (
        "EPOC", 9, 6, 1.0)
    assert epoc["median_seconds_to_decide"] == {t["type"]: t for t in view["by_type"]}["data_disclosure"][
        "median_seconds_to_decide"]
    # A form with no request is listed nowhere and its figures are known to be none.
    assert (epoc_pr["received"], tco_ro["decided"], epoc_pr["median_seconds_to_acknowledge"]) == (0, 0, None)
    assert {form for form, _ in rows} == {"EPOC"}


def test_given_annex_iii_tallies_then_every_reason_of_every_form_is_listed_small_ones_banded():
    view = _forms_report().view()
    answers = {(a["form"], a["reason"]): a["answers"] for a in view["annex_iii"]}
    assert list(answers) == [(form, reason) for form, reasons in rules.ANNEX_III.items() for reason in reasons]
    assert answers[("e-Evidence Annex III", "incomplete")] == 6
    assert answers[("e-Evidence Annex III", "other")] == answers[("e-Evidence Annex III", "data_not_stored")] == "<5"
    assert {answers[("TCO Annex III", reason)] for reason in rules.ANNEX_III["TCO Annex III"]} == {0}  # none sent
    assert rules.ANNEX_III["TCO Annex III"] == ("force_majeure", "de_facto_impossibility", "manifest_errors",
                                                "insufficient_information")


def test_given_a_request_not_filed_as_a_certificate_then_the_form_tables_are_empty():
    report = Report(date(2033, 1, 1), date(2033, 1, 31))
    report.add_day("2033-01-05", {"n|FR|data_disclosure|fulfilled": 30, "dec|data_disclosure|50": 30})
    view = report.view()
    assert view["by_form_and_state"] == []
    assert {(f["received"], f["decided"], f["median_seconds_to_decide"]) for f in view["by_form"]} == {(0, 0, None)}
    assert {a["answers"] for a in view["annex_iii"]} == {0}


FORM_OF = {"data_disclosure": "EPOC", "emergency_disclosure": "EPOC", "preservation": "EPOC-PR",
           "terrorist_content_removal": "TCO-RO"}
CLARIFYING = [reason for reason in rules.ANNEX_III["e-Evidence Annex III"] if reason not in rules.ENDING]
REQUEST = st.tuples(
    st.integers(1, 8),  # so many requests alike
    st.sampled_from(["FR", "DE"]), st.sampled_from(sorted(FORM_OF)), st.sampled_from(rules.OUTCOMES), st.booleans(),
    st.sampled_from([None, "CY", "EE", "LU"]),  # filed as its type's form from that State, or not as a form
    st.lists(st.sampled_from(rules.ENDING), min_size=1, unique=True),  # an ending Annex III's, if rejected
    st.lists(st.lists(st.sampled_from(CLARIFYING), min_size=1, unique=True), max_size=2))  # Annex III to clarify


def _published_range(published, threshold) -> tuple[int, float]:
    low, high = _band(published, threshold)
    return low, float("inf") if high is None else high


def _pinned_by_a_lower_bound(cells: list, bound: int, threshold: int) -> list:
    """The banded figures of ``cells`` (published values) that ``sum(cells) ≥ bound`` pins to one value, each taken
    with the others' published ranges (as a reader does with one relation)."""
    ranges = [_published_range(c, threshold) for c in cells]
    pinned = []
    for index, published in enumerate(cells):
        if not isinstance(published, str):
            continue
        low, high = ranges[index]
        others = sum(r[1] for i, r in enumerate(ranges) if i != index)
        if max(low, bound - others) == high:
            pinned.append(index)
    return pinned


def _holds(published, exact: int, threshold: int) -> bool:
    """Whether ``published`` is a true figure of ``exact``: itself, or the band it falls in."""
    return published == exact or (published == f"<{threshold}" and exact < threshold) or (
        published == f"{threshold}+" and exact >= threshold)


def _tallies(requests) -> dict[str, int]:
    """The tallies of ``requests`` (as REQUEST draws them), as the service keeps them: an order filed as an EPOC or
    EPOC-PR is rejected only by an Annex III with an ending reason, and may be asked to clarify before."""
    counters: dict[str, int] = {}
    for alike, *request in requests:
        for name, count in _tallies_of_one(*request).items():
            counters[name] = counters.get(name, 0) + alike * count
    return counters


def _tallies_of_one(country, type_, outcome, ontime, state, ending, clarifying) -> dict[str, int]:
    decided = outcome in rules.DECIDED
    counters = {f"n|{country}|{type_}|{outcome}": 1, **({f"ontime|{type_}": 1} if decided and ontime else {})}
    if state is None:
        return counters
    form = FORM_OF[type_]
    counters[f"f|{form}|{state}|received"] = 1
    if decided:
        counters[f"f|{form}|{state}|decided"] = 1
        if ontime:
            counters[f"f|{form}|{state}|ontime"] = 1
    if form in rules.E_EVIDENCE_FORMS:
        answers = list(clarifying)
        if outcome == "rejected":  # the last answer ends it: an ending reason, perhaps with one to clarify
            answers.append([*ending, *(clarifying[0] if clarifying else [])])
        for reason in (reason for reasons in answers for reason in reasons):
            name = f"a3|e-Evidence Annex III|{reason}"
            counters[name] = counters.get(name, 0) + 1
    return counters


@settings(max_examples=200, deadline=None)
@given(st.lists(REQUEST, min_size=1, max_size=40), st.sampled_from([3, 5]))
def test_given_any_forms_table_then_no_band_is_pinned_by_a_forms_total_or_an_annex_iii_count(requests, threshold):
    report = Report(date(2033, 1, 1), date(2033, 1, 31), threshold=threshold)
    report.add_day("2033-01-05", _tallies(requests))
    view = report.view()
    values, shown, groups = {}, {}, []
    for name in ("received", "decided", "decided_within_deadline"):
        for total in view["by_form"]:
            form = total["form"]
            members = [r for r in view["by_form_and_state"] if r["form"] == form]
            if not members:
                continue
            for r in members:
                key = (name, form, r["issuing_state"])
                exact = report.forms.get((form, r["issuing_state"]), rules.Totals())
                values[key], shown[key] = getattr(exact, name), r[name]  # Totals' fields are named as published
            values[(name, form)] = sum(values[(name, form, r["issuing_state"])] for r in members)
            shown[(name, form)] = total[name]
            groups.append(((name, form), [(name, form, r["issuing_state"]) for r in members]))
    _check(values, groups, shown, threshold)

    # An ending Annex III count is at most the rejected EPOC-type requests that are decided EPOCs, plus the rejected
    # preservations that are decided EPOC-PRs: published exactly only when the published figures already say that
    # many, and never pinning a rejected cell or a form's decisions, whatever it is published as.
    def low(published) -> int:
        return _published_range(published, threshold)[0]

    def high(published) -> float:
        return _published_range(published, threshold)[1]

    forms = {f["form"]: f for f in view["by_form"]}
    rejected = {form: [r["rejected"] for r in view["rows"] if FORM_OF[r["type"]] == form]
                for form in rules.E_EVIDENCE_FORMS}
    decided = {form: max(low(forms[form]["decided"]), sum(low(r["decided"]) for r in view["by_form_and_state"]
                                                          if r["form"] == form)) for form in rules.E_EVIDENCE_FORMS}
    said = sum(min(sum(low(cell) for cell in rejected[form]), decided[form]) for form in rules.E_EVIDENCE_FORMS)
    for answer in view["annex_iii"]:
        if answer["form"] != "e-Evidence Annex III" or answer["reason"] not in rules.ENDING:
            continue
        assert _holds(answer["answers"], report.annex_iii[("e-Evidence Annex III", answer["reason"])], threshold)
        if isinstance(answer["answers"], int):
            assert answer["answers"] <= said, (answer, said)
        at_least = low(answer["answers"])
        assert _pinned_by_a_lower_bound([c for form in rules.E_EVIDENCE_FORMS for c in rejected[form]], at_least,
                                        threshold) == [], answer
        assert _pinned_by_a_lower_bound([forms[form]["decided"] for form in rules.E_EVIDENCE_FORMS], at_least,
                                        threshold) == [], answer
    # A form's orders are requests of its types: an exact total of a form says no more of them than the types' own
    # figures do (their totals, what they are the sums of: rows and months, decided cells, and the figures each is
    # at least: received ≥ decided ≥ within the deadline).
    chain = ("received", "decided", "decided_within_deadline")
    types = {t["type"]: t for t in view["by_type"]}

    def said_of(type_: str, name: str) -> int:
        total = types[type_][name]
        rows = [r for r in view["rows"] if r["type"] == type_]
        months = [m["received"] for m in view["monthly"] if m["type"] == type_]
        sums = {"received": [[r["total"] for r in rows], months],
                "decided": [[r[outcome] for r in rows for outcome in rules.DECIDED]], "decided_within_deadline": []}
        return max([low(total), *(sum(low(figure) for figure in figures) for figures in sums[name]),
                    *(said_of(type_, after) for after in chain[chain.index(name) + 1:])])

    for form, total in forms.items():
        kinds = [t for t in FORM_OF if FORM_OF[t] == form]
        for name in ("received", "decided", "decided_within_deadline"):
            if isinstance(total[name], int) and total[name]:
                assert total[name] <= sum(said_of(t, name) for t in kinds), (form, name)
        # Nor of its undecided orders, open or withdrawn (received less decided, by the totals or State by State),
        # unless only bands are left of it: those say what they say ("10+" received, "<10" decided: 1 or more).
        figures = [f[name] for f in [total, *(r for r in view["by_form_and_state"] if r["form"] == form)]
                   for name in chain]
        if not any(isinstance(figure, int) and figure >= threshold for figure in figures):
            continue
        undecided = max(low(total["received"]) - high(total["decided"]), sum(
            max(0, low(r["received"]) - high(r["decided"])) for r in view["by_form_and_state"] if r["form"] == form))
        assert undecided <= sum(max(said_of(t, "received") - high(types[t]["decided"]), sum(
            low(r[outcome]) for r in view["rows"] if r["type"] == t for outcome in ("open", "withdrawn")))
            for t in kinds), form


def test_given_the_forms_then_their_csv_has_a_row_per_form_and_state_then_each_forms_totals():
    view = _forms_report().view()
    sheet = rules.to_csv(rules.form_rows(view), rules.FORM_CSV_COLUMNS).splitlines()
    assert sheet[0] == ",".join(rules.FORM_CSV_COLUMNS)
    assert sheet[1] == "EPOC,EE,<5,<5,<5,,,"  # a withheld share or median is an empty cell
    assert sheet[-3:] == [f"EPOC,all,9,6,6,1.0,{round(rules.bucket_value(30), 1)},{round(rules.bucket_value(50), 1)}",
                          "EPOC-PR,all,0,0,0,,,", "TCO-RO,all,0,0,0,,,"]


def test_given_annex_iii_reasons_that_end_an_order_then_their_counts_do_not_pin_the_rejections_they_bound():
    # A reviewer's probe: an e-Evidence Annex III naming a reason that cannot be cured ends its order rejected, so
    # each such count is at most the e-Evidence types' rejections. Both rejected cells are "<5"; data_not_stored
    # published as 8 said r_dd + r_pr ≥ 8, each at most 4: both 4.
    report = Report(date(2033, 1, 1), date(2033, 1, 31))
    report.add_day("2033-01-05", {"n|FR|data_disclosure|fulfilled": 10, "n|FR|data_disclosure|rejected": 4,
                                  "n|FR|preservation|fulfilled": 10, "n|FR|preservation|rejected": 4,
                                  "a3|e-Evidence Annex III|data_not_stored": 8})
    view = report.view()
    rows = {(r["country"], r["type"]): r for r in view["rows"]}
    rejected = [rows[("FR", "data_disclosure")]["rejected"], rows[("FR", "preservation")]["rejected"]]
    assert rejected == ["<5", "<5"]
    answers = {(a["form"], a["reason"]): a["answers"] for a in view["annex_iii"]}
    published = answers[("e-Evidence Annex III", "data_not_stored")]
    assert _pinned_by_a_lower_bound(rejected, _published_range(published, 5)[0], 5) == []
    assert published == "5+"  # all a reader may know: at least 5, so each rejected cell at least 1


def _forms_view(counters: dict[str, int]) -> dict:
    report = Report(date(2033, 1, 1), date(2033, 1, 31))
    report.add_day("2033-01-05", counters)
    return report.view()


def _low(published, threshold=5) -> int:
    return _published_range(published, threshold)[0]


def test_given_a_forms_total_above_its_types_withheld_total_then_it_does_not_pin_the_types_rows():
    # The removal orders' 8 requests, 4 from FR and 4 from DE: both rows "<5", so the type's total is withheld
    # ("5+"). All 8 were filed as TCO-RO from CY: that form's 8 received, exact, said the rows hold at least 8.
    view = _forms_view({"n|FR|terrorist_content_removal|fulfilled": 4, "n|DE|terrorist_content_removal|fulfilled": 4,
                        "f|TCO-RO|CY|received": 8, "f|TCO-RO|CY|decided": 8, "f|TCO-RO|CY|ontime": 8})
    rows = [r["total"] for r in view["rows"] if r["type"] == "terrorist_content_removal"]
    decided = [r["fulfilled"] for r in view["rows"] if r["type"] == "terrorist_content_removal"]
    assert rows == decided == ["<5", "<5"]
    [tco] = [f for f in view["by_form"] if f["form"] == "TCO-RO"]
    [cy] = view["by_form_and_state"]
    for name in ("received", "decided", "decided_within_deadline"):
        assert _pinned_by_a_lower_bound(rows, max(_low(tco[name]), _low(cy[name])), 5) == [], name


def test_given_an_epoc_total_above_its_two_types_bands_then_it_does_not_pin_them():
    # 4 data disclosures and 4 emergency disclosures, all filed as EPOC: 8 EPOCs said each type received 4.
    view = _forms_view({"n|FR|data_disclosure|fulfilled": 4, "n|FR|emergency_disclosure|fulfilled": 4,
                        "f|EPOC|LU|received": 8, "f|EPOC|LU|decided": 8, "f|EPOC|LU|ontime": 8})
    types = {t["type"]: t for t in view["by_type"]}
    received = [types["data_disclosure"]["received"], types["emergency_disclosure"]["received"]]
    assert received == ["<5", "<5"]
    [epoc] = [f for f in view["by_form"] if f["form"] == "EPOC"]
    [lu] = view["by_form_and_state"]
    assert _pinned_by_a_lower_bound(received, max(_low(epoc["received"]), _low(lu["received"])), 5) == []


def test_given_a_forms_undecided_orders_then_they_do_not_pin_the_open_and_withdrawn_cells():
    # 13 preservations from FR: 5 fulfilled, 4 open, 4 withdrawn, all filed as EPOC-PR from MT. 13 received and 5
    # decided, both exact, said 8 are open or withdrawn: both cells "<5", so 4 each.
    view = _forms_view({"n|FR|preservation|fulfilled": 5, "n|FR|preservation|open": 4,
                        "n|FR|preservation|withdrawn": 4, "f|EPOC-PR|MT|received": 13, "f|EPOC-PR|MT|decided": 5,
                        "f|EPOC-PR|MT|ontime": 5})
    [row] = view["rows"]
    cells = [row["open"], row["withdrawn"]]
    assert cells == ["<5", "<5"]
    [mt] = view["by_form_and_state"]
    [total] = [f for f in view["by_form"] if f["form"] == "EPOC-PR"]
    undecided = max(_low(mt["received"]) - _published_range(mt["decided"], 5)[1],
                    _low(total["received"]) - _published_range(total["decided"], 5)[1])
    assert _pinned_by_a_lower_bound(cells, undecided, 5) == []


def test_given_rejections_published_exactly_then_the_annex_iii_counts_they_hold_stay_exact():
    # 10 rejected data disclosures, all EPOCs decided: 8 answers naming data_not_stored say no more than that.
    view = _forms_view({"n|FR|data_disclosure|fulfilled": 20, "n|FR|data_disclosure|rejected": 10,
                        "f|EPOC|LU|received": 30, "f|EPOC|LU|decided": 30, "f|EPOC|LU|ontime": 30,
                        "ontime|data_disclosure": 30, "a3|e-Evidence Annex III|data_not_stored": 8,
                        "a3|e-Evidence Annex III|incomplete": 12})
    answers = {(a["form"], a["reason"]): a["answers"] for a in view["annex_iii"]}
    assert answers[("e-Evidence Annex III", "data_not_stored")] == 8
    assert answers[("e-Evidence Annex III", "incomplete")] == 12  # a reason to clarify bounds nothing
    assert view["by_form_and_state"][0]["received"] == 30


def test_given_a_forms_banded_decisions_then_its_received_says_only_what_the_bands_allow_and_stays_exact():
    # 6 removal orders, all open: the type's row says "5+" open. The form's 6 received beside "<5" decided say
    # at least 2 open or withdrawn, which the row says already: 6 stays exact.
    view = _forms_view({"n|FR|terrorist_content_removal|open": 6, "f|TCO-RO|PT|received": 6})
    [row] = view["rows"]
    assert (row["open"], row["total"]) == ("5+", 6)
    [pt] = view["by_form_and_state"]
    assert (pt["received"], pt["decided"]) == (6, "<5")
