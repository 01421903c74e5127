"""How a web page is declared, guarded and answered; the sign-in, sign-out and static routes.

``Pages.page`` is the only way to add a page. It reads the session cookie, turns the session into the
principal its ID token gave, and asks the API's own guard (``auth.guard.admit``) whether that principal may
see this page, exactly as a route of the API asks for a bearer token. A representative must also still be
in the registry, for the region their sign-in named: the pages read that record anyway (name, lead). Every
form that changes something carries the session's CSRF token; without it, or with another session's, the
answer is 403 and nothing is changed. Refusals from the services are shown as pages with the API's message;
anything unexpected is logged and answered with a page that quotes the correlation id, never a traceback.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple
from urllib.parse import parse_qs, quote

from botocore.exceptions import BotoCoreError, ClientError
from chalice import Blueprint, Response
from chalice.app import Request

from chalicelib.api.http import OPERATION_ATTRIBUTE, body_of, header, query_of
from chalicelib.api.identity import get_me
from chalicelib.auth.guard import admit
from chalicelib.auth.principal import Principal, Role
from chalicelib.clock import app_clock
from chalicelib.errors import (
    BadRequest,
    DependencyUnavailable,
    Forbidden,
    LiaisonError,
    NotFound,
    PayloadTooLarge,
    Unauthorized,
)
from chalicelib.observability import logger, metrics
from chalicelib.settings import get_settings
from chalicelib.store.agencies import AgencyRepository
from chalicelib.store.models import Agency, LegalRequest, Representative, WebSession
from chalicelib.store.representatives import RepresentativeRepository
from chalicelib.web import render, signin
from chalicelib.web.sessions import Cookie, Session, Sessions, cookie_value

blueprint = Blueprint(__name__)
sessions = Sessions()
FORM_TYPES = ["application/x-www-form-urlencoded"]
UPLOAD_TYPES = ["multipart/form-data"]
# A form as large as the largest request the API takes (256 KB of JSON), percent-encoded (up to 9 bytes for a
# character of 3): an officer's long filing is not refused by the page when the API would take it.
MAX_FORM_BYTES = 1024 * 1024
# The largest form: a new request with its 100 target rows (2 fields each) and the rest of its fields.
MAX_FORM_FIELDS = 300
# A file sent through a page travels inside one Lambda invocation (6 MB, base64 included); larger documents
# (up to 25 MB) go straight to S3 through the API's presigned POST.
MAX_UPLOAD_BYTES = 4 * 1024 * 1024
PAGE_ATTRIBUTE = "__liaison_page__"  # what the route table and the OpenAPI builder read: a page, not an operation
RETURN_TO = re.compile(r"^/[A-Za-z0-9/_.\-?=&%]*$")


def cookie_name() -> str:
    # __Host-: the browser accepts it only with Secure, Path=/ and no Domain, so no subdomain can plant it.
    return "__Host-liaison-session" if render.over_https() else "liaison-session"


def set_cookie(value: str) -> str:
    return f"{cookie_name()}={value}; Path=/; HttpOnly; SameSite=Lax" + ("; Secure" if render.over_https() else "")


def clear_cookie() -> str:
    return f"{cookie_name()}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax" + ("; Secure" if render.over_https() else "")


def read_cookie(request: Request) -> Cookie | None:
    """Our cookie among whatever else the browser sends for this host (other apps on 127.0.0.1 included): split
    by hand, since one malformed neighbour makes the standard library's parser drop every cookie."""
    raw = header(request, "cookie") or ""
    name = cookie_name()
    for pair in raw.split(";"):
        key, _, value = pair.strip().partition("=")
        if key == name:
            return Cookie.parse(value.strip())
    return None


def prefetch(cookie: Cookie, request_id: str | None) -> dict[str, Any]:
    """The session, the person's registry record and the request the page shows, in one BatchGetItem (strongly
    consistent): a page costs this read plus what it lists. Each found item as its model; absent ones missing."""
    from chalicelib.aws import client
    from chalicelib.services.access import REQUEST_ID

    settings = get_settings()
    wanted: dict[str, tuple[str, dict[str, Any]]] = {
        settings.sessions_table: ("session", {"session_key": {"S": cookie.key}})
    }
    if cookie.subject:
        wanted[settings.representatives_table] = ("representative", {"rep_id": {"S": cookie.subject}})
    if request_id and REQUEST_ID.match(request_id):
        wanted[settings.requests_table] = ("request", {"request_id": {"S": request_id}})
    asked: dict[str, Any] = {table: {"Keys": [key], "ConsistentRead": True} for table, (_, key) in wanted.items()}
    found: dict[str, Any] = {}
    for _ in range(3):
        try:
            answer = client("dynamodb").batch_get_item(RequestItems=asked)
        except (BotoCoreError, ClientError) as error:
            raise DependencyUnavailable("The session store cannot be reached right now; retry shortly.") from error
        for table, items in answer.get("Responses", {}).items():
            if items:
                found[wanted[table][0]] = items[0]
        asked = answer.get("UnprocessedKeys") or {}
        if not asked:
            break
    else:
        raise DependencyUnavailable("The session store is busy; retry shortly.")
    models = {"session": WebSession, "representative": Representative, "request": LegalRequest}
    return {name: models[name].from_raw_data(raw) for name, raw in found.items()}


class UploadedFile(NamedTuple):
    filename: str
    content_type: str
    data: bytes


def read_multipart(request: Request) -> tuple[dict[str, str], dict[str, UploadedFile]]:
    """A multipart form (a file upload): its fields and its files."""
    from email.parser import BytesParser
    from email.policy import HTTP

    raw = body_of(request)
    if len(raw) > MAX_UPLOAD_BYTES + MAX_FORM_BYTES:
        raise PayloadTooLarge(
            f"A file sent through the console may be at most {MAX_UPLOAD_BYTES // (1024 * 1024)} "
            "MB; send larger documents (up to 25 MB) through the API.",
            code="payload_too_large",
        )
    content_type = header(request, "content-type") or ""
    message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode("latin-1") + raw)
    if not message.is_multipart():
        raise BadRequest("The form could not be read.", code="invalid_form")
    fields: dict[str, str] = {}
    files: dict[str, UploadedFile] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        filename = part.get_filename()
        decoded = part.get_payload(decode=True)  # bytes; None for a part with parts of its own
        payload = decoded if isinstance(decoded, bytes) else b""
        if filename is not None:
            files[str(name)] = UploadedFile(str(filename), part.get_content_type(), payload)
        else:
            try:
                fields[str(name)] = payload.decode("utf-8")
            except UnicodeDecodeError:
                raise BadRequest("The form could not be read (not UTF-8).", code="invalid_encoding") from None
    return fields, files


def read_form(request: Request) -> dict[str, str]:
    raw = body_of(request)
    if len(raw) > MAX_FORM_BYTES:
        raise PayloadTooLarge(f"The form exceeds {MAX_FORM_BYTES} bytes.")
    try:
        fields = parse_qs(
            raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False, max_num_fields=MAX_FORM_FIELDS
        )
    except (UnicodeDecodeError, ValueError):
        raise BadRequest("The form could not be read.", code="invalid_form") from None
    return {name: values[-1] for name, values in fields.items()}


@dataclass
class Visit:
    """What a page handler receives."""

    request: Request
    session: Session
    principal: Principal
    params: dict[str, str]
    form: dict[str, str] = field(default_factory=dict)
    files: dict[str, UploadedFile] = field(default_factory=dict)
    agency: Agency | None = None
    representative: Representative | None = None
    read: LegalRequest | None = None  # the request of the page's path, read with the session (not yet checked)

    @property
    def now(self) -> datetime:
        return app_clock.now()

    @property
    def query(self) -> dict[str, str]:
        return query_of(self.request)

    def render(self, template: str, status: int = 200, **context: Any) -> Response:
        return render.page(template, status, **self.context(), **context)

    def context(self) -> dict[str, Any]:
        return {
            "me": self.principal,
            "rep": self.representative,
            "csrf": self.session.csrf_token,
            "now": self.now,
            "time_left": lambda instant: render.time_left(instant, self.now),
        }


PageHandler = Callable[[Visit], Response]


class WebPage(NamedTuple):
    """A route of the web pages: guarded by the session and ``roles``; no roles means open to anyone. ``like``:
    the API operation whose roles the page takes ("METHOD path"), so API and pages share one role table."""

    path: str
    methods: tuple[str, ...]
    roles: frozenset[Role]
    like: str | None = None

    @property
    def public(self) -> bool:
        return not self.roles


def public_page(path: str, view: Callable[..., Response]) -> Callable[..., Response]:
    """The few pages before a session exists: sign-in, the provider's callback, signed-out, the stylesheet."""
    setattr(view, PAGE_ATTRIBUTE, WebPage(path, ("GET",), frozenset()))
    return blueprint.route(path, methods=["GET"])(view)


def sign_in_location(request: Request) -> str:
    path = actual_path(request)
    query = "&".join(f"{quote(k)}={quote(v)}" for k, v in (request.query_params or {}).items())
    target = f"{render.base_path()}{_page_path(path)}" + (f"?{query}" if query else "")
    return f"{render.base_path()}/sign-in?return_to={quote(target, safe='')}"


def actual_path(request: Request) -> str:
    """The path asked for: the route's pattern (``request.path``) with its parameters filled in, the same under
    API Gateway (whatever its stage) and ``chalice local``."""
    path = request.path
    for name, value in (request.uri_params or {}).items():
        path = path.replace("{" + name + "}", quote(str(value), safe=""))
    return path


def _page_path(path: str) -> str:
    """The page's own path under the console base (the route path starts with /console)."""
    return path.removeprefix("/console")


# The guard's refusals of an officer whose agency cannot file: the page says which, and where to turn.
AGENCY_STANDING = {
    "agency_unknown": "Your agency is not registered",
    "agency_not_verified": "Your agency is not verified yet",
    "agency_suspended": "Your agency's access is suspended",
}


def _where_to_turn(principal: Principal | None) -> dict[str, Any] | None:
    """The directory's entry for the officer's agency's country (the default desk's if unknown): how to get an
    account, and the emergency channel, which answers at any hour whatever the agency's standing."""
    from chalicelib.services import directory

    try:
        agency = AgencyRepository().get(principal.agency_id) if principal and principal.agency_id else None
        if agency is not None:
            return directory.for_country(agency.country).get("contact")
        current = directory.directory()
        return current.entry(None, current.default_region, "default_region").get("contact")
    except Exception:  # the page still says what is wrong, without the contact
        logger.exception("directory unavailable for the agency standing page")
        return None


def error_page(
    error: LiaisonError,
    principal: Principal | None = None,
    csrf: str | None = None,
    *,
    refused: Principal | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """``principal``: who is signed in (the page shows them); ``refused``: someone refused at sign-in, who is not,
    but whose agency's standing the page still explains."""
    standing = AGENCY_STANDING.get(error.code or "")
    contact = _where_to_turn(principal or refused) if standing else None
    if contact is not None and hasattr(contact, "model_dump"):
        contact = contact.model_dump(mode="json")
    return render.page(
        "error.html",
        error.status,
        error=error,
        me=principal,
        rep=None,
        csrf=csrf or "",
        standing=standing,
        contact=contact,
        headers=headers,
    )


def _unexpected(where: str) -> Response:
    """A bug: logged with its traceback and counted; the person gets a page quoting the correlation id."""
    logger.exception("unhandled error", extra={"page": where})  # noqa: LOG004 - called only from except blocks
    metrics.add_metric(name="UnhandledErrors", unit="Count", value=1)
    return error_page(
        LiaisonError(
            f"Something went wrong on our side. Quote correlation id {logger.get_correlation_id()} when you report it."
        )
    )


def roles_of(api_view: Callable[..., Any]) -> tuple[frozenset[Role], str]:
    """The roles an API route was declared with (``api.http.Routes``), and the route."""
    operation = getattr(api_view, OPERATION_ATTRIBUTE)
    return operation.roles, f"{operation.method} {operation.path}"


class Pages:
    def page(
        self,
        path: str,
        methods: tuple[str, ...] = ("GET",),
        *,
        like: Callable[..., Any],
        content_types: list[str] | None = None,
    ) -> Callable[[PageHandler], PageHandler]:
        """Declare a page, open to the roles of the API route ``like`` (the page does what that route does, for
        people). A path with ``{request_id}`` gets the request read with the session (``visit.read``)."""
        roles, api_route = roles_of(like)

        def decorate(handler: PageHandler) -> PageHandler:
            @functools.wraps(handler)
            def view(**params: str) -> Response:
                request = blueprint.current_request
                session = None
                try:
                    cookie = read_cookie(request)
                    fetched = prefetch(cookie, params.get("request_id")) if cookie else {}
                    session = sessions.find(cookie.secret, prefetched=fetched.get("session")) if cookie else None
                    if session is not None and cookie and cookie.subject != session.principal.subject:
                        session = None  # a cookie naming someone else than its session: not a session
                    if session is None:
                        if request.method == "GET":
                            return render.redirect(sign_in_location(request))
                        raise Unauthorized(
                            "Your session has ended, so nothing was changed. Sign in again.", code="session_ended"
                        )
                    visit = Visit(request, session, session.principal, params, read=fetched.get("request"))
                    read_rep = fetched.get("representative") if cookie and cookie.subject else False
                    if session.principal.role is Role.REPRESENTATIVE and read_rep is False:
                        read_rep = RepresentativeRepository().get(session.principal.subject)
                    visit.agency = admit(session.principal, roles, representative=read_rep)
                    if session.principal.role is Role.REPRESENTATIVE:  # admitted: on the desk they claim
                        visit.representative = read_rep if isinstance(read_rep, Representative) else None
                    if request.method == "POST":
                        multipart = (header(request, "content-type") or "").startswith("multipart/")
                        if multipart:
                            visit.form, visit.files = read_multipart(request)
                        else:
                            visit.form = read_form(request) if request.raw_body else {}
                        if not session.csrf_matches(visit.form.get("csrf")):
                            raise Forbidden(
                                "This form was not sent from your current session, so nothing was "
                                "changed. Reload the page and try again.",
                                code="csrf_failed",
                            )
                    return handler(visit)
                except Unauthorized as refused:
                    if request.method == "GET" and refused.code == "token_expired":
                        return render.redirect(sign_in_location(request))
                    return error_page(refused)
                except LiaisonError as error:
                    return error_page(
                        error, session.principal if session else None, session.csrf_token if session else None
                    )
                except Exception:  # noqa: BLE001 - the page boundary: _unexpected logs the bug and answers 500
                    return _unexpected(f"{request.method} {path}")

            setattr(view, PAGE_ATTRIBUTE, WebPage(path, methods, roles, api_route))
            blueprint.route(
                path,
                methods=list(methods),
                content_types=content_types or (FORM_TYPES if "POST" in methods else None) or ["application/json"],
            )(view)
            return handler  # pages may call one another (the console's home is the queue)

        return decorate


pages = Pages()


def _sign_in_settings():
    sign_in = get_settings().web_sign_in
    if sign_in is None:
        raise NotFound(
            "Sign-in is not configured on this deployment (LIAISON_WEB_SIGN_IN).", code="sign_in_not_configured"
        )
    return sign_in


def _callback_url() -> str:
    return f"{get_settings().console_base_url.rstrip('/')}/callback"


def _safe_return(target: str | None) -> str:
    """Only a path of this console: never another site (an open redirect) nor a scheme-relative URL."""
    home = f"{render.base_path()}/"
    if (
        not target
        or not RETURN_TO.match(target)
        or target.startswith("//")
        or "//" in target
        or not target.startswith(home)
    ):
        return home
    return target


def sign_in() -> Response:
    """Start the provider's sign-in: a pending session bound to this browser, then the provider's page. A browser
    already signed in goes straight where it was going (a link to this page cannot sign anyone out)."""
    request = blueprint.current_request
    try:
        sign_in_settings = _sign_in_settings()
        return_to = _safe_return(query_of(request).get("return_to"))
        cookie = read_cookie(request)
        if cookie is not None and sessions.find(cookie.secret) is not None:
            return render.redirect(return_to)
        secret, pending = sessions.begin_sign_in(return_to)
        location = signin.authorization_url(sign_in_settings, _callback_url(), pending)
        return render.redirect(location, {"Set-Cookie": set_cookie(secret)})
    except LiaisonError as error:
        return error_page(error)
    except Exception:  # noqa: BLE001 - the page boundary: _unexpected logs the bug and answers 500
        return _unexpected("GET /console/sign-in")


def callback() -> Response:
    """The provider's answer: check it belongs to the sign-in this browser started, verify the ID token,
    then open a session under a fresh secret."""
    request = blueprint.current_request
    query = query_of(request)
    principal = None
    try:
        sign_in_settings = _sign_in_settings()
        cookie = read_cookie(request)
        pending = sessions.take_pending(cookie.secret if cookie else None)
        if pending is None:
            raise Unauthorized(
                "This sign-in has expired or was started in another browser. Sign in again.", code="sign_in_expired"
            )
        if "error" in query:
            raise Unauthorized(
                f"The sign-in provider did not sign you in ({query['error'][:64]}).", code="sign_in_refused"
            )
        if not query.get("code") or not query.get("state"):
            raise BadRequest("The sign-in answer is incomplete.", code="invalid_callback")
        principal = signin.redeem(sign_in_settings, _callback_url(), pending, query["state"], query["code"])
        admit(principal, roles_of(get_me)[0])  # an agency not (or no longer) in standing is told so now
        secret, _ = sessions.open(principal)
        logger.info("signed in", extra={"subject": principal.subject, "role": principal.role.value})
        return render.redirect(
            pending.return_to or f"{render.base_path()}/",
            {"Set-Cookie": set_cookie(cookie_value(secret, principal.subject))},
        )
    except LiaisonError as error:  # an officer whose agency cannot file is told why and where to turn, here too
        return error_page(error, refused=principal, headers={"Set-Cookie": clear_cookie()})
    except Exception:  # noqa: BLE001 - the page boundary: _unexpected logs the bug and answers 500
        return _unexpected("GET /console/callback")


@pages.page("/console/sign-out", ("POST",), like=get_me)
def sign_out(visit: Visit) -> Response:
    """End our session, then the provider's, which sends the browser back to the signed-out page."""
    sessions.close(visit.session.secret)
    back = f"{get_settings().console_base_url.rstrip('/')}/signed-out"
    sign_in_settings = get_settings().web_sign_in
    location = signin.logout_url(sign_in_settings, back) if sign_in_settings else None
    return render.redirect(location or back, {"Set-Cookie": clear_cookie()})


def signed_out() -> Response:
    return render.page("signed_out.html", me=None, rep=None, csrf="", headers={"Set-Cookie": clear_cookie()})


def static(name: str) -> Response:
    if name not in render.STATIC_TYPES:
        return error_page(NotFound("No such file."))
    body, _ = render.static_file(name)
    return Response(
        body=body.decode("utf-8"),
        status_code=200,
        headers={
            "Content-Type": render.STATIC_TYPES[name],
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "public, max-age=31536000, immutable",
        },
    )


public_page("/console/sign-in", sign_in)
public_page("/console/callback", callback)
public_page("/console/signed-out", signed_out)
public_page("/console/static/{name}", static)
