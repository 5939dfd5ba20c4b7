"""Serialising model artifacts safely.

Classifiers are stored in the skops format, not pickle: loading a skops file
only rebuilds types that are explicitly trusted, and we trust only types from
scikit-learn, LightGBM and NumPy (plus two builtin containers). A tampered
artifact naming any other type is refused, and the SHA-256 recorded at
training time is checked before anything is read. Forecasts store their
series and chosen specification as JSON and are refitted on demand (the
statsmodels results objects are large and need pickle).
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from kith.core.errors import Conflict
from kith.core.lazy import lazy_module

if TYPE_CHECKING:
    import numpy as np
    import skops.io as sio
else:
    np = lazy_module("numpy")
    sio = lazy_module("skops.io")

TRUSTED_PREFIXES = ("sklearn.", "lightgbm.", "numpy.", "scipy.sparse.")
TRUSTED_EXACT = frozenset({"collections.OrderedDict", "builtins.slice"})


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def dump_classifier(pipeline: Any, reference: np.ndarray) -> bytes:
    return bytes(sio.dumps({"pipeline": pipeline, "reference": reference}))


def load_classifier(data: bytes, expected_sha256: str) -> tuple[Any, np.ndarray]:
    if sha256(data) != expected_sha256:
        raise Conflict("model artifact does not match its recorded SHA-256; refusing to load it")
    untrusted = sio.get_untrusted_types(data=data)
    refused = [t for t in untrusted if not (t.startswith(TRUSTED_PREFIXES) or t in TRUSTED_EXACT)]
    if refused:
        raise Conflict(f"model artifact contains untrusted types: {', '.join(refused)}")
    loaded = sio.loads(data, trusted=untrusted)
    return loaded["pipeline"], np.asarray(loaded["reference"], dtype=np.float64)


def dump_json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, sort_keys=True).encode()


def load_json(data: bytes, expected_sha256: str) -> dict[str, Any]:
    if sha256(data) != expected_sha256:
        raise Conflict("model artifact does not match its recorded SHA-256; refusing to load it")
    loaded: dict[str, Any] = json.loads(data)
    return loaded
