"""Embed tokens of the open platform: a host system (an MES, an ERP) shows one Kith
component for one record inside its own page.

The host's back end mints the token with its API key (``POST /api/v1/embed/tokens``;
a signed-in person may too), then its page loads the component's script and passes the
token; the component's routes (``/embed/api/...``, no cookies, CORS) act with the rights
of whoever minted it — the person, or the API key narrowed by its scopes — on that one
record only, until it expires (at most ``MAX_TTL``). Every token minted is audited
(``embed_token.issued``) and every action taken with it goes through the gateway.

A token is ``base64url(payload) "." base64url(HMAC-SHA256(key, payload))``; the
payload names the token, the tenant, the component, the record, the minter (kind and
id) and the expiry. The minter is resolved again on every use
(``kith.gateway.principals.resolve_principal``): a revoked key, an expired key or a
switched-off person stops its tokens at once.

Components are registered by ``kith.bootstrap.wire`` (``register_component``): the
registry sits here, the contexts that own the records (field service: ``dispatch``)
sit beside platform and may not be imported by it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from kith.access.principal import Principal
from kith.core.errors import FieldError, PermissionDenied, ValidationFailed
from kith.core.settings import Settings, ensure_install_secret
from kith.db.uow import UnitOfWork
from kith.gateway.principals import resolve_principal

DEFAULT_TTL = timedelta(minutes=15)
MAX_TTL = timedelta(hours=1)
AUDIT_ACTION = "embed_token.issued"
MINTERS = ("user", "api_key")

# (unit of work, the minter, record id) → None when the minter may open that record;
# raises NotFound / PermissionDenied otherwise.
RecordCheck = Callable[[UnitOfWork, Principal, str], None]


class EmbedKeyMissing(RuntimeError):
    pass


@dataclass(frozen=True)
class EmbedComponent:
    """A component a host page may embed: the record type it opens, the API-key scope a
    key needs to mint its tokens, where its script is and the element it defines."""

    name: str
    record_type: str
    scope: str
    script: str
    element: str
    check: RecordCheck


_COMPONENTS: dict[str, EmbedComponent] = {}


def register_component(component: EmbedComponent) -> None:
    _COMPONENTS[component.name] = component


def components() -> tuple[EmbedComponent, ...]:
    return tuple(_COMPONENTS[name] for name in sorted(_COMPONENTS))


def component_named(name: str) -> EmbedComponent:
    found = _COMPONENTS.get(name)
    if found is None:
        known = ", ".join(sorted(_COMPONENTS)) or "none"
        raise ValidationFailed(
            f"No embeddable component {name!r} (known: {known})",
            [FieldError(["body", "component"], "unknown component")],
        )
    return found


@dataclass(frozen=True)
class EmbedClaims:
    token_id: str
    tenant_id: str
    component: str
    record_id: str
    minter_kind: str
    minter_id: str
    expires_at: datetime


def _key(settings: Settings) -> bytes:
    if settings.secret_key:
        secret = settings.secret_key
    elif settings.is_demo:
        secret = ensure_install_secret(settings.home)
    else:
        raise EmbedKeyMissing("KITH_SECRET_KEY is required to sign embed tokens")
    return hashlib.sha256(b"kith-embed-token:" + secret.encode()).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def issue(settings: Settings, claims: EmbedClaims) -> str:
    payload = json.dumps(
        {
            "j": claims.token_id,
            "t": claims.tenant_id,
            "c": claims.component,
            "r": claims.record_id,
            "k": claims.minter_kind,
            "m": claims.minter_id,
            "e": int(claims.expires_at.timestamp()),
        },
        separators=(",", ":"),
    ).encode()
    mac = hmac.new(_key(settings), payload, hashlib.sha256).digest()
    return f"{_b64(payload)}.{_b64(mac)}"


def verify(settings: Settings, token: str, now: datetime) -> EmbedClaims:
    """The claims of a valid, unexpired token; ``PermissionDenied`` otherwise."""
    denied = PermissionDenied("this embed token is not valid")
    try:
        payload_part, mac_part = token.split(".", 1)
        payload, mac = _unb64(payload_part), _unb64(mac_part)
    except ValueError as exc:
        raise denied from exc
    if not hmac.compare_digest(mac, hmac.new(_key(settings), payload, hashlib.sha256).digest()):
        raise denied
    try:
        data = json.loads(payload)
        claims = EmbedClaims(
            token_id=str(data["j"]),
            tenant_id=str(data["t"]),
            component=str(data["c"]),
            record_id=str(data["r"]),
            minter_kind=str(data["k"]),
            minter_id=str(data["m"]),
            expires_at=datetime.fromtimestamp(data["e"], UTC),
        )
    except (ValueError, KeyError, TypeError, OverflowError, OSError) as exc:
        raise denied from exc
    if claims.expires_at <= now:
        raise PermissionDenied("this embed token has expired; ask the host for a new one")
    return claims


def mint(
    uow: UnitOfWork,
    principal: Principal,
    settings: Settings,
    component_name: str,
    record_id: str,
    ttl: timedelta,
    now: datetime,
) -> tuple[str, EmbedClaims, EmbedComponent]:
    """A token for ``component_name`` on ``record_id`` acting as ``principal``, audited.

    An API key needs the component's scope (``work_orders:write`` for ``dispatch``):
    the token can do what the key can, on one record, never more."""
    component = component_named(component_name)
    if principal.kind not in MINTERS:
        raise PermissionDenied("an embed token is minted by a person or an API key")
    if not principal.has_api_scope(component.scope):
        raise PermissionDenied(f"this API key lacks the scope {component.scope}")
    if not timedelta(0) < ttl <= MAX_TTL:
        raise ValidationFailed(
            "An embed token lives 1 to 60 minutes",
            [FieldError(["body", "ttl_minutes"], "between 1 and 60")],
        )
    component.check(uow, principal, record_id)
    claims = EmbedClaims(
        token_id=secrets.token_hex(16),
        tenant_id=principal.tenant_id,
        component=component.name,
        record_id=record_id,
        minter_kind=principal.kind,
        minter_id=principal.id,
        expires_at=now + ttl,
    )
    token = issue(settings, claims)
    uow.audit(
        principal.tenant_id,
        principal.actor,
        AUDIT_ACTION,
        component.record_type,
        record_id,
        token_id=claims.token_id,
        component=component.name,
        expires_at=claims.expires_at.isoformat(),
        ttl_minutes=int(ttl.total_seconds() // 60),
    )
    return token, claims, component


def acting(
    uow: UnitOfWork,
    settings: Settings,
    token: str,
    component_name: str,
    record_id: str,
    now: datetime,
) -> Principal:
    """Who acts for a valid token on ``component_name``/``record_id``: its minter as
    they stand now (a revoked key or a switched-off person is refused)."""
    claims = verify(settings, token, now)
    if claims.component != component_name:
        raise PermissionDenied("this embed token is for another component")
    if claims.record_id != record_id:
        raise PermissionDenied("this embed token opens another record")
    principal = resolve_principal(
        uow.session, claims.tenant_id, claims.minter_kind, claims.minter_id
    )
    if principal is None:
        raise PermissionDenied("whoever minted this embed token cannot act any more")
    return principal
