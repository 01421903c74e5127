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
