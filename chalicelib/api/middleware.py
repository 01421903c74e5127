"""HTTP middleware: a correlation id on every request, and no traceback ever leaves."""

from __future__ import annotations

from collections.abc import Callable

from chalice import Response
from chalice.app import Request

from chalicelib.observability import CORRELATION_HEADER, correlation_id_from, logger, metrics


def correlate_and_contain(request: Request, get_response: Callable[[Request], Response]) -> Response:
    correlation_id = correlation_id_from({k.lower(): v for k, v in (request.headers or {}).items()})
    logger.set_correlation_id(correlation_id)
    try:
        response = get_response(request)
    except Exception:
        # Handlers answer every expected failure themselves; reaching here is a bug.
        logger.exception("unhandled error", extra={"path": request.path, "method": request.method})
        metrics.add_metric(name="UnhandledErrors", unit="Count", value=1)
        response = Response(
            body={"code": "internal_error",
                  "message": f"Something went wrong on our side. Quote correlation id {correlation_id}."},
            status_code=500, headers={"Content-Type": "application/json"},
        )
    response.headers[CORRELATION_HEADER] = correlation_id
    return response
