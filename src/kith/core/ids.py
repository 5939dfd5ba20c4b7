"""Time-ordered identifiers.

Ids sort by creation time, so the default keyset pagination (by id) lists
records in the order they were created and inserts stay index-friendly.
Within one millisecond they are monotonic (like monotonic ULIDs): ids made
later in the same process always sort after earlier ones.
"""

from __future__ import annotations

import os
import threading
import time

_RANDOM_BITS = 80
_lock = threading.Lock()
_last_millis = -1
_last_random = 0


def new_id() -> str:
    """A 32-hex-char UUIDv7-like id: 48-bit millisecond time, 80 bits random/sequence."""
    global _last_millis, _last_random
    millis = time.time_ns() // 1_000_000
    with _lock:
        if millis <= _last_millis:
            millis = _last_millis
            _last_random += 1
        else:
            _last_millis = millis
            # Leave headroom so the increments above cannot overflow into the time bits.
            _last_random = int.from_bytes(os.urandom(10)) >> 1
        rand = _last_random & ((1 << _RANDOM_BITS) - 1)
    return f"{millis:012x}{rand:020x}"
