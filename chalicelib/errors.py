"""One error type per kind of failure, mapped to HTTP in one place.

Domain and data code raise these; ``api.http`` turns them into
``{code, message[, field]}`` responses. Anything else that escapes a handler is a
bug: it is logged with its traceback and answered with a bare 500.
"""

from __future__ import annotations


class LiaisonError(Exception):
    status = 500
    code = "internal_error"

    def __init__(
        self, message: str, *, code: str | None = None, field: str | None = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.field = field
        self.headers = headers or {}

    def body(self) -> dict[str, str]:
        out = {"code": self.code, "message": self.message}
        if self.field is not None:
            out["field"] = self.field
        return out


class BadRequest(LiaisonError):
    status = 400
    code = "bad_request"


class Unauthorized(LiaisonError):
    status = 401
    code = "unauthorized"


class Forbidden(LiaisonError):
    status = 403
    code = "forbidden"


class NotFound(LiaisonError):
    status = 404
    code = "not_found"


class Conflict(LiaisonError):
    status = 409
    code = "conflict"


class PayloadTooLarge(LiaisonError):
    status = 413
    code = "payload_too_large"


class UnsupportedMediaType(LiaisonError):
    status = 415
    code = "unsupported_media_type"


class Unprocessable(LiaisonError):
    status = 422
    code = "unprocessable"


class TooManyRequests(LiaisonError):
    status = 429
    code = "too_many_requests"


class DependencyUnavailable(LiaisonError):
    status = 503
    code = "dependency_unavailable"
