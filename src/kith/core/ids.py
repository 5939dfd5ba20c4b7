"""Time-ordered identifiers.

Ids sort by creation time, so the default keyset pagination (by id) lists
records in the order they were created and inserts stay index-friendly.
"""

from __future__ import annotations

import os
import time


def new_id() -> str:
    """A 32-hex-char UUIDv7-like id: 48-bit millisecond time, 80 random bits."""
    millis = time.time_ns() // 1_000_000
    return f"{millis:012x}{os.urandom(10).hex()}"
