"""Runtime configuration, read from the environment (prefix ``KITH_``)."""

from __future__ import annotations

import contextlib
import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KITH_", extra="ignore")

    home: Path = Field(
        default=Path(".kith"), description="Data directory (SQLite file lives here)."
    )
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; defaults to SQLite under KITH_HOME."
    )
    mode: Literal["production", "demo", "test"] = "production"
    session_ttl_hours: int = 12
    secret_key: str | None = Field(
        default=None, description="Signing secret; required in production mode."
    )
    embedded_runtime: bool = Field(
        default=True, description="Run relay and consumers inside `kith serve` (embedded mode)."
    )
    bus_url: str | None = Field(
        default=None, description="Broker URL for scale-out (e.g. redis://127.0.0.1:6379/0)."
    )
    pii_phone_regions: str = Field(
        default="CN,US,GB",
        description="Comma-separated ISO regions phone numbers in free text are parsed "
        "against when masking (a number valid in any of them is masked; numbers written "
        "with +country code always are).",
    )
    realtime_window_url: str | None = Field(
        default=None,
        description=(
            "Redis URL for the real-time decisions' sliding windows (default: KITH_BUS_URL when "
            "it is redis://, else the process's memory)."
        ),
    )
    public_url: str = Field(
        default="http://localhost:8000",
        description="Where customers reach this Kith (links in messages, e.g. CSAT surveys).",
    )
    admin_email: str | None = None
    admin_password: str | None = None
    audit_retention_days: int = Field(
        default=1826,
        ge=1,
        description="Audit entries older than this may be pruned (`kith audit prune`); "
        "default five years.",
    )

    # --- sign-in throttling (kith.access.throttle) --------------------------------------
    auth_window_seconds: int = Field(
        default=900, ge=1, description="Sliding window over which failed sign-ins are counted."
    )
    auth_max_failures_per_account: int = Field(
        default=5, ge=1, description="Failures of one e-mail in the window that lock it."
    )
    auth_max_failures_per_ip: int = Field(
        default=20, ge=1, description="Failures from one address in the window before 429."
    )
    auth_lockout_seconds: int = Field(
        default=300, ge=1, description="First lockout; each further one doubles it."
    )
    auth_lockout_max_seconds: int = Field(
        default=86400, ge=1, description="Longest lockout (and the quiet time that resets it)."
    )
    # --- two-factor sign-in ---------------------------------------------------------------
    auth_pending_ttl_seconds: int = Field(
        default=300, ge=30, description="Life of the pending token between password and code."
    )
    totp_issuer: str = Field(default="Kith", description="Issuer shown in authenticator apps.")
    # --- field service routing (kith.fieldservice.routing) ---------------------------------
    routing_url: str | None = Field(
        default=None,
        description="Base URL of an OSRM-compatible routing service (its /table/v1/driving "
        "API) for dispatch travel times; unset: haversine × road factor, offline.",
    )
    routing_timeout_seconds: float = Field(
        default=2.0,
        gt=0,
        le=30,
        description="Longest wait for the routing service; then haversine is used instead.",
    )
    # --- outbound webhooks (kith.platform) -------------------------------------------------
    webhook_timeout_seconds: float = Field(
        default=5.0, gt=0, le=60, description="Longest wait for a webhook receiver's answer."
    )
    webhook_max_attempts: int = Field(
        default=8, ge=1, le=50, description="Attempts per delivery before it is marked failed."
    )
    webhook_backoff_seconds: float = Field(
        default=10.0, ge=0, description="Wait before the second attempt; doubles each time."
    )
    webhook_backoff_max_seconds: float = Field(
        default=3600.0, ge=0, description="Longest wait between two attempts."
    )
    webhook_disable_after: int = Field(
        default=15,
        ge=1,
        description="Failed attempts in a row after which a subscription is disabled "
        "(administrators are notified).",
    )
    webhook_workers: int = Field(
        default=8, ge=1, le=64, description="Subscriptions delivered to at the same time."
    )
    webhook_allow_private_targets: bool | None = Field(
        default=None,
        description="Allow webhook URLs on loopback/private addresses (default: only in "
        "demo and test modes).",
    )
    # --- request rate limits (kith.platform.ratelimit; `limits` notation) --------------------
    rate_limits_enabled: bool = Field(default=True, description="Answer 429 over the limits.")
    rate_limit_api_key: str = Field(
        default="600/minute", description="Requests per API key (e.g. '600/minute;20000/day')."
    )
    rate_limit_user: str = Field(
        default="1200/minute", description="Requests per signed-in user (sessions)."
    )
    rate_limit_tenant: str = Field(
        default="6000/minute", description="Requests per workspace, every caller together."
    )
    rate_limit_signin_ip: str = Field(
        default="30/minute", description="Sign-in attempts per client address."
    )
    rate_limit_signin_account: str = Field(
        default="10/minute", description="Sign-in attempts per e-mail, from anywhere."
    )
    rate_limit_storage_url: str | None = Field(
        default=None,
        description="Where counters live: memory:// or redis://… (default: KITH_BUS_URL when it "
        "is Redis, so every process shares them; else this process's memory).",
    )
    # --- model guards (kith.intelligence.training.guards) -----------------------------------
    model_min_auc_gain: float = Field(
        default=0.02,
        ge=0.0,
        le=0.5,
        description="A classifier scores records only if its out-of-fold AUC beats the "
        "baseline's by at least this much.",
    )
    model_min_labelled_rows: int = Field(
        default=30,
        ge=1,
        description="A classifier scores records only if it learnt from this many labelled rows.",
    )
    model_min_factor_support: int = Field(
        default=30,
        ge=1,
        description="Explanation factors backed by fewer training rows are flagged, and "
        "missing-value indicators with less support are not learnt.",
    )

    @property
    def install_secret_path(self) -> Path:
        return self.home / INSTALL_SECRET_FILE

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'kith.db').resolve()}"

    @property
    def is_demo(self) -> bool:
        return self.mode in ("demo", "test")


INSTALL_SECRET_FILE = "secret.key"  # noqa: S105 - a file name


def read_install_secret(home: Path) -> str | None:
    """The per-install secret ``kith init`` wrote under ``KITH_HOME``, if any."""
    try:
        text = (home / INSTALL_SECRET_FILE).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return text or None


def ensure_install_secret(home: Path) -> str:
    """Read the per-install secret, creating it (random, mode 0600) if missing.

    Written to a private temporary file and hard-linked into place, so concurrent
    workers never read a half-written file and the first writer wins.
    """
    existing = read_install_secret(home)
    if existing:
        return existing
    home.mkdir(parents=True, exist_ok=True)
    target = home / INSTALL_SECRET_FILE
    temporary = home / f".{INSTALL_SECRET_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(secrets.token_urlsafe(48) + "\n")
        with contextlib.suppress(FileExistsError):
            os.link(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    secret = read_install_secret(home)
    if secret is None:  # pragma: no cover - someone emptied it between the two calls
        raise RuntimeError(f"{target} is empty; delete it and run 'kith init'")
    return secret


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
