"""Logger, metrics and tracer shared by every function, and the correlation id.

Service name and metrics namespace come from the standard Powertools variables
(``POWERTOOLS_SERVICE_NAME``, ``POWERTOOLS_METRICS_NAMESPACE``) set in
``.chalice/config.json``, so there is a single place to change them.
"""

from __future__ import annotations

import re
import uuid

from aws_lambda_powertools import Logger, Metrics

from chalicelib.settings import ObservabilitySettings

logger = Logger()
metrics = Metrics()


def tracer_if_enabled():  # -> aws_lambda_powertools.Tracer | None
    """Powertools' Tracer (X-Ray subsegments for every AWS call) unless ``POWERTOOLS_TRACE_DISABLED``.

    Importing it loads the X-Ray SDK and patches botocore: about 0.3 s of every cold start, so it is not
    imported at all when tracing is off. Lambda's own active tracing (``xray`` in .chalice/config.json)
    records each invocation either way."""
    if ObservabilitySettings().powertools_trace_disabled:
        return None
    from aws_lambda_powertools import Tracer

    # Every AWS call (botocore) and every plain HTTP one (http.client: a JWKS fetch, the sign-in's token exchange
    # and the console's upload through requests, which sends through it). By default Powertools patches every
    # library the X-Ray SDK knows, and importing them (requests, sqlite3, ...) cost each cold start about 50 ms.
    return Tracer(patch_modules=["botocore", "httplib"])


tracer = tracer_if_enabled()

CORRELATION_HEADER = "x-correlation-id"
_CORRELATION_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")


def correlation_id_from(headers: dict[str, str]) -> str:
    """Take the caller's correlation id when it is sane, otherwise make one.

    A caller-supplied value ends up in logs and a response header, so anything
    that is not a short token of safe characters is replaced rather than echoed.
    """
    supplied = headers.get(CORRELATION_HEADER)
    if supplied and _CORRELATION_ID.match(supplied):
        return supplied
    return str(uuid.uuid4())
