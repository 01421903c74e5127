"""Transparency reports (DSA Art. 15): counts and median times, from tallies kept as requests change.

Counters are named strings, so they can be added to inside any DynamoDB transaction without declaring them:

- ``n|<country>|<type>|<outcome>``: requests received that day, by their current outcome
  (``open`` until decided or withdrawn; a decision moves one from ``open`` to its outcome);
- ``ack|<type>|<bucket>`` and ``dec|<type>|<bucket>``: how long acknowledging and deciding took;
- ``ontime|<type>``: decisions made by ``due_at``; ``vfail|<country>``: requests whose call-back failed;
- for a request filed as an EU official certificate (issue 15), by its form and issuing Member State (section A's
  ``issuing_state``): ``f|<form>|<state>|received``, ``f|<form>|<state>|decided``, ``f|<form>|<state>|ontime``,
  and the times ``fack|<form>|<state>|<bucket>`` and ``fdec|<form>|<state>|<bucket>``, bucketed as above;
- ``a3|<annex>|<reason>``: the Annex III answers (impossibility to execute) sent, once per reason they name;
- user notice (issue 16), by type: ``u|<type>|given``, notices given to the user (recorded); ``u|<type>|prohibited``,
  requests whose notice a non-disclosure order withheld, once each: fulfilled while an order ran, or given a first
  order after the fulfilment (a renewal or replacement is not counted again; a request rejected or withdrawn
  withheld nothing); ``u|<type>|delayed``, disclosures fulfilled with the notice delayed until the emergency has
  passed.

Times go into fixed logarithmic buckets, four per doubling: bucket ``k ≥ 1`` holds durations in
``[2^((k-1)/4), 2^(k/4))`` seconds, bucket 0 those under a second. A median is reported as the geometric middle
of the bucket that holds it, so it is within ``MEDIAN_RELATIVE_ERROR`` (about 9.1 %) of the true value (or
under a second off, below one second). The median is the lower one: the ⌈n/2⌉-th smallest duration.

Privacy (issue 13, point 6): a report covers closed days only (the service caps it at the last reportable day), and
every figure goes through :func:`protect` before it is published: small counts are banded and totals are checked so
that no band can be undone by subtraction, nor by what a form's orders or the Annex III answers that end an order
are part of (:meth:`Report._parts`). Medians and shares are withheld (null) when fewer than the threshold of
values make them, or when their numerator or denominator is not published exactly.
"""

from __future__ import annotations

import csv
import functools
import io
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple, TypeVar

from chalicelib.domain import certificates
from chalicelib.domain.deadlines import RequestType

OUTCOMES = ("fulfilled", "partially_fulfilled", "rejected", "withdrawn", "open")
DECIDED = ("fulfilled", "partially_fulfilled", "rejected")
PER_DOUBLING = 4
MEDIAN_RELATIVE_ERROR = 2 ** (1 / (2 * PER_DOUBLING)) - 1
MEDIAN_METHOD = (
    f"lower median (the ceil(n/2)-th value) from logarithmic buckets, {PER_DOUBLING} per doubling: "
    f"within {MEDIAN_RELATIVE_ERROR:.1%} of the exact value, or under 1 s below one second"
)
MAX_DAYS = 366
UNKNOWN_COUNTRY = "ZZ"  # requests filed before their jurisdiction was recorded

# The EU official forms an order may be filed as, in the report's order, and the forms of impossibility (Annex III)
# the platform answers them with, each with the reasons it can name (a reason counts only if its form has it).
FORMS = tuple(certificates.FORMS)
ANNEX_III: dict[str, tuple[str, ...]] = {
    "e-Evidence Annex III": tuple(reason.value for reason in certificates.ImpossibilityReason),
    "TCO Annex III": tuple(reason.value for reason in certificates.TcoImpossibilityReason),
}
FORM_FIGURES = ("received", "decided", "ontime")
# The e-Evidence Annex III answers an EPOC or an EPOC-PR (certificates.check_annex_iii); naming any reason the issuing
# authority cannot cure by clarifying (not in certificates.CLARIFIABLE), it ends the order rejected. A TCO Annex III
# only stops the clock.
E_EVIDENCE_ANNEX, E_EVIDENCE_FORMS = "e-Evidence Annex III", ("EPOC", "EPOC-PR")
ENDING = tuple(reason.value for reason in certificates.ImpossibilityReason if reason not in certificates.CLARIFIABLE)
# A population's figures, each at least the next: received ≥ decided ≥ decided within the deadline (≥ 0). The parts
# of it the report's figures can bound, as spans (i, j) of that chain, x_i − x_j with x_3 = 0: received, decided,
# within the deadline, undecided (open or withdrawn), late, and not within the deadline.
SPANS = ((0, 3), (1, 3), (2, 3), (0, 1), (1, 2), (0, 2))
# User notice (issue 16): the tallies' names of its figures, and the names the report publishes them under.
NOTICE_FIGURES = {"given": "notices_given", "prohibited": "withheld_under_prohibition", "delayed": "notice_delayed"}
# Figures a type can never have, which readers know are 0 (the notice policy allows no other): a preservation
# discloses nothing, so no notice, no order withholding one; only a disclosure's notice may be delayed.
NOTICE_NEVER = frozenset(
    {(RequestType.PRESERVATION.value, figure) for figure in NOTICE_FIGURES}
    | {
        (kind.value, "delayed")
        for kind in RequestType
        if kind not in (RequestType.DATA_DISCLOSURE, RequestType.EMERGENCY_DISCLOSURE)
    }
)


def bucket(seconds: float) -> int:
    if seconds < 1:
        return 0
    return 1 + math.floor(PER_DOUBLING * math.log2(seconds))


def bucket_value(index: int) -> float:
    """The geometric middle of a bucket: the value reported for every duration in it."""
    if index == 0:
        return 0.5
    return 2 ** ((index - 0.5) / PER_DOUBLING)


def lower_median(histogram: Mapping[int, int]) -> float | None:
    total = sum(histogram.values())
    if total == 0:
        return None
    rank, seen = math.ceil(total / 2), 0
    for index in sorted(histogram):
        seen += histogram[index]
        if seen >= rank:
            return bucket_value(index)
    raise AssertionError("unreachable")


Figure = int | str  # a published count: exact, or a band ("<5", "5+")
K = TypeVar("K", bound=Hashable)


def below(threshold: int) -> str:
    """The band of a count below ``threshold``: 0 to threshold − 1."""
    return f"<{threshold}"


def at_least(threshold: int) -> str:
    """The band of a count of ``threshold`` or more, withheld only so that a small band cannot be undone."""
    return f"{threshold}+"


def _bounds(value: int, published: Figure, threshold: int) -> tuple[int, float]:
    if published == below(threshold):
        return 0, threshold - 1
    if published == at_least(threshold):
        return threshold, math.inf
    return value, value


def _determined(
    values: Mapping[K, int], shown: Mapping[K, Figure], total: K, members: Sequence[K], threshold: int
) -> bool:
    """Whether a banded figure of the group ``total = sum(members)`` is pinned to one value by the others. For one
    sum with each figure in an interval, the values a figure can take are exactly the integers of
    [max(lo, T_lo − Σ other hi), min(hi, T_hi − Σ other lo)] (the total counts as −1 × itself)."""
    figures = [(key, 1) for key in members] + [(total, -1)]
    bounds = {key: _bounds(values[key], shown[key], threshold) for key, _ in figures}
    for key, _ in figures:
        if shown[key] == values[key]:
            continue
        # members − total = 0, so sign·key = −Σ other sign·figure
        low = high = 0.0
        sign = 1 if key != total else -1
        for other, other_sign in figures:
            if other == key:
                continue
            lo, hi = bounds[other]
            # contribution of −other_sign·other, divided by sign
            a, b = -other_sign * lo * sign, -other_sign * hi * sign
            low, high = low + min(a, b), high + max(a, b)
        lo, hi = bounds[key]
        if max(lo, low) == min(hi, high):
            return True
    return False


Interval = Callable[[Any], tuple[float, float]]  # a figure's published range: [lo, hi], hi possibly infinite


class Bound(NamedTuple):
    """A relation readers know that is no published sum: some requests are part of others, so the part is at most
    the whole. Each side reads a lower bound from the figures' published ranges: ``smaller``, of the part, no less
    than the best a reader can tell (the part as some values the published figures allow have it); ``larger``, of
    the whole, a true one. ``victims``: the part's figures, in the order they may be withheld."""

    smaller: Callable[[Interval], float]
    larger: Callable[[Interval], float]
    victims: tuple


def protect(
    values: Mapping[K, int],
    groups: Sequence[tuple[K, Sequence[K]]],
    threshold: int,
    known: Iterable[K] = (),
    bounds: Sequence[Bound] = (),
) -> dict[K, Figure]:
    """What may be published of ``values``, whose ``groups`` are published sums (``total = sum(members)``).

    The rule (statistical disclosure control: primary and complementary cell suppression):

    1. *Primary*: every count below ``threshold`` (zero included) is published as the band ``"<T"`` (0..T−1), so
       a small cell cannot be told from zero or from its neighbours, and a change of one in it does not show
       (except figures in ``known``).
    2. *Complementary*: then, for each group, a band must not be recoverable from the group's other published
       figures: with exact figures ``v``, bands ``"<T"`` (0..T−1) and ``"T+"`` (T or more), every banded figure
       of the group must still be able to take at least two values. While some group pins one down, one more of
       its figures is withheld as ``"T+"``: its first exact member of at least T in the group's order, or, when
       there is none, its total. The choice is by place, not by size: were it the smallest, "5+" would also say
       "no more than the exact members beside it", and with two equal ones (a band of 4, then 5 and 5, total 14:
       x + b = 9, 5 ≤ x ≤ 5) that alone would pin the band. Only a figure of at least T is ever withheld so (a
       small figure in ``known`` stays exact), so ``"T+"`` is always true. Each step withholds one more figure,
       so this ends; a group with no band is never touched, so large figures stay exact unless a small one beside
       them needs cover.
    3. *Bounds*: a part is at most its whole (:class:`Bound`), so what a reader can tell of the part is a lower
       bound of the whole, beside its bands (8 Annex III answers that end an order, beside the two rejected cells
       "<5" they are part of: 4 each). While the part's figures let a reader tell more of it than the whole's own
       published figures say the whole holds, one more of them of at least T is withheld as ``"T+"`` (the first
       that lowers it, else the first). Once they do not, the relation rules out no value the whole's figures
       allow (values the part's figures allow fit under each), so it tells nothing of the whole, alone or beside
       the groups. When nothing exact is left, the part's bands still say what they say (one Annex III count
       "5+": the two cells "<5" hold at least 5 together, each still 1 to 4).

    With T ≥ 3 and every band starting at 0, a group whose figures are all bands (or known) never pins one, so
    a group can always be covered. The caller must therefore publish no lower bound beside a band: a listed
    row or month is known to hold at least one request, so :meth:`Report.view` lists zero rows and months too.

    ``values`` maps every figure (members and totals) to its exact count; ``known`` names figures published exactly
    whatever their size because they are known anyway (a type with no request at all has received 0). The
    guarantee is per group (a row or a column of the table, by subtraction); combining several groups' equations
    is not ruled out. A bound guards its whole only: what the whole's figures say of the part (no more than them)
    is left to the part's own groups.
    """
    if threshold < 3:
        raise ValueError("the threshold is at least 3: below it a band of a group's total could be undone")
    known = set(known)
    shown: dict[K, Figure] = {
        key: (below(threshold) if value < threshold and key not in known else value) for key, value in values.items()
    }

    def interval(key: K) -> tuple[float, float]:
        return _bounds(values[key], shown[key], threshold)

    changed = True
    while changed:
        changed = False
        for total, members in groups:
            if not members:  # nothing listed under it: it is known to be 0 anyway
                continue
            while _determined(values, shown, total, members, threshold):
                exact = [key for key in members if shown[key] == values[key] and values[key] >= threshold]
                if exact:
                    victim = exact[0]  # by place, not by size: see the docstring
                elif shown[total] == values[total] and values[total] >= threshold:
                    victim = total
                else:  # pragma: no cover - bands from 0, T ≥ 3: a group of bands and known figures never pins
                    raise AssertionError("a group of bands and known figures cannot pin one down")
                shown[victim] = at_least(threshold)
                changed = True
        for bound in bounds:
            while bound.smaller(interval) > bound.larger(interval):
                exact = [key for key in bound.victims if shown[key] == values[key] and values[key] >= threshold]
                if not exact:  # only bands are left: see the docstring
                    break
                victim = next((key for key in exact if _lowers(shown, key, bound, interval, threshold)), exact[0])
                shown[victim] = at_least(threshold)
                changed = True
    return shown


def _lowers(shown: dict, key: Hashable, bound: Bound, interval: Interval, threshold: int) -> bool:
    """Whether withholding ``key`` lowers what ``bound`` reads of its part."""
    before, published = bound.smaller(interval), shown[key]
    shown[key] = at_least(threshold)
    after = bound.smaller(interval)
    shown[key] = published
    return after < before


def _span(lows: Sequence[float], highs: Sequence[float], span: tuple[int, int]) -> float:
    """The least x_i − x_j, for x_0 ≥ x_1 ≥ x_2 ≥ x_3 = 0 each in [lows, highs]: x_i ≥ x_k for k ≥ i and
    x_j ≤ x_m for m ≤ j."""
    i, j = span
    lows, highs = [*lows, 0], [*highs, 0]
    return max(0, *(lows[k] - highs[m] for k in range(i, 4) for m in range(j + 1)))


def _least_chain(
    true: Sequence[int], ranges: Sequence[tuple[float, float]], span: tuple[int, int], keep_first: bool
) -> list[float]:
    """Values x_0 ≥ x_1 ≥ x_2 ≥ 0 in ``ranges`` (which hold ``true``) whose x_i − x_j is the least :func:`_span`
    allows, each otherwise as near its true value as it may be; at that least, x_i is kept (``keep_first``) or
    x_j is."""
    i, j = span
    lows, highs, true = [*(lo for lo, _ in ranges), 0], [*(hi for _, hi in ranges), 0], [*true, 0]
    at_least_ = [max(lows[n:]) for n in range(4)]  # x_n ≥ x_k ≥ lo_k
    at_most = [min(highs[: n + 1]) for n in range(4)]  # x_n ≤ x_m ≤ hi_m
    if at_least_[i] <= at_most[j]:
        first = last = min(max(true[i] if keep_first else true[j], at_least_[i]), at_most[j])
    else:
        first, last = at_least_[i], at_most[j]
    chain = []
    for n in range(3):
        low, high = (
            (max(at_least_[n], first), at_most[n])
            if n < i
            else (first, first)
            if n == i
            else (max(at_least_[n], last), min(at_most[n], first))
            if n < j
            else (last, last)
            if n == j
            else (at_least_[n], min(at_most[n], last))
        )
        chain.append(min(max(true[n], low), high))
    return chain


def counter(*parts: str | int) -> str:
    return "|".join(str(part) for part in parts)


def filed_as(certificate: Mapping[str, object] | None) -> tuple[str, str] | None:
    """The form and issuing Member State a request was filed as (``("EPOC", "FR")``), or None when it was not
    filed as a certificate. All three forms name the State in section A (``issuing_state``, ISO alpha-2)."""
    if not isinstance(certificate, Mapping) or certificate.get("form") not in FORMS:
        return None
    sections = certificate.get("sections")
    first = sections.get("A") if isinstance(sections, Mapping) else None
    state = first.get("issuing_state") if isinstance(first, Mapping) else None
    valid = isinstance(state, str) and certificates.COUNTRY.match(state)
    return str(certificate["form"]), str(state) if valid else UNKNOWN_COUNTRY


def answer_counters(detail: Mapping[str, object]) -> dict[str, int]:
    """The ``a3`` counters of the Annex III answers a change sends: the form as sent travels in the change's detail
    (``annex_iii``, ``tco_annex_iii``), whatever its key. Each answer counts once per reason it names."""
    counts: Counter = Counter()
    for sent in detail.values():
        if not isinstance(sent, Mapping) or sent.get("form") not in ANNEX_III:
            continue
        form = str(sent["form"])
        reasons = sent.get("reasons")
        for reason in dict.fromkeys(reasons if isinstance(reasons, list) else []):
            if reason in ANNEX_III[form]:
                counts[counter("a3", form, reason)] += 1
    return dict(counts)


@dataclass
class Totals:
    received: int = 0
    decided: int = 0
    decided_within_deadline: int = 0
    acknowledge: Counter = field(default_factory=Counter)
    decide: Counter = field(default_factory=Counter)

    def add(self, other: Totals) -> None:
        self.received += other.received
        self.decided += other.decided
        self.decided_within_deadline += other.decided_within_deadline
        self.acknowledge.update(other.acknowledge)
        self.decide.update(other.decide)

    def view(self, shown: Mapping[str, Figure], threshold: int) -> dict[str, object]:
        """``shown``: the published received, decided and decided_within_deadline (see :func:`protect`). A share
        is given only when both its parts are exact, and a median only over at least ``threshold`` values."""
        exact = shown["decided"] == self.decided and shown["decided_within_deadline"] == self.decided_within_deadline
        return {
            **shown,
            "share_decided_within_deadline": round(self.decided_within_deadline / self.decided, 4)
            if exact and self.decided
            else None,
            "median_seconds_to_acknowledge": _rounded(lower_median(self.acknowledge))
            if sum(self.acknowledge.values()) >= threshold
            else None,
            "median_seconds_to_decide": _rounded(lower_median(self.decide))
            if sum(self.decide.values()) >= threshold
            else None,
        }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


@dataclass
class Report:
    start: date
    end: date
    counts: dict[tuple[str, str], Counter] = field(default_factory=lambda: defaultdict(Counter))
    by_type: dict[str, Totals] = field(default_factory=lambda: defaultdict(Totals))
    monthly: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))
    emergency_failed_verification: int = 0
    threshold: int = 5  # counts below it are banded in view()
    forms: dict[tuple[str, str], Totals] = field(default_factory=lambda: defaultdict(Totals))  # (form, state)
    annex_iii: Counter = field(default_factory=Counter)  # (annex, reason) → answers naming it
    notices: Counter = field(default_factory=Counter)  # (type, figure of NOTICE_FIGURES) → requests

    def add_day(self, day: str, counters: Mapping[str, int]) -> None:
        """Fold one stored tally (any shard of ``day``) into the report."""
        for name, value in counters.items():
            parts = name.split("|")
            kind = parts[0]
            if kind == "n" and len(parts) == 4:
                country, type_, outcome = parts[1:]
                self.counts[(country, type_)][outcome] += value
                self.by_type[type_].received += value
                self.monthly[(day[:7], type_)] += value
                if outcome not in {"open", "withdrawn"}:
                    self.by_type[type_].decided += value
            elif kind in {"ack", "dec"} and len(parts) == 3:
                histogram = self.by_type[parts[1]].acknowledge if kind == "ack" else self.by_type[parts[1]].decide
                histogram[int(parts[2])] += value
            elif kind == "ontime" and len(parts) == 2:
                self.by_type[parts[1]].decided_within_deadline += value
            elif kind == "vfail" and len(parts) == 2:
                self.emergency_failed_verification += value
            elif kind == "f" and len(parts) == 4 and parts[3] in FORM_FIGURES:
                totals = self.forms[(parts[1], parts[2])]
                if parts[3] == "received":
                    totals.received += value
                elif parts[3] == "decided":
                    totals.decided += value
                else:
                    totals.decided_within_deadline += value
            elif kind in {"fack", "fdec"} and len(parts) == 4:
                totals = self.forms[(parts[1], parts[2])]
                (totals.acknowledge if kind == "fack" else totals.decide)[int(parts[3])] += value
            elif kind == "a3" and len(parts) == 3:
                self.annex_iii[(parts[1], parts[2])] += value
            elif kind == "u" and len(parts) == 3 and parts[2] in NOTICE_FIGURES:
                self.notices[(parts[1], parts[2])] += value

    def rows(self) -> list[dict[str, Any]]:
        """The exact count rows (never published as they are: :meth:`view` protects them)."""
        rows = []
        for (country, type_), outcomes in sorted(self.counts.items()):
            row: dict[str, object] = {"country": country, "type": type_}
            row.update({outcome: outcomes.get(outcome, 0) for outcome in OUTCOMES})
            row["total"] = sum(outcomes.get(outcome, 0) for outcome in OUTCOMES)
            if row["total"]:
                rows.append(row)
        return rows

    def months(self) -> list[str]:
        """Every month of the period, "YYYY-MM"."""
        months, year, month = [], self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            months.append(f"{year:04d}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return months

    def view(self) -> dict[str, object]:
        """The report as published: every count through :func:`protect` with these groups (published sums):
        each row's total over its outcomes; each type's requests received over its rows and over its months;
        each type's decisions over its rows' fulfilled, partially fulfilled and rejected cells; the overall
        received, decided and decided-within-deadline over the types.

        A listed row or month would be known to hold at least one request, and that lower bound can undo a band
        (four rows "<5" under a total "<5" are 1 each). So once a type has a request, it gets a row for every
        listed country and an entry for every month of the period, zeros included (banded like any small count);
        a type with no request at all is listed nowhere and its figures are known to be 0.

        Requests filed as certificates are also counted by form and issuing Member State (:meth:`_forms`), with the
        same medians and share as the types (:meth:`Totals.view`), and the Annex III answers by form and reason
        (:meth:`_answers`); requests not filed as a certificate are in neither. Neither table says more of the
        requests its figures are part of than the count rows and types do (:meth:`_parts`).

        User notice (:meth:`_notices`): per type and over all types, the notices given, the requests whose notice
        a non-disclosure order withheld and those whose notice was delayed, each part of its type's requests
        (:meth:`_parts`)."""
        threshold = self.threshold
        exact_rows = {(r["country"], r["type"]): r for r in self.rows()}
        types = [t.value for t in RequestType]
        present = [t for t in types if any(type_ == t for _, type_ in exact_rows)]
        countries = sorted({country for country, _ in exact_rows})
        rows = [
            exact_rows.get((country, type_))
            or {"country": country, "type": type_, **dict.fromkeys(OUTCOMES, 0), "total": 0}
            for country in countries
            for type_ in sorted(present)
        ]
        months = [(month, type_) for month in self.months() for type_ in sorted(present)]
        values: dict[tuple, int] = {}
        groups: list[tuple[tuple, list[tuple]]] = []
        overall = Totals()
        for type_ in types:
            totals = self.by_type[type_]
            overall.add(totals)
            values.update(
                {
                    ("received", type_): totals.received,
                    ("decided", type_): totals.decided,
                    ("ontime", type_): totals.decided_within_deadline,
                }
            )
        values.update(
            {
                ("overall", "received"): overall.received,
                ("overall", "decided"): overall.decided,
                ("overall", "ontime"): overall.decided_within_deadline,
                ("vfail",): self.emergency_failed_verification,
            }
        )
        for row in rows:
            key = ("row", row["country"], row["type"])
            values[key] = int(row["total"])
            cells = [("cell", row["country"], row["type"], outcome) for outcome in OUTCOMES]
            values.update({cell: int(row[cell[3]]) for cell in cells})
            groups.append((key, cells))
        for month, type_ in months:
            values[("month", month, type_)] = self.monthly.get((month, type_), 0)
        for type_ in present:
            type_rows = [r for r in rows if r["type"] == type_]
            groups.append((("received", type_), [("row", r["country"], type_) for r in type_rows]))
            groups.append((("received", type_), [("month", m, t) for (m, t) in months if t == type_]))
            groups.append(
                (("decided", type_), [("cell", r["country"], type_, outcome) for r in type_rows for outcome in DECIDED])
            )
        groups.extend(
            (("overall", name), [(name, type_) for type_ in types]) for name in ("received", "decided", "ontime")
        )
        known: list[tuple] = [
            (kind, type_) for type_ in types if type_ not in present for kind in ("received", "decided", "ontime")
        ]
        if not present:
            known += [("overall", "received"), ("overall", "decided"), ("overall", "ontime")]
        if RequestType.EMERGENCY_DISCLOSURE.value not in present:
            known.append(("vfail",))
        forms, states, form_totals = self._forms(values, groups, known)
        self._answers(values, known)
        self._notices(values, groups, known, present)
        parts = self._parts(values, rows, months, forms, states)
        shown = protect(values, groups, threshold, known, parts)

        def figures(totals: Totals, key: tuple) -> dict[str, object]:
            return totals.view(
                {
                    "received": shown[(*key, "received")],
                    "decided": shown[(*key, "decided")],
                    "decided_within_deadline": shown[(*key, "ontime")],
                },
                threshold,
            )

        def timing(totals: Totals, kind: str) -> dict[str, object]:
            return totals.view(
                {
                    "received": shown[("received", kind) if kind != "overall" else ("overall", "received")],
                    "decided": shown[("decided", kind) if kind != "overall" else ("overall", "decided")],
                    "decided_within_deadline": shown[("ontime", kind) if kind != "overall" else ("overall", "ontime")],
                },
                threshold,
            )

        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "median_method": MEDIAN_METHOD,
            "small_count_threshold": threshold,
            "rows": [
                {
                    "country": r["country"],
                    "type": r["type"],
                    **{outcome: shown[("cell", r["country"], r["type"], outcome)] for outcome in OUTCOMES},
                    "total": shown[("row", r["country"], r["type"])],
                }
                for r in rows
            ],
            "by_type": [{"type": type_, **timing(self.by_type[type_], type_)} for type_ in types],
            "overall": timing(overall, "overall"),
            "emergency": {
                "requests": shown[("received", RequestType.EMERGENCY_DISCLOSURE.value)],
                "failed_verification": shown[("vfail",)],
            },
            "monthly": [
                {"month": month, "type": type_, "received": shown[("month", month, type_)]} for (month, type_) in months
            ],
            "by_form": [{"form": form, **figures(form_totals[form], ("form", form))} for form in FORMS],
            "by_form_and_state": [
                {
                    "form": form,
                    "issuing_state": state,
                    **figures(self.forms.get((form, state)) or Totals(), ("form_state", form, state)),
                }
                for form in forms
                for state in states
            ],
            "annex_iii": [
                {"form": annex, "reason": reason, "answers": shown[("answers", annex, reason)]}
                for annex, reasons in ANNEX_III.items()
                for reason in reasons
            ],
            "user_notices": [
                {"type": type_, **{name: shown[("notice", type_, figure)] for figure, name in NOTICE_FIGURES.items()}}
                for type_ in types
            ],
            "user_notices_total": {name: shown[("notices", figure)] for figure, name in NOTICE_FIGURES.items()},
        }

    def _notices(
        self,
        values: dict[tuple, int],
        groups: list[tuple[tuple, list[tuple]]],
        known: list[tuple],
        present: Sequence[str],
    ) -> None:
        """The user-notice figures, added to ``values``, ``groups`` and ``known``: per type and figure, and each
        figure's total over the types (a published sum). Every type is listed, as in ``by_type``; a type with no
        request has its zeros known, and so has a figure a type can never have (:data:`NOTICE_NEVER`) while it is 0."""
        types = [t.value for t in RequestType]
        for figure in NOTICE_FIGURES:
            members = [("notice", type_, figure) for type_ in types]
            for type_ in types:
                value = self.notices.get((type_, figure), 0)
                values[("notice", type_, figure)] = value
                if value == 0 and (type_ not in present or (type_, figure) in NOTICE_NEVER):
                    known.append(("notice", type_, figure))
            values[("notices", figure)] = sum(values[key] for key in members)
            groups.append((("notices", figure), members))
            if values[("notices", figure)] == 0 and all(key in known for key in members):
                known.append(("notices", figure))

    def _forms(
        self, values: dict[tuple, int], groups: list[tuple[tuple, list[tuple]]], known: list[tuple]
    ) -> tuple[list[str], list[str], dict[str, Totals]]:
        """The figures of the requests filed as certificates, added to ``values``, ``groups`` and ``known`` as the
        count rows are: each form's received, decided and decided-within-deadline over its issuing States. Once a
        form has a request, it gets a row for every State listed under any form, zeros included; a form with none
        is listed nowhere and its figures are known to be 0. Returns the forms listed, the States and each form's
        totals (their histograms too, for its medians)."""

        def counted(totals: Totals) -> bool:
            return bool(
                totals.received or totals.decided or sum(totals.acknowledge.values()) or sum(totals.decide.values())
            )

        filed = [key for key, totals in self.forms.items() if key[0] in FORMS and counted(totals)]
        forms = [form for form in FORMS if any(key[0] == form for key in filed)]
        states = sorted({state for _, state in filed})
        form_totals = {form: Totals() for form in FORMS}
        for form in forms:
            for state in states:
                row = self.forms.get((form, state)) or Totals()
                form_totals[form].add(row)
                values.update(
                    {
                        ("form_state", form, state, "received"): row.received,
                        ("form_state", form, state, "decided"): row.decided,
                        ("form_state", form, state, "ontime"): row.decided_within_deadline,
                    }
                )
        for form in FORMS:
            totals = form_totals[form]
            values.update(
                {
                    ("form", form, "received"): totals.received,
                    ("form", form, "decided"): totals.decided,
                    ("form", form, "ontime"): totals.decided_within_deadline,
                }
            )
            for name in FORM_FIGURES:
                if form in forms:
                    groups.append((("form", form, name), [("form_state", form, state, name) for state in states]))
                else:
                    known.append(("form", form, name))
        return forms, states, form_totals

    @staticmethod
    def _parts(
        values: Mapping[tuple, int],
        rows: Sequence[Mapping[str, object]],
        months: Sequence[tuple[str, str]],
        forms: Sequence[str],
        states: Sequence[str],
    ) -> list[Bound]:
        """What the forms and the Annex III answers are part of (:class:`Bound`), for :func:`protect`:

        - a form's orders are requests of the types it is filed as, so each span of its chain (:data:`SPANS`: its
          received, its undecided, ...) is at most the same span of its types' requests; a form that says more
          of them than the types' own figures do is published in bands;
        - an e-Evidence Annex III naming a reason in :data:`ENDING` ends its EPOC or EPOC-PR rejected, once: each
          such reason counts at most the rejected requests of the EPOC types (data and emergency disclosure) that
          are decided EPOCs, plus those of preservation that are decided EPOC-PRs. Its count is exact only when
          those rejected cells and those forms' decisions already say as much, else banded. The other reasons
          bound nothing: one that the authority can cure may be asked again and again, and a TCO Annex III only
          stops the clock (the request may then end any way, or stay open), so each says no more than that some
          request of its form was answered, which no published count bounds beyond its form being listed;
        - user notice: a request is notified once, and its first non-disclosure order counted once, so each type's
          notices given and notices withheld are at most its requests received; a delayed notice comes with a
          fulfilment, so each type's delayed notices are at most its fulfilled and partially fulfilled requests.
          What a reader can tell of a type's figure is read from the figure and from its total over the types
          (the total less the others' most); each figure's total is bound so against all the types' requests."""

        def low(interval: Interval, keys: Iterable[tuple]) -> float:
            return sum(interval(key)[0] for key in keys)

        def high(interval: Interval, keys: Iterable[tuple]) -> float:
            return sum(interval(key)[1] for key in keys)

        def cells(type_: str, outcomes: Iterable[str]) -> list[tuple]:
            return [("cell", r["country"], type_, outcome) for r in rows if r["type"] == type_ for outcome in outcomes]

        def type_span(interval: Interval, type_: str, span: tuple[int, int]) -> float:
            """A true lower bound of a span of ``type_``'s requests, from its totals and what they are sums of."""
            sums = {
                "received": (
                    [("row", r["country"], type_) for r in rows if r["type"] == type_],
                    [("month", m, t) for m, t in months if t == type_],
                ),
                "decided": (cells(type_, DECIDED),),
                "ontime": (),
            }
            ranges = []
            for name in FORM_FIGURES:
                lo, hi = interval((name, type_))
                for members in sums[name]:
                    lo, hi = max(lo, low(interval, members)), min(hi, high(interval, members))
                ranges.append((lo, hi))
            bound = _span([lo for lo, _ in ranges], [hi for _, hi in ranges], span)
            if span == (0, 1):
                bound = max(bound, low(interval, cells(type_, ("open", "withdrawn"))))
            return bound

        def decided(interval: Interval, form: str) -> float:
            listed = states if form in forms else ()  # a form listed nowhere has decided none, known
            return max(
                interval(("form", form, "decided"))[0],
                low(interval, [("form_state", form, state, "decided") for state in listed]),
            )

        def rejected(interval: Interval, form: str) -> float:
            return low(
                interval,
                [cell for type_ in certificates.FORMS[form].types for cell in cells(type_.value, ("rejected",))],
            )

        def form_span(interval: Interval, form: str, span: tuple[int, int]) -> float:
            """No less than the least span of ``form``'s orders a reader can tell: the span of values its published
            figures allow, found State by State (each State's figures as low or as high as their ranges let them,
            but those under a total published exactly as they are), or else of the exact ones."""
            true = [[values[("form_state", form, state, name)] for name in FORM_FIGURES] for state in states]
            totals = [interval(("form", form, name)) for name in FORM_FIGURES]
            least: float = sum(chain[span[0]] - [*chain, 0][span[1]] for chain in true)
            for keep_first in (True, False):
                chains = [
                    _least_chain(
                        chain,
                        [
                            (value, value)
                            if totals[n][0] == totals[n][1]
                            else interval(("form_state", form, state, name))
                            for n, (name, value) in enumerate(zip(FORM_FIGURES, chain, strict=True))
                        ],
                        span,
                        keep_first,
                    )
                    for state, chain in zip(states, true, strict=True)
                ]
                if all(lo <= sum(chain[n] for chain in chains) <= hi for n, (lo, hi) in enumerate(totals)):
                    least = min(least, sum(chain[span[0]] - [*chain, 0][span[1]] for chain in chains))
            return least

        def form_whole(interval: Interval, form: str, span: tuple[int, int]) -> float:
            return sum(type_span(interval, type_.value, span) for type_ in certificates.FORMS[form].types)

        def least_of(interval: Interval, key: tuple) -> float:
            return interval(key)[0]

        parts: list[Bound] = []
        for form in forms:
            figures = tuple(("form", form, name) for name in FORM_FIGURES) + tuple(
                ("form_state", form, state, name) for state in states for name in FORM_FIGURES
            )
            parts.extend(
                Bound(
                    functools.partial(form_span, form=form, span=span),
                    functools.partial(form_whole, form=form, span=span),
                    figures,
                )
                for span in SPANS
            )
        for reason in ENDING:
            count = ("answers", E_EVIDENCE_ANNEX, reason)
            parts.append(
                Bound(
                    functools.partial(least_of, key=count),
                    lambda interval: sum(
                        min(rejected(interval, form), decided(interval, form)) for form in E_EVIDENCE_FORMS
                    ),
                    (count,),
                )
            )

        types = [t.value for t in RequestType]

        def notice_low(interval: Interval, type_: str, figure: str) -> float:
            """The least a reader can tell of a type's notice figure: its own range, and its total's less the
            other types' most."""
            others = high(interval, [("notice", other, figure) for other in types if other != type_])
            return max(interval(("notice", type_, figure))[0], interval(("notices", figure))[0] - others)

        def whole(interval: Interval, type_: str, figure: str) -> float:
            """A true lower bound of what a type's notice figure is part of."""
            if figure != "delayed":
                return type_span(interval, type_, (0, 3))  # its requests received
            decided_ = type_span(interval, type_, (1, 3)) - high(interval, cells(type_, ("rejected",)))
            return max(low(interval, cells(type_, ("fulfilled", "partially_fulfilled"))), decided_)

        def notices_low(interval: Interval, figure: str, members: list[tuple]) -> float:
            return max(interval(("notices", figure))[0], low(interval, members))

        def notices_whole(interval: Interval, figure: str) -> float:
            return sum(whole(interval, type_, figure) for type_ in types)

        for figure in NOTICE_FIGURES:
            members = [("notice", type_, figure) for type_ in types]
            for type_ in types:
                key = ("notice", type_, figure)
                parts.append(
                    Bound(
                        functools.partial(notice_low, type_=type_, figure=figure),
                        functools.partial(whole, type_=type_, figure=figure),
                        (key, *(member for member in members if member != key), ("notices", figure)),
                    )
                )
            parts.append(
                Bound(
                    functools.partial(notices_low, figure=figure, members=members),
                    functools.partial(notices_whole, figure=figure),
                    (("notices", figure), *members),
                )
            )
        return parts

    def _answers(self, values: dict[tuple, int], known: list[tuple]) -> None:
        """The Annex III answers per form and reason, added to ``values``: no sum of them is published (an answer
        may name several reasons), so each is banded when small, or when it would say more of the rejections it is
        part of than they do (:meth:`_parts`). Every reason of every form is listed, zeros included; a form that
        answered nothing in the period has its zeros known."""
        for annex, reasons in ANNEX_III.items():
            answered = any(self.annex_iii.get((annex, reason), 0) for reason in reasons)
            for reason in reasons:
                values[("answers", annex, reason)] = self.annex_iii.get((annex, reason), 0)
                if not answered:
                    known.append(("answers", annex, reason))


CSV_COLUMNS = ("country", "type", *OUTCOMES, "total")
TIMING_COLUMNS = (
    "received",
    "decided",
    "decided_within_deadline",
    "share_decided_within_deadline",
    "median_seconds_to_acknowledge",
    "median_seconds_to_decide",
)
FORM_CSV_COLUMNS = ("form", "issuing_state", *TIMING_COLUMNS)
ALL_STATES = "all"  # the issuing_state of a form's totals in the forms' CSV
ANNEX_III_CSV_COLUMNS = ("form", "reason", "answers")
NOTICE_CSV_COLUMNS = ("type", *NOTICE_FIGURES.values())
ALL_TYPES = "all"  # the type of the user notices' totals in their CSV


def notice_rows(view: Mapping[str, Any]) -> list[dict[str, object]]:
    """The user notices as one sheet: a row per type, then the totals over the types (type "all")."""
    rows = [dict(row) for row in view["user_notices"]]
    return [*rows, {"type": ALL_TYPES, **view["user_notices_total"]}]


def form_rows(view: Mapping[str, Any]) -> list[dict[str, object]]:
    """The forms' table as one sheet: a row per form and issuing State, then each form's totals (State "all")."""
    by_state = [dict(row) for row in view["by_form_and_state"]]
    totals = [{**row, "issuing_state": ALL_STATES} for row in view["by_form"]]
    return [*by_state, *totals]


def to_csv(rows: Iterable[Mapping[str, object]], columns: Sequence[str] = CSV_COLUMNS) -> str:
    """``rows`` as CSV with ``columns`` (the count rows by default); a null (a withheld median) is an empty cell."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({column: row[column] for column in columns})
    return out.getvalue()
