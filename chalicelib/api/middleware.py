"""HTTP middleware: a correlation id on every request and its response, and a count of outcomes."""

from __future__ import annotations

from collections.abc import Callable

from aws_lambda_powertools.metrics import MetricUnit
from chalice import Response
from chalice.app import Request

from chalicelib.observability import CORRELATION_HEADER, correlation_id_from, logger, metrics


def correlate(request: Request, get_response: Callable[[Request], Response]) -> Response:
    correlation_id = correlation_id_from({k.lower(): v for k, v in (request.headers or {}).items()})
    logger.set_correlation_id(correlation_id)
    logger.append_keys(method=request.method, path=request.path)
    response = get_response(request)
    response.headers[CORRELATION_HEADER] = correlation_id
    logger.info("request served", extra={"status": response.status_code})
    # One count per status class, for dashboards and error rates (no alarm of the template reads them yet).
    metrics.add_metric(name=f"Responses{response.status_code // 100}xx", unit=MetricUnit.Count, value=1)
    return response
