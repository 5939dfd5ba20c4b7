"""Runtime configuration, read from the environment (prefix ``KITH_``)."""

from __future__ import annotations

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
    admin_email: str | None = None
    admin_password: str | None = None
    audit_retention_days: int = Field(
        default=1826,
        ge=1,
        description="Audit entries older than this may be pruned (`kith audit prune`); "
        "default five years.",
    )

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'kith.db').resolve()}"

    @property
    def is_demo(self) -> bool:
        return self.mode in ("demo", "test")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
