from __future__ import annotations

from kith.core.ids import new_id


def test_ids_are_unique_fixed_width_and_monotonic() -> None:
    ids = [new_id() for _ in range(5000)]
    assert len(set(ids)) == len(ids)
    assert all(len(i) == 32 and int(i, 16) >= 0 for i in ids)
    assert ids == sorted(ids)
