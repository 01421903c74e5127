"""HTML out: the Jinja2 environment (autoescape on), the security headers every page carries, and the small
formatting rules of the pages (time left, labels)."""

from __future__ import annotations

import functools
import hashlib
import re
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from chalice import Response

from chalicelib.clock import parse_instant
from chalicelib.settings import get_settings

HERE = Path(__file__).resolve().parent
STATIC_TYPES = {"console.css": "text/css; charset=utf-8", "console.js": "text/javascript; charset=utf-8"}


def base_path() -> str:
    """The console's path on its host (``/console`` locally, ``/v1/console`` behind a gateway stage)."""
    return urlsplit(get_settings().console_base_url).path.rstrip("/") or ""


def public_page() -> str:
    """The platform's public page (directory, policies, report), on the API: behind a stage as the API is."""
    return f"{get_settings().api_base_url.rstrip('/')}/v1/public"


def over_https() -> bool:
    return urlsplit(get_settings().console_base_url).scheme == "https"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@functools.cache
def security_headers() -> dict[str, str]:
    """No inline script or style anywhere, so the policy forbids them; forms post to us, and sign-out is
    redirected on to the provider (form-action also governs the redirects that follow a form)."""
    sign_in = get_settings().web_sign_in
    form_action = "'self'" + (f" {_origin(str(sign_in.logout_url))}" if sign_in and sign_in.logout_url else "")
    policy = (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        f"form-action {form_action}; base-uri 'none'; frame-ancestors 'none'"
    )
    headers = {
        "Content-Security-Policy": policy,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Cache-Control": "no-store",
        "X-Frame-Options": "DENY",
    }
    if over_https():
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return headers


@functools.cache
def static_file(name: str) -> tuple[bytes, str]:
    body = (HERE / "static" / name).read_bytes()
    return body, hashlib.sha256(body).hexdigest()[:12]


def static_url(name: str) -> str:
    return f"{base_path()}/static/{name}?v={static_file(name)[1]}"


def time_left(instant: str | None, now: datetime) -> str:
    """'3 h 12 min left' / '5 min overdue': minutes are what a desk acts on."""
    if not instant:
        return ""
    seconds = int((parse_instant(instant) - now).total_seconds())
    minutes = abs(seconds) // 60
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        text = f"{days} d {hours} h"
    elif hours:
        text = f"{hours} h {mins:02d} min"
    else:
        text = f"{mins} min"
    return f"{text} left" if seconds >= 0 else f"{text} overdue"


def when(instant: str | None) -> str:
    """A stored instant as a person reads it (UTC, to the minute)."""
    if not instant:
        return ""
    return parse_instant(instant).strftime("%Y-%m-%d %H:%M UTC")


INSTANT = re.compile(r"\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?Z\b")


def times(text: str | None) -> str:
    """A sentence with stored instants in it (``domain.user_notice.words``), each as a person reads it."""

    def shown(found: re.Match[str]) -> str:
        try:
            return datetime.fromisoformat(found.group(0)).strftime("%Y-%m-%d %H:%M UTC")
        except ValueError:
            return found.group(0)

    return INSTANT.sub(shown, str(text or ""))


def label(value: Any) -> str:
    """An enum value as words: 'partially_fulfilled' → 'Partially fulfilled'."""
    text = str(value or "").replace("_", " ")
    return text[:1].upper() + text[1:]


@functools.cache
def environment():
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(label=label, when=when, times=times)
    env.globals.update(static_url=static_url, public_page=public_page)
    return env


def page(template: str, status: int = 200, headers: dict[str, str] | None = None, **context: Any) -> Response:
    html = environment().get_template(template).render(base=base_path(), **context)
    return Response(
        body=html,
        status_code=status,
        headers={"Content-Type": "text/html; charset=utf-8", **security_headers(), **(headers or {})},
    )


def redirect(location: str, headers: dict[str, str] | None = None) -> Response:
    return Response(body="", status_code=303, headers={"Location": location, **security_headers(), **(headers or {})})
