"""One page of an index query, with a bounded cost and an exact cursor.

PynamoDB's own ``limit`` keeps querying until it has that many matches: with a
filter that rarely matches, one API call could read a whole partition. Here a
call reads at most ``max_pages`` DynamoDB pages, and the cursor resumes exactly
after the last item returned, or after the last item read. A page may come back
short, even empty, with a cursor: keep following ``next_cursor`` until it is null.

With ``max_bytes`` a page also ends before the item that would take its items, as JSON (every non-ASCII
character escaped, as the API writes its answers), past that many bytes: a page of large items (a flood of
long messages) stays bounded whatever its ``limit``. Its first item is always taken, so a page is never empty
for that reason.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

from pynamodb.exceptions import QueryError
from pynamodb.models import Model

from chalicelib.errors import BadRequest
from chalicelib.store import cursor

M = TypeVar("M", bound=Model)
FILTERED_PAGE_SIZE = 100
MAX_PAGES = 5


def query_page(
    index: Any,
    model: type[M],
    hash_key: str,
    *,
    key_names: tuple[str, ...],
    limit: int,
    after: str | None,
    filter_condition: Any = None,
    newest_first: bool = False,
    number_keys: tuple[str, ...] = (),
    consistent_read: bool = False,
    max_bytes: int | None = None,
) -> tuple[list[M], str | None]:
    """``index``: an index, or the model itself for its table (``consistent_read`` only there); ``number_keys``:
    the keys of ``key_names`` that are numbers (a sort key such as a sequence number)."""
    start = cursor.decode(after, keys=key_names, pinned={key_names[0]: hash_key}, numbers=number_keys)
    results = index.query(
        hash_key,
        scan_index_forward=not newest_first,
        filter_condition=filter_condition,
        page_size=FILTERED_PAGE_SIZE if filter_condition is not None else limit,
        last_evaluated_key=start,
        consistent_read=consistent_read,
    )
    pages = results.page_iter
    items: list[M] = []
    size = 0  # with max_bytes: the bytes of the items taken so far, and the last of them
    last: dict[str, Any] = {}
    try:
        for _ in range(MAX_PAGES):
            try:
                page = next(pages)
            except StopIteration:
                return items, None
            raw_items = page.get("Items", [])
            for position, raw in enumerate(raw_items):
                if max_bytes is not None:
                    size += len(json.dumps(raw, separators=(",", ":")))
                    if items and size > max_bytes:
                        return items, cursor.encode({name: last[name] for name in key_names})
                items.append(model.from_raw_data(raw))
                last = raw
                if len(items) == limit:
                    more = position < len(raw_items) - 1 or pages.last_evaluated_key is not None
                    return items, cursor.encode({name: raw[name] for name in key_names}) if more else None
            if pages.last_evaluated_key is None:
                return items, None
    except QueryError as error:
        if start is not None and error.cause_response_code == "ValidationException":
            raise BadRequest(
                "The cursor is not one this API issued for this list.", code="invalid_cursor", field="cursor"
            ) from None
        raise
    return items, cursor.encode(pages.last_evaluated_key)
