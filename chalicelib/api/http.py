"""How a route is declared, guarded, validated and answered.

``Routes.public`` / ``Routes.private`` are the only ways to add a route. One
declaration binds the path and method to its roles, its pydantic schemas and
the authorizer, so the OpenAPI document, the input validation and the access
rule cannot disagree. A private route always carries the JWT authorizer and a
non-empty role set (default deny); errors become ``{code, message[, field]}``.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from chalice import Blueprint, Response
from chalice.app import Request
from pydantic import BaseModel, ValidationError

from chalicelib.auth.authorizer import jwt_auth
from chalicelib.auth.guard import admit
from chalicelib.auth.principal import Principal, Role
from chalicelib.domain.schema import Strict, View  # noqa: F401 - re-exported for route schemas
from chalicelib.errors import (
    BadRequest,
    DependencyUnavailable,
    LiaisonError,
    PayloadTooLarge,
    Unauthorized,
    UnsupportedMediaType,
)
from chalicelib.observability import logger, metrics
from chalicelib.store.models import Agency

MAX_BODY_BYTES = 256 * 1024
# Tokens travel in the Authorization header only: query strings end up in logs.
TOKEN_QUERY_PARAMETERS = frozenset({"access_token", "id_token", "token", "jwt", "authorization"})
OPERATION_ATTRIBUTE = "__liaison_operation__"


class ErrorBody(View):
    code: str
    message: str
    field: str | None = None


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    summary: str
    tag: str
    roles: frozenset[Role]
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    responses: dict[int, type[BaseModel] | None] = field(default_factory=dict)
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)  # optional request headers: name → description
    errors: tuple[int, ...] = ()  # error statuses beyond the ones every operation of its kind can answer
    also_as: tuple[str, ...] = ()  # other media types of the success response (text), chosen by the query

    @property
    def public(self) -> bool:
        return not self.roles


@dataclass(frozen=True)
class Call:
    """What a handler receives: the validated parts of the request."""

    request: Request
    principal: Principal | None
    body: Any = None
    query: Any = None
    params: dict[str, str] = field(default_factory=dict)
    agency: Agency | None = None  # an authority's agency, as the guard read it on this call

    @property
    def caller(self) -> Principal:
        """The authenticated principal of a private route."""
        if self.principal is None:
            raise Unauthorized("A valid bearer token is required.")
        return self.principal


@dataclass(frozen=True)
class Reply:
    """A handler's answer when the status or headers are not the defaults."""

    status: int
    body: BaseModel | dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Call], BaseModel | Reply | Response]
# What a declared route's name is bound to: the chalice view, which takes the path parameters.
RouteView = Callable[..., Response]
Model = TypeVar("Model", bound=BaseModel)


def header(request: Request, name: str) -> str | None:
    """A request header, whatever its case; None when absent."""
    headers: Mapping[str, str] = request.headers or {}
    return headers.get(name)


def query_of(request: Request) -> dict[str, str]:
    """The query string's parameters (the last value of a repeated one)."""
    return dict(request.query_params or {})


def body_of(request: Request) -> bytes:
    """The raw body (chalice gives bytes; a text body is encoded as chalice would)."""
    raw = request.raw_body or b""
    return raw if isinstance(raw, bytes) else raw.encode("utf-8")


def error_response(error: LiaisonError) -> Response:
    return Response(
        body=error.body(), status_code=error.status, headers={"Content-Type": "application/json", **error.headers}
    )


def _principal(request: Request, roles: frozenset[Role]) -> tuple[Principal, Agency | None]:
    """The caller, and for an authority the agency the standing check read (handlers reuse it)."""
    if TOKEN_QUERY_PARAMETERS & {name.lower() for name in (request.query_params or {})}:
        raise Unauthorized("Tokens are accepted in the Authorization header only.", code="token_in_query")
    context = (request.context or {}).get("authorizer") or {}
    if context.get("outcome") != "verified":
        message = str(context.get("message") or "A valid bearer token is required.")
        if context.get("code") == "issuer_unavailable":
            raise DependencyUnavailable(message, code="issuer_unavailable")
        raise Unauthorized(message, code=str(context.get("code") or "unauthorized"))
    principal = Principal.from_context(context)
    return principal, admit(principal, roles)


def _field_path(error: Mapping[str, Any]) -> str:
    return ".".join(str(part) for part in error.get("loc", ())) or "body"


def validate(model: type[Model], data: Any, where: str) -> Model:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        # An unknown field is named first: it is how a client tries to set what the server owns.
        first = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
        name = _field_path(first)
        if first["type"] == "extra_forbidden":
            raise BadRequest(f"Unknown {where} field '{name}'.", code="unknown_field", field=name) from None
        if first["type"] == "missing":
            raise BadRequest(f"Missing {where} field '{name}'.", code="missing_field", field=name) from None
        if not first.get("loc") and first["type"] == "value_error":
            # A rule across fields (a model validator): its own sentence, without pydantic's prefix or a field name
            # nobody typed; ``field`` stays "body" for clients.
            message = str(first["msg"]).removeprefix("Value error, ").rstrip(".")
            raise BadRequest(f"Invalid {where}: {message}.", code="invalid_field", field=name) from None
        raise BadRequest(f"Invalid {where} field '{name}': {first['msg']}.", code="invalid_field", field=name) from None


def body_required(method: str, model: type[BaseModel]) -> bool:
    """No body reads as {}, so a body is required only when its model has a required field, or when the
    operation replaces a whole document (PUT): an empty PUT must not reset it to the defaults."""
    return method == "PUT" or bool(model.model_json_schema().get("required"))


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object whose keys are each given once: with a repeated key, which value counts depends on the
    parser, so the server could act on one value and a reviewer (or the receipt's reader) see the other."""
    data: dict[str, Any] = {}
    for key, value in pairs:
        if key in data:
            raise _DuplicateKey(key)
        data[key] = value
    return data


def _json(raw: bytes) -> Any:
    """The body as JSON text in UTF-8 (RFC 8259 §8.1), decoded strictly: ``json.loads(bytes)`` would also take
    UTF-16 and UTF-32, and a receipt's ``body_sha256`` must be one the sender can recompute from what they sent
    (UTF-8). U+FFFD in the text is refused too: it is what a proxy or gateway puts in place of bytes that were
    not UTF-8."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("The body is not UTF-8: send JSON encoded in UTF-8.", code="invalid_encoding") from None
    if "\ufffd" in text:
        raise BadRequest(
            "The body holds U+FFFD, the mark of bytes that were not UTF-8 on the way: send JSON encoded in UTF-8.",
            code="invalid_encoding",
        )
    try:
        return json.loads(text, object_pairs_hook=_object)
    except _DuplicateKey as duplicate:
        raise BadRequest(f"The body gives the key '{duplicate.key}' more than once.", code="invalid_json") from None
    except (ValueError, RecursionError):
        raise BadRequest("The body is not valid JSON.", code="invalid_json") from None


def _body(request: Request, model: type[BaseModel]) -> BaseModel:
    raw = body_of(request)
    if not raw and request.method == "PUT":
        raise BadRequest("Send the whole document as the JSON body.", code="missing_body")
    if len(raw) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"The body exceeds {MAX_BODY_BYTES} bytes.")
    media_type = (header(request, "content-type") or "").split(";")[0].strip().lower()
    if raw and media_type != "application/json":
        raise UnsupportedMediaType("Send the body as JSON with 'Content-Type: application/json'.")
    data = _json(raw) if raw else {}  # no body: an empty object, so required fields are named
    if not isinstance(data, dict):
        raise BadRequest("The body must be a JSON object.", code="invalid_json")
    return validate(model, data, "body")


def _render(result: BaseModel | Reply | Response, default_status: int) -> Response:
    if isinstance(result, Response):
        return result
    reply = result if isinstance(result, Reply) else Reply(default_status, result)
    body = reply.body.model_dump(mode="json", exclude_none=True) if isinstance(reply.body, BaseModel) else reply.body
    return Response(
        body=body if body is not None else "",
        status_code=reply.status,
        headers={"Content-Type": "application/json", **reply.headers} if body is not None else dict(reply.headers),
    )


class Routes:
    """Declares the routes of one blueprint."""

    def __init__(self, name: str, tag: str) -> None:
        self.blueprint = Blueprint(name)
        self.tag = tag

    def public(
        self,
        path: str,
        method: str = "GET",
        *,
        summary: str,
        responses: dict[int, type[BaseModel] | None],
        query: type[BaseModel] | None = None,
        content_type: str = "application/json",
        also_as: tuple[str, ...] = (),
    ) -> Callable[[Handler], RouteView]:
        operation = Operation(
            method, path, summary, self.tag, frozenset(), None, query, responses, content_type, also_as=also_as
        )
        return self._register(operation)

    def private(
        self,
        path: str,
        method: str = "GET",
        *,
        summary: str,
        roles: set[Role],
        responses: dict[int, type[BaseModel] | None],
        body: type[BaseModel] | None = None,
        query: type[BaseModel] | None = None,
        headers: dict[str, str] | None = None,
        errors: tuple[int, ...] = (),
    ) -> Callable[[Handler], RouteView]:
        if not roles:
            raise ValueError(f"{method} {path}: a private route needs at least one role")
        operation = Operation(
            method,
            path,
            summary,
            self.tag,
            frozenset(roles),
            body,
            query,
            responses,
            headers=headers or {},
            errors=errors,
        )
        return self._register(operation)

    def _register(self, operation: Operation) -> Callable[[Handler], RouteView]:
        default_status = min(operation.responses) if operation.responses else 200

        def decorate(handler: Handler) -> RouteView:
            @functools.wraps(handler)
            def view(**params: str) -> Response:
                response = answer(**params)
                if not operation.public:
                    # A private answer, a refusal included, is for its caller only: no cache, shared or the
                    # browser's, keeps it. Public routes set their own caching.
                    response.headers["Cache-Control"] = "no-store"
                return response

            def answer(**params: str) -> Response:
                request = self.blueprint.current_request
                try:
                    principal, agency = (None, None) if operation.public else _principal(request, operation.roles)
                    call = Call(
                        request=request,
                        principal=principal,
                        body=_body(request, operation.body) if operation.body else None,
                        query=validate(operation.query, query_of(request), "query") if operation.query else None,
                        params=params,
                        agency=agency,
                    )
                    return _render(handler(call), default_status)
                except LiaisonError as error:
                    return error_response(error)
                except Exception:
                    # Handlers answer every expected failure with a LiaisonError; this is a bug.
                    logger.exception("unhandled error", extra={"operation": f"{operation.method} {operation.path}"})
                    metrics.add_metric(name="UnhandledErrors", unit="Count", value=1)
                    return error_response(
                        LiaisonError(
                            "Something went wrong on our side. Quote correlation id "
                            f"{logger.get_correlation_id()} when you report it."
                        )
                    )

            setattr(view, OPERATION_ATTRIBUTE, operation)
            self.blueprint.route(
                operation.path,
                methods=[operation.method],
                authorizer=None if operation.public else jwt_auth,
                # Any type reaches the handler, which refuses non-JSON bodies with the API's own 415.
                content_types=["*/*"],
            )(view)
            return view

        return decorate
