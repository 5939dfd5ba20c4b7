"""The retention boundary: the default cutoff is now minus the policy, and a later
``--before`` is refused with the field named."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kith.audit.retention import checked_before, retention_cutoff
from kith.core.errors import ValidationFailed

NOW = datetime(2031, 6, 1, 12, 0, tzinfo=UTC)


def test_the_default_cutoff_is_five_years_back() -> None:
    assert checked_before(None, NOW, 1826) == NOW - timedelta(days=1826)
    assert retention_cutoff(NOW, 1826).year == 2026


def test_an_earlier_before_is_kept_and_the_cutoff_itself_is_allowed() -> None:
    earlier = datetime(2020, 1, 1, tzinfo=UTC)
    assert checked_before(earlier, NOW, 1826) == earlier
    cutoff = retention_cutoff(NOW, 1826)
    assert checked_before(cutoff, NOW, 1826) == cutoff


def test_a_before_the_policy_still_keeps_is_refused() -> None:
    with pytest.raises(ValidationFailed) as refused:
        checked_before(retention_cutoff(NOW, 1826) + timedelta(seconds=1), NOW, 1826)
    assert refused.value.errors[0].path == ["before"]
    assert "1826 days" in refused.value.detail
