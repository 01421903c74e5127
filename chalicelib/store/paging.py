"""One page of an index query, with a bounded cost and an exact cursor.

PynamoDB's own ``limit`` keeps querying until it has that many matches: with a
filter that rarely matches, one API call could read a whole partition. Here a
call reads at most ``max_pages`` DynamoDB pages, and the cursor resumes exactly
after the last item returned, or after the last item read. A page may come back
short, even empty, with a cursor: keep following ``next_cursor`` until it is null.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pynamodb.exceptions import QueryError
from pynamodb.models import Model

from chalicelib.errors import BadRequest
from chalicelib.store import cursor

M = TypeVar("M", bound=Model)
FILTERED_PAGE_SIZE = 100
MAX_PAGES = 5


def query_page(index: Any, model: type[M], hash_key: str, *, key_names: tuple[str, ...], limit: int,
               after: str | None, filter_condition: Any = None,
               newest_first: bool = False) -> tuple[list[M], str | None]:
    start = cursor.decode(after, keys=key_names, pinned={key_names[0]: hash_key})
    results = index.query(
        hash_key,
        scan_index_forward=not newest_first,
        filter_condition=filter_condition,
        page_size=FILTERED_PAGE_SIZE if filter_condition is not None else limit,
        last_evaluated_key=start,
    )
    pages = results.page_iter
    items: list[M] = []
    try:
        for _ in range(MAX_PAGES):
            try:
                page = next(pages)
            except StopIteration:
                return items, None
            raw_items = page.get("Items", [])
            for position, raw in enumerate(raw_items):
                items.append(model.from_raw_data(raw))
                if len(items) == limit:
                    more = position < len(raw_items) - 1 or pages.last_evaluated_key is not None
                    return items, cursor.encode({name: raw[name] for name in key_names}) if more else None
            if pages.last_evaluated_key is None:
                return items, None
    except QueryError as error:
        if start is not None and error.cause_response_code == "ValidationException":
            raise BadRequest("The cursor is not one this API issued for this list.", code="invalid_cursor",
                             field="cursor") from None
        raise
    return items, cursor.encode(pages.last_evaluated_key)
