"""The public page's words for published counts (``chalicelib.api.page``)."""

from __future__ import annotations

import pytest

from chalicelib.api import page


@pytest.mark.parametrize("count, words", [(0, "no request"), (1, "1 request"), (12, "12 requests"),
                                          ("<5", "fewer than 5 requests"), ("5+", "5 or more requests")])
def test_given_a_published_count_then_the_notice_summary_reads_it_as_requests(count, words):
    assert page._requests_words(count) == words
