"""Webhook signatures as a receiver checks them: the documented header verifies; an
unsigned, stale, future, tampered or wrongly keyed request is refused with its reason."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from kith.platform import signing
from kith.platform.delivery import DeliveryPolicy
from kith.platform.sender import check_url, refused_address

SECRET = "whsec_test"
BODY = b'{"id":"e1","type":"deal.won"}'
T = 1_796_000_000


def test_the_header_is_hmac_sha256_over_timestamp_dot_body() -> None:
    header = signing.signature_header(SECRET, T, BODY)
    expected = hmac.new(SECRET.encode(), f"{T}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert header == f"t={T},v1={expected}"
    assert signing.verify(SECRET, header, BODY, now=T + 299) == T
    # several v1 values (a receiver rotating secrets) pass if one matches
    assert signing.verify(SECRET, f"t={T},v1=00,v1={expected}", BODY, now=T) == T


@pytest.mark.parametrize(
    ("header", "body", "now", "secret", "reason"),
    [
        (None, BODY, T, SECRET, "missing Kith-Signature"),
        ("v1=abc", BODY, T, SECRET, "no valid t="),
        (f"t={T}", BODY, T, SECRET, "no v1="),
        ("stale", BODY, T + 301, SECRET, "outside the 300 s replay window"),
        ("stale", BODY, T - 301, SECRET, "outside the 300 s replay window"),
        ("good", BODY + b" ", T, SECRET, "does not match"),
        ("good", BODY, T, "whsec_other", "does not match"),
    ],
)
def test_bad_requests_are_refused_with_a_reason(
    header: str | None, body: bytes, now: int, secret: str, reason: str
) -> None:
    if header in ("stale", "good"):
        header = signing.signature_header(SECRET, T, BODY)
    with pytest.raises(signing.SignatureError) as refused:
        signing.verify(secret, header, body, now=now)
    assert reason in refused.value.reason


def test_backoff_doubles_up_to_the_cap() -> None:
    policy = DeliveryPolicy(backoff=10, backoff_max=60)
    assert [policy.delay(n).total_seconds() for n in (1, 2, 3, 4, 5)] == [10, 20, 40, 60, 60]


def test_internal_targets_are_refused_unless_allowed() -> None:
    assert refused_address("http://127.0.0.1:8000/x", allow_private=False)
    assert refused_address("http://10.1.2.3/x", allow_private=False)
    assert refused_address("http://[::1]/x", allow_private=False)
    assert refused_address("http://169.254.169.254/latest", allow_private=False)
    assert refused_address("http://127.0.0.1:8000/x", allow_private=True) is None
    assert refused_address("http://8.8.8.8/x", allow_private=False) is None
    with pytest.raises(Exception, match="http"):
        check_url("file:///etc/passwd")
