"""One signed HTTP POST to a subscriber, with a timeout, and what came back.

The body is the exact bytes that are signed. Redirects are not followed (a receiver
moving must update its subscription). Targets on loopback, private, link-local or
reserved addresses are refused unless ``webhook_allow_private_targets`` (default: only
in demo and test modes), so a subscription cannot make Kith probe its own network.
"""

from __future__ import annotations

import functools
import ipaddress
import logging
import socket
import ssl
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from kith.core.errors import FieldError, ValidationFailed
from kith.platform import signing

if TYPE_CHECKING:
    import httpx

MAX_BODY_KEPT = 2_000
USER_AGENT = "Kith-Webhooks/1"


@dataclass(frozen=True)
class SendResult:
    ok: bool
    status_code: int | None
    latency_ms: float
    error: str | None
    response_body: str | None


def check_url(url: str, path: tuple[str | int, ...] = ("body", "url")) -> str:
    import httpx

    try:
        parts = urlsplit(url)
        hostname = parts.hostname
        httpx.URL(url)
    except (ValueError, httpx.InvalidURL):
        raise ValidationFailed(
            "webhook URL is not valid", [FieldError(list(path), "not a valid URL")]
        ) from None
    if parts.scheme not in ("http", "https") or not hostname or any(c.isspace() for c in url):
        raise ValidationFailed(
            "webhook URL must be http(s)",
            [FieldError(list(path), "must be an absolute http:// or https:// URL")],
        )
    if parts.username or parts.password:
        raise ValidationFailed(
            "webhook URL must not carry credentials",
            [FieldError(list(path), "put no user:password in the URL; verify the signature")],
        )
    return url


def refused_address(url: str, allow_private: bool) -> str | None:
    """Why ``url`` may not be called (its host resolves to an internal address), or None."""
    if allow_private:
        return None
    try:
        host = urlsplit(url).hostname or ""
        infos = socket.getaddrinfo(host, None)
    except (OSError, ValueError, UnicodeError) as exc:
        return f"cannot resolve the host of {url[:200]}: {exc}"
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if (
            address.is_private
            or address.is_loopback
            or address.is_link_local
            or address.is_reserved
            or address.is_multicast
            or address.is_unspecified
        ):
            return f"{host} resolves to the internal address {address}"
    return None


def headers_for(
    secret: str,
    body: bytes,
    event_id: str,
    event_type: str,
    delivery_id: str,
    attempt: int,
    now: int,
) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        signing.SIGNATURE_HEADER: signing.signature_header(secret, now, body),
        signing.EVENT_ID_HEADER: event_id,
        signing.EVENT_TYPE_HEADER: event_type,
        signing.DELIVERY_ID_HEADER: delivery_id,
        signing.ATTEMPT_HEADER: str(attempt),
    }


def post(
    client: httpx.Client,
    url: str,
    body: bytes,
    headers: dict[str, str],
    allow_private: bool,
) -> SendResult:
    import httpx

    started = time.perf_counter()
    refused = refused_address(url, allow_private)
    if refused:
        return SendResult(False, None, 0.0, refused, None)
    try:
        response = client.post(url, content=body, headers=headers)
    except httpx.TimeoutException:
        return SendResult(False, None, _ms(started), "timed out", None)
    except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:
        return SendResult(False, None, _ms(started), _short(f"{type(exc).__name__}: {exc}"), None)
    text = response.text[:MAX_BODY_KEPT] if response.content else None
    ok = 200 <= response.status_code < 300
    error = None if ok else f"HTTP {response.status_code}"
    return SendResult(ok, response.status_code, _ms(started), error, text)


def client(timeout: float) -> httpx.Client:
    """A client for one sending thread. ``TCP_NODELAY``: the request's headers and body
    are separate writes, and without it the body waits for the receiver's delayed ACK
    (about 40 ms per request on Linux, measured: 35 deliveries/s instead of hundreds)."""
    import httpx

    # httpx logs every request at INFO with its URL; a receiver's URL may carry a token,
    # and a worker at INFO would write one line per delivery.
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)
    transport = httpx.HTTPTransport(
        verify=_tls_context(),
        socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)],
        retries=0,
    )
    return httpx.Client(
        transport=transport,
        timeout=httpx.Timeout(timeout),
        follow_redirects=False,
        trust_env=False,
    )


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """One TLS context for every client: building one loads the CA bundle (tens of ms,
    measured ~0.5 s under load), which a client per sending thread would pay each time."""
    import certifi

    return ssl.create_default_context(cafile=certifi.where())


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)


def _short(text: str) -> str:
    return text[:500]
