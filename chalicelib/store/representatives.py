"""Representatives by region, and the rotation counter that assigns requests among them."""

from __future__ import annotations

import random
import time
from collections.abc import Callable

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError
from pynamodb.transactions import TransactWrite

from chalicelib.domain.assignment import Candidate
from chalicelib.errors import Conflict, NotFound
from chalicelib.store.models import ConfigEntry, Representative

# A region's desk changes when an admin adds someone; assignment reads it on every submission. Like the
# routing document, it is cached this long per Lambda container (and dropped at once in the one that wrote).
CANDIDATES_CACHE_SECONDS = 30
_candidates: dict[str, tuple[float, list[Candidate]]] = {}


# Each region's next turn as this container last saw it: a submission takes it inside its own transaction
# (``take_turn``), which saves a call, and learns the true one when another container took it first.
_turns: dict[str, int] = {}
ADD_ATTEMPTS = 5


def forget() -> None:
    """Drop the cached desks (after a change, and in tests)."""
    _candidates.clear()


def _rotation(region: str) -> str:
    return f"rotation#{region}"


class RepresentativeRepository:
    def in_region(self, region: str) -> list[Representative]:
        return list(Representative.by_region.query(region))

    def candidates(self, region: str) -> list[Candidate]:
        cached = _candidates.get(region)
        if cached and time.monotonic() - cached[0] < CANDIDATES_CACHE_SECONDS:
            return cached[1]
        # A deactivated representative takes no new request and is no one's backup.
        desk = [
            Candidate(rep.rep_id, bool(rep.lead), bool(rep.available) and rep.active is not False)
            for rep in self.in_region(region)
        ]
        _candidates[region] = (time.monotonic(), desk)
        return desk

    def next_turn(self, region: str) -> int:
        """An atomic ADD, for an assignment outside a submission's transaction (a reassignment, a request
        nobody could take at first): concurrent ones each get their own turn, never a stale one."""
        entry = ConfigEntry(_rotation(region))
        for attempt in range(1, ADD_ATTEMPTS + 1):
            try:
                entry.update(actions=[ConfigEntry.counter.add(1)])
                break
            except UpdateError as error:
                # A submission's transaction was taking a turn at that moment: the ADD is refused, not queued.
                if error.cause_response_code != "TransactionConflictException" or attempt == ADD_ATTEMPTS:
                    raise
                time.sleep(random.uniform(0, 0.02 * attempt))  # noqa: S311 - jitter only
        _turns[region] = int(entry.counter)
        return int(entry.counter) - 1

    def known_turn(self, region: str) -> int:
        """The region's next turn as this container last saw it; read (one GetItem) the first time."""
        if region not in _turns:
            try:
                _turns[region] = int(ConfigEntry.get(_rotation(region), consistent_read=True).counter or 0)
            except DoesNotExist:
                _turns[region] = 0
        return _turns[region]

    @staticmethod
    def take_turn(region: str, turn: int) -> Callable[[TransactWrite], None]:
        """The write that takes ``turn`` in a transaction: the counter moves to the next turn only if it still
        stands at ``turn``. If another submission took it first, the transaction is refused on this write, and
        the caller takes a turn with the atomic ADD (``next_turn``). So every turn goes to exactly one request,
        as with the ADD alone, without a call of its own when the container's turn is the latest."""
        at = ConfigEntry.counter == turn
        condition = (ConfigEntry.counter.does_not_exist() | at) if turn == 0 else at

        def take(transaction: TransactWrite) -> None:
            transaction.update(
                ConfigEntry(_rotation(region)),
                actions=[ConfigEntry.counter.set(turn + 1)],
                condition=condition,
            )

        return take

    @staticmethod
    def took_turn(region: str, turn: int) -> None:
        _turns[region] = max(_turns.get(region, 0), turn + 1)

    def get(self, rep_id: str) -> Representative | None:
        try:
            return Representative.get(rep_id, consistent_read=True)
        except DoesNotExist:
            return None

    def set_active(self, rep_id: str, active: bool, *, now: str) -> Representative:
        """Deactivate (refused from the next call on) or reactivate a representative; 404 for an unknown id."""
        rep = self.get(rep_id)
        if rep is None:
            raise NotFound("No such representative.", code="unknown_representative")
        rep.update(actions=[Representative.active.set(active), Representative.updated_at.set(now)])
        forget()
        return rep

    def create(self, representative: Representative) -> Representative:
        try:
            representative.save(condition=Representative.rep_id.does_not_exist())
            forget()
        except PutError as error:
            if getattr(error, "cause_response_code", None) == "ConditionalCheckFailedException":
                raise Conflict(
                    f"A representative '{representative.rep_id}' already exists.", code="representative_exists"
                ) from None
            raise
        return representative
