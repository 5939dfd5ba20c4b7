"""Deriving the current consent from the append-only history, and signed links."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kith.core.errors import PermissionDenied
from kith.core.settings import Settings
from kith.privacy import links
from kith.privacy.ledger import effective, latest_by_pair, state_of
from kith.privacy.models import ConsentEvent

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


def _event(
    n: int, channel: str, state: str, *, days: int = 0, expires: datetime | None = None
) -> ConsentEvent:
    at = T0 + timedelta(days=days)
    return ConsentEvent(
        id=f"{n:032x}",
        tenant_id="t",
        contact_id="c",
        purpose="marketing",
        channel=channel,
        state=state,
        source="form",
        at=at,
        recorded_at=at,
        expires_at=expires,
        legal_basis="consent",
    )


def test_the_latest_event_of_a_pair_is_its_current_state() -> None:
    history = [_event(1, "sms", "granted"), _event(2, "sms", "revoked", days=3)]
    current = latest_by_pair(reversed(history))
    assert current[("marketing", "sms")].state == "revoked"


def test_every_channel_and_one_channel_the_later_wins() -> None:
    blanket_revoke = _event(1, "*", "revoked", days=1)
    sms_grant = _event(2, "sms", "granted", days=2)
    current = latest_by_pair([blanket_revoke, sms_grant])
    assert effective(current, "marketing", "sms") is sms_grant
    assert effective(current, "marketing", "email") is blanket_revoke
    later_revoke = _event(3, "*", "revoked", days=5)
    current = latest_by_pair([blanket_revoke, sms_grant, later_revoke])
    assert effective(current, "marketing", "sms") is later_revoke
    assert effective(current, "profiling", "sms") is None


def test_a_grant_past_its_expiry_is_expired() -> None:
    grant = _event(1, "email", "granted", expires=T0 + timedelta(days=30))
    assert state_of(grant, T0 + timedelta(days=29)) == "granted"
    assert state_of(grant, T0 + timedelta(days=30)) == "expired"


def test_preference_links_are_signed_and_expire() -> None:
    settings = Settings(mode="production", secret_key="s3cret-key-for-tests")
    token = links.sign(settings, "tenant", "contact", T0 + timedelta(days=1))
    claims = links.verify(settings, token, T0)
    assert (claims.tenant_id, claims.contact_id) == ("tenant", "contact")
    with pytest.raises(PermissionDenied, match="expired"):
        links.verify(settings, token, T0 + timedelta(days=2))
    other = Settings(mode="production", secret_key="another-key")
    with pytest.raises(PermissionDenied, match="not valid"):
        links.verify(other, token, T0)
    _payload, mac = token.split(".")
    forged_payload = links._b64(b'{"t":"tenant","c":"someone-else","e":9999999999}')
    with pytest.raises(PermissionDenied, match="not valid"):
        links.verify(settings, f"{forged_payload}.{mac}", T0)


def test_production_refuses_to_sign_without_a_secret() -> None:
    with pytest.raises(links.LinkKeyMissing):
        links.sign(Settings(mode="production"), "t", "c", T0)
