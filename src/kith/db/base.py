"""Declarative base, naming convention and the mixins every record shares."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import JSON, DateTime, Dialect, Integer, MetaData, String, TypeDecorator
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

from kith.core.clock import utcnow
from kith.core.ids import new_id

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ID = String(32)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC on the way in and out; SQLite would hand back naive values."""

    impl = DateTime(timezone=True)
    cache_ok = True

    @property
    def python_type(self) -> type[datetime]:
        return datetime

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime; Kith stores timezone-aware UTC only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


class IdMixin:
    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)


class TenantMixin:
    tenant_id: Mapped[str] = mapped_column(ID, index=True)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class RecordMixin(IdMixin, TenantMixin, TimestampMixin):
    """Columns every CRM record carries: tenant, owner, actors, soft delete, version."""

    if TYPE_CHECKING:

        def __init__(self, **kwargs: Any) -> None: ...

    owner_id: Mapped[str | None] = mapped_column(ID, index=True)
    created_by_kind: Mapped[str] = mapped_column(String(16), default="system")
    created_by_id: Mapped[str | None] = mapped_column(ID)
    updated_by_kind: Mapped[str] = mapped_column(String(16), default="system")
    updated_by_id: Mapped[str | None] = mapped_column(ID)
    deleted_at: Mapped[datetime | None] = mapped_column(default=None)
    version: Mapped[int] = mapped_column(Integer, default=1)
    external_id: Mapped[str | None] = mapped_column(String(128))
    custom: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        # The ORM adds "AND version = :old" to every UPDATE and raises
        # StaleDataError when a concurrent writer got there first.
        return {"version_id_col": cls.version}
