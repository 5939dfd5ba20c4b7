"""Shared by the benchmark scripts; the code lives in ``kith.bench.harness`` so that
``kith bench`` (installed with the package) uses the same harness."""

from kith.bench.harness import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    BACKENDS,
    PG_ADMIN_URL,
    database,
    machine,
    p50_p99,
    workspace,
)
from kith.core.stats import percentile

__all__ = [
    "ADMIN_EMAIL",
    "ADMIN_PASSWORD",
    "BACKENDS",
    "PG_ADMIN_URL",
    "database",
    "machine",
    "p50_p99",
    "percentile",
    "workspace",
]
