"""``records.*``: search, read, create, update and delete any CRM record.

The REST API's writes, the CLI and the agents all use these, so every change
to a record passes the gateway. ``values`` is validated against the object's own
input schema (or patch schema), with error paths under ``values``.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from kith.crm.query import build_list_query
from kith.crm.schemas import RecordRef
from kith.crm.specs import PATCH_SCHEMAS, SPECS
from kith.gateway.registry import ANY_OBJECT, ToolContext, Undo, tool
from kith.gateway.tools.common import PURPOSES


def _known_object_type(value: str) -> str:
    if value not in SPECS:
        raise ValueError(f"unknown object type; one of {', '.join(SPECS)}")
    return value


ObjectType = Annotated[
    str,
    AfterValidator(_known_object_type),
    WithJsonSchema({"type": "string", "enum": list(SPECS)}),
]


def _validate_nested(
    schema: type[BaseModel], values: dict[str, Any], prefix: tuple[str, ...]
) -> BaseModel:
    """Validate ``values`` against ``schema``, reporting errors under ``prefix``."""
    try:
        return schema.model_validate(values)
    except ValidationError as exc:
        details = [
            InitErrorDetails(
                type=PydanticCustomError(e["type"], e["msg"]),
                loc=(*prefix, *e["loc"]),
                input=e["input"],
            )
            for e in exc.errors()
        ]
        raise ValidationError.from_exception_data(exc.title, details) from None


class RecordRefIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    object_type: ObjectType
    record_id: RecordRef


class RecordCreateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    object_type: ObjectType
    values: dict[str, Any] = Field(description="The object's input schema (see its create API)")
    _payload: BaseModel = PrivateAttr()

    @model_validator(mode="after")
    def _values_fit_the_object(self) -> RecordCreateIn:
        spec = SPECS[self.object_type]
        self._payload = _validate_nested(spec.input_schema, self.values, ("values",))
        return self


class RecordUpdateIn(RecordRefIn):
    version: int = Field(description="The version you read; a stale one is refused (409)")
    values: dict[str, Any] = Field(description="Fields to change (the object's patch schema)")
    _payload: BaseModel = PrivateAttr()

    @model_validator(mode="after")
    def _values_fit_the_object(self) -> RecordUpdateIn:
        schema = PATCH_SCHEMAS[self.object_type]
        merged = {**self.values, "version": self.version}
        self._payload = _validate_nested(schema, merged, ("values",))
        return self


class RecordDeleteIn(RecordRefIn):
    version: int


class RecordSearchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    object_type: ObjectType
    q: Annotated[str, Field(max_length=200)] | None = None
    filters: list[str] = Field(default_factory=list, description="field:op:value")
    sort: str | None = None
    cursor: str | None = None
    limit: Annotated[int, Field(ge=1, le=200)] = 50


class RecordOut(BaseModel):
    record: dict[str, Any]


class RecordPageOut(BaseModel):
    items: list[dict[str, Any]]
    next_cursor: str | None = None


class RecordDeletedOut(BaseModel):
    id: str
    deleted: bool = True


@tool(
    "records.search",
    purposes=PURPOSES,
    touches=(ANY_OBJECT,),
    read_only=True,
    idempotent=True,
    description="List records of one type: full-text query, field filters, sort, cursor",
)
def search_records(ctx: ToolContext, args: RecordSearchIn) -> RecordPageOut:
    repo = ctx.records.repo
    query = build_list_query(
        SPECS[args.object_type],
        filters=args.filters,
        sort=args.sort,
        cursor=args.cursor,
        limit=args.limit,
        q=args.q,
        custom_fields={n: d.type for n, d in repo.custom_fields(args.object_type).items()},
    )
    page = ctx.records.list_page(args.object_type, query)
    return RecordPageOut(items=page.items, next_cursor=page.next_cursor)


@tool(
    "records.get",
    purposes=PURPOSES,
    touches=(ANY_OBJECT,),
    read_only=True,
    idempotent=True,
    description="Read one record (fields your role hides are absent)",
)
def get_record(ctx: ToolContext, args: RecordRefIn) -> RecordOut:
    record = ctx.records.get(args.object_type, args.record_id)
    ctx.about(args.object_type, args.record_id)
    return RecordOut(record=record)


@tool(
    "records.create",
    purposes=PURPOSES,
    touches=(ANY_OBJECT,),
    description="Create a record of any type",
    undo=Undo("delete_created", ANY_OBJECT),
)
def create_record(ctx: ToolContext, args: RecordCreateIn) -> RecordOut:
    record = ctx.records.create(args.object_type, args._payload)
    ctx.about(args.object_type, record["id"])
    return RecordOut(record=record)


@tool(
    "records.update",
    purposes=PURPOSES,
    touches=(ANY_OBJECT,),
    idempotent=True,
    description="Change fields of a record, sending the version you read",
    undo=Undo("restore_previous", ANY_OBJECT),
)
def update_record(ctx: ToolContext, args: RecordUpdateIn) -> RecordOut:
    record = ctx.records.update(args.object_type, args.record_id, args._payload)
    return RecordOut(record=record)


@tool(
    "records.delete",
    purposes=PURPOSES,
    touches=(ANY_OBJECT,),
    destructive=True,
    idempotent=True,
    description="Delete a record (soft delete), sending the version you read",
)
def delete_record(ctx: ToolContext, args: RecordDeleteIn) -> RecordDeletedOut:
    ctx.records.delete(args.object_type, args.record_id, args.version)
    return RecordDeletedOut(id=args.record_id)
