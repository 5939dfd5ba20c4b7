"""The arithmetic of sign-in throttling and of TOTP codes, without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kith.access import twofactor
from kith.access.throttle import (
    ThrottlePolicy,
    account_key,
    lockout_duration,
    seconds,
    window_retry_after,
)
from kith.core.settings import Settings

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
POLICY = ThrottlePolicy(
    window=timedelta(minutes=15),
    max_per_account=5,
    max_per_ip=20,
    lockout=timedelta(minutes=5),
    lockout_max=timedelta(hours=1),
)


def test_each_lockout_in_a_row_doubles_up_to_the_maximum() -> None:
    durations = [lockout_duration(POLICY, level) for level in range(6)]
    assert durations == [
        timedelta(minutes=5),
        timedelta(minutes=10),
        timedelta(minutes=20),
        timedelta(minutes=40),
        timedelta(hours=1),
        timedelta(hours=1),
    ]
    assert lockout_duration(POLICY, 500) == timedelta(hours=1)


def test_the_sliding_window_allows_fewer_than_the_limit() -> None:
    failures = [NOW - timedelta(minutes=m) for m in (1, 2, 3, 4)]
    assert window_retry_after(failures, NOW, POLICY.window, 5) is None


def test_at_the_limit_wait_until_the_oldest_failure_leaves_the_window() -> None:
    failures = [NOW - timedelta(minutes=m) for m in (14, 10, 3, 2, 1)]
    assert window_retry_after(failures, NOW, POLICY.window, 5) == timedelta(minutes=1)


def test_failures_outside_the_window_do_not_count() -> None:
    failures = [NOW - timedelta(minutes=m) for m in (40, 30, 16, 15, 2)]
    assert window_retry_after(failures, NOW, POLICY.window, 2) is None


def test_over_the_limit_wait_until_enough_have_left() -> None:
    # 7 failures, limit 5: the three oldest must leave before a new attempt is allowed.
    failures = [NOW - timedelta(minutes=m) for m in (14, 13, 12, 11, 2, 1, 0.5)]
    assert window_retry_after(failures, NOW, POLICY.window, 5) == timedelta(minutes=3)


def test_retry_after_is_whole_seconds_rounded_up() -> None:
    assert seconds(timedelta(seconds=0.2)) == 1
    assert seconds(timedelta(seconds=61.01)) == 62
    assert seconds(timedelta(0)) == 1


def test_account_keys_ignore_case_and_spaces_and_hide_the_email() -> None:
    assert account_key(" Li.Na@Example.CN ") == account_key("li.na@example.cn")
    assert "example" not in account_key("li.na@example.cn")


def test_policy_comes_from_settings() -> None:
    settings = Settings(auth_max_failures_per_account=3, auth_lockout_seconds=60)
    policy = ThrottlePolicy.from_settings(settings)
    assert policy.max_per_account == 3 and policy.lockout == timedelta(minutes=1)
    assert policy.window == timedelta(minutes=15) and policy.max_per_ip == 20


def test_a_totp_code_is_accepted_once_within_one_step_of_drift() -> None:
    secret = twofactor.new_secret()
    code = twofactor.code_at(secret, NOW)
    step = twofactor.matching_step(secret, code, NOW, None)
    assert step is not None
    assert twofactor.matching_step(secret, code, NOW + timedelta(seconds=30), None) == step
    assert twofactor.matching_step(secret, code, NOW + timedelta(seconds=90), None) is None
    assert twofactor.matching_step(secret, code, NOW, last_step=step) is None
    assert twofactor.matching_step(secret, "12345", NOW, None) is None
    assert twofactor.matching_step(secret, "abcdef", NOW, None) is None


def test_recovery_codes_are_random_and_hash_the_same_however_typed() -> None:
    codes = twofactor.new_recovery_codes()
    assert len(codes) == len(set(codes)) == 10
    assert all(len(c) == 19 and c.count("-") == 3 for c in codes)
    code = codes[0]
    typed = " " + code.upper().replace("-", " ") + " "
    assert twofactor.recovery_code_hash(typed) == twofactor.recovery_code_hash(code)
    assert twofactor.recovery_code_hash(codes[1]) != twofactor.recovery_code_hash(code)


def test_the_otpauth_uri_names_the_account_and_issuer() -> None:
    uri = twofactor.provisioning_uri("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", "li.na@example.cn", "Kith")
    assert uri.startswith("otpauth://totp/Kith:li.na%40example.cn?")
    assert "secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP" in uri and "issuer=Kith" in uri
