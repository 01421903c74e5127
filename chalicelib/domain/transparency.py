"""Transparency reports (DSA Art. 15): counts and median times, from tallies kept as requests change.

Counters are named strings, so they can be added to inside any DynamoDB transaction without declaring them:

- ``n|<country>|<type>|<outcome>``: requests received that day, by their current outcome
  (``open`` until decided or withdrawn; a decision moves one from ``open`` to its outcome);
- ``ack|<type>|<bucket>`` and ``dec|<type>|<bucket>``: how long acknowledging and deciding took;
- ``ontime|<type>``: decisions made by ``due_at``; ``vfail|<country>``: requests whose call-back failed.

Times go into fixed logarithmic buckets, four per doubling: bucket ``k ≥ 1`` holds durations in
``[2^((k-1)/4), 2^(k/4))`` seconds, bucket 0 those under a second. A median is reported as the geometric middle
of the bucket that holds it, so it is within ``MEDIAN_RELATIVE_ERROR`` (about 9.1 %) of the true value (or
under a second off, below one second). The median is the lower one: the ⌈n/2⌉-th smallest duration.
"""

from __future__ import annotations

import csv
import io
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from chalicelib.domain.deadlines import RequestType

OUTCOMES = ("fulfilled", "partially_fulfilled", "rejected", "withdrawn", "open")
PER_DOUBLING = 4
MEDIAN_RELATIVE_ERROR = 2 ** (1 / (2 * PER_DOUBLING)) - 1
MEDIAN_METHOD = (f"lower median (the ceil(n/2)-th value) from logarithmic buckets, {PER_DOUBLING} per doubling: "
                 f"within {MEDIAN_RELATIVE_ERROR:.1%} of the exact value, or under 1 s below one second")
MAX_DAYS = 366
UNKNOWN_COUNTRY = "ZZ"  # requests filed before their jurisdiction was recorded


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


def counter(*parts: str | int) -> str:
    return "|".join(str(part) for part in parts)


@dataclass
class Totals:
    received: int = 0
    decided: int = 0
    decided_within_deadline: int = 0
    acknowledge: Counter = field(default_factory=Counter)
    decide: Counter = field(default_factory=Counter)

    def add(self, other: "Totals") -> None:
        self.received += other.received
        self.decided += other.decided
        self.decided_within_deadline += other.decided_within_deadline
        self.acknowledge.update(other.acknowledge)
        self.decide.update(other.decide)

    def view(self) -> dict[str, object]:
        return {
            "received": self.received, "decided": self.decided,
            "decided_within_deadline": self.decided_within_deadline,
            "share_decided_within_deadline": round(self.decided_within_deadline / self.decided, 4)
            if self.decided else None,
            "median_seconds_to_acknowledge": _rounded(lower_median(self.acknowledge)),
            "median_seconds_to_decide": _rounded(lower_median(self.decide)),
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

    def rows(self) -> list[dict[str, object]]:
        rows = []
        for (country, type_), outcomes in sorted(self.counts.items()):
            row: dict[str, object] = {"country": country, "type": type_}
            row.update({outcome: outcomes.get(outcome, 0) for outcome in OUTCOMES})
            row["total"] = sum(outcomes.get(outcome, 0) for outcome in OUTCOMES)
            if row["total"]:
                rows.append(row)
        return rows

    def view(self) -> dict[str, object]:
        overall = Totals()
        for totals in self.by_type.values():
            overall.add(totals)
        return {
            "from": self.start.isoformat(), "to": self.end.isoformat(), "median_method": MEDIAN_METHOD,
            "rows": self.rows(),
            "by_type": [{"type": t.value, **self.by_type[t.value].view()} for t in RequestType],
            "overall": overall.view(),
            "emergency": {"requests": self.by_type[RequestType.EMERGENCY_DISCLOSURE.value].received,
                          "failed_verification": self.emergency_failed_verification},
            "monthly": [{"month": month, "type": type_, "received": count}
                        for (month, type_), count in sorted(self.monthly.items()) if count],
        }


CSV_COLUMNS = ("country", "type", *OUTCOMES, "total")


def to_csv(rows: Iterable[Mapping[str, object]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({column: row[column] for column in CSV_COLUMNS})
    return out.getvalue()
