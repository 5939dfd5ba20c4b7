"""The object registry: one ``ObjectSpec`` per CRM object type.

The API, the CLI import/export and the generic service all read these specs,
so adding an object type is one entry here plus its model and input schema.
"""

from __future__ import annotations

import types
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, create_model
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Mapper

from kith.crm import models as m
from kith.crm import schemas as s
from kith.db.base import RecordMixin

META_FIELDS: dict[str, Any] = {
    "id": str,
    "version": int,
    "owner_id": str | None,
    "external_id": str | None,
    "custom": dict[str, Any],
    "created_at": datetime,
    "updated_at": datetime,
    "created_by_kind": str,
    "created_by_id": str | None,
    "updated_by_kind": str,
    "updated_by_id": str | None,
}
INTERNAL_COLUMNS = frozenset({"tenant_id", "deleted_at"})

# Every field carries one class (issue 5): public (may be published), internal
# (default: business data), confidential (personal data, or a customer's words),
# sensitive (encrypted at rest, masked for roles without the right, reads audited).
Classification = Literal["public", "internal", "confidential", "sensitive"]
CLASSIFICATIONS: tuple[Classification, ...] = ("public", "internal", "confidential", "sensitive")


@dataclass(frozen=True)
class ObjectSpec:
    name: str
    plural: str
    model: type[RecordMixin]
    input_schema: type[s.RecordIn]
    title_field: str
    search_fields: tuple[str, ...] = ()
    references: dict[str, str] = field(default_factory=dict)
    sensitive_fields: frozenset[str] = frozenset()
    # Personal data and free text about a person; every other field is internal
    # unless listed as public.
    confidential_fields: frozenset[str] = frozenset()
    public_fields: frozenset[str] = frozenset()
    # Fields only the service sets (derived state); clients cannot write them.
    server_fields: frozenset[str] = frozenset()
    label_en: str = ""
    label_zh: str = ""

    def classification(self, field_name: str) -> Classification:
        if field_name in self.sensitive_fields:
            return "sensitive"
        if field_name in self.confidential_fields:
            return "confidential"
        return "public" if field_name in self.public_fields else "internal"

    @property
    def classifications(self) -> dict[str, Classification]:
        return {name: self.classification(name) for name in sorted(self.columns)}

    @property
    def columns(self) -> dict[str, Any]:
        mapper: Mapper[Any] = sa_inspect(self.model)  # type: ignore[assignment]
        return {c.key: c for c in mapper.column_attrs if c.key not in INTERNAL_COLUMNS}

    def python_type(self, field_name: str) -> type[Any]:
        column = self.columns[field_name].columns[0]
        try:
            return column.type.python_type  # type: ignore[no-any-return]
        except NotImplementedError:
            return str

    @property
    def sortable(self) -> frozenset[str]:
        # Sensitive fields are stored encrypted: ordering or matching ciphertext means
        # nothing, and sorting by an ID number would leak its order anyway.
        return frozenset(
            k
            for k in self.columns
            if k not in self.sensitive_fields
            and self.python_type(k) in (str, int, Decimal, date, datetime)
        )

    @property
    def filterable(self) -> frozenset[str]:
        return self.sortable | frozenset(k for k in self.columns if self.python_type(k) is bool)


def _optional(annotation: Any) -> Any:
    return Union[annotation, None]  # noqa: UP007 - built at run time from a variable


def patch_schema(spec_name: str, input_schema: type[BaseModel]) -> type[BaseModel]:
    """Every input field optional; ``version`` required (optimistic locking)."""
    # The constraints (lengths, patterns, ranges) live in the field's metadata;
    # re-attach them so a PATCH is validated exactly like a create.
    fields: dict[str, Any] = {
        name: (
            _optional(Annotated[info.annotation, *info.metadata])
            if info.metadata
            else _optional(info.annotation),
            None,
        )
        for name, info in input_schema.model_fields.items()
    }
    fields["version"] = (int, ...)
    model: type[BaseModel] = create_model(
        f"{spec_name.title()}Patch",
        __config__=ConfigDict(extra="forbid", str_strip_whitespace=True),
        **fields,
    )
    return model


def read_schema(spec: ObjectSpec) -> type[BaseModel]:
    """Every column a client may see. Fields a role hides are simply absent."""
    fields: dict[str, Any] = {}
    for name in spec.columns:
        if name in META_FIELDS:
            fields[name] = (META_FIELDS[name], ...)
        else:
            fields[name] = (_optional(_annotation_for(spec, name)), None)
    if spec.name == "contact":  # GET /contacts/{id}: the identity graph's person
        fields["person"] = (dict[str, Any] | None, None)
    model: type[BaseModel] = create_model(f"{spec.name.title()}", **fields)
    return model


def _annotation_for(spec: ObjectSpec, name: str) -> Any:
    declared = spec.input_schema.model_fields.get(name)
    if declared is not None:
        return _strip_none(declared.annotation)
    py = spec.python_type(name)
    return py if py in (str, int, bool, Decimal, date, datetime) else Any


def _strip_none(annotation: Any) -> Any:
    if isinstance(annotation, types.UnionType):
        args = [a for a in annotation.__args__ if a is not type(None)]
        return args[0] if len(args) == 1 else annotation
    return annotation


SPECS: dict[str, ObjectSpec] = {
    spec.name: spec
    for spec in (
        ObjectSpec(
            "account",
            "accounts",
            m.Account,
            s.AccountIn,
            "name",
            search_fields=("name", "short_name", "email", "phone", "website", "city"),
            references={"parent_id": "account"},
            sensitive_fields=frozenset({"bank_account", "tax_id"}),
            confidential_fields=frozenset({"email", "phone", "address"}),
            public_fields=frozenset(
                {"name", "short_name", "website", "industry", "city", "country"}
            ),
            label_en="Accounts",
            label_zh="客户公司",
        ),
        ObjectSpec(
            "contact",
            "contacts",
            m.Contact,
            s.ContactIn,
            "name",
            search_fields=("name", "email", "phone", "mobile", "wechat_id", "title"),
            references={"account_id": "account"},
            sensitive_fields=frozenset({"id_number", "bank_account"}),
            confidential_fields=frozenset(
                {
                    "name",
                    "family_name",
                    "given_name",
                    "email",
                    "phone",
                    "mobile",
                    "wechat_id",
                    "app_user_id",
                    "city",
                    "channels",
                    "custom",
                }
            ),
            label_en="Contacts",
            label_zh="联系人",
        ),
        ObjectSpec(
            "lead",
            "leads",
            m.Lead,
            s.LeadIn,
            "name",
            search_fields=("name", "company", "email", "phone"),
            confidential_fields=frozenset({"name", "email", "phone", "description", "custom"}),
            server_fields=frozenset(
                {
                    "converted_at",
                    "converted_account_id",
                    "converted_contact_id",
                    "converted_deal_id",
                }
            ),
            label_en="Leads",
            label_zh="线索",
        ),
        ObjectSpec(
            "pipeline",
            "pipelines",
            m.Pipeline,
            s.PipelineIn,
            "name",
            label_en="Pipelines",
            label_zh="销售管道",
        ),
        ObjectSpec(
            "deal",
            "deals",
            m.Deal,
            s.DealIn,
            "name",
            search_fields=("name",),
            references={
                "account_id": "account",
                "contact_id": "contact",
                "pipeline_id": "pipeline",
            },
            server_fields=frozenset({"status", "closed_at", "stage_entered_at"}),
            label_en="Deals",
            label_zh="商机",
        ),
        ObjectSpec(
            "ticket",
            "tickets",
            m.Ticket,
            s.TicketIn,
            "subject",
            search_fields=("number", "subject"),
            confidential_fields=frozenset({"subject", "description", "custom"}),
            references={
                "account_id": "account",
                "contact_id": "contact",
                "order_id": "order",
                "product_id": "product",
            },
            server_fields=frozenset(
                {
                    "number",
                    "first_response_due_at",
                    "resolution_due_at",
                    "first_responded_at",
                    "resolved_at",
                }
            ),
            label_en="Tickets",
            label_zh="工单",
        ),
        ObjectSpec(
            "activity",
            "activities",
            m.Activity,
            s.ActivityIn,
            "subject",
            search_fields=("subject",),
            references={
                "account_id": "account",
                "contact_id": "contact",
                "deal_id": "deal",
                "ticket_id": "ticket",
                "lead_id": "lead",
            },
            confidential_fields=frozenset({"subject", "body", "attendees", "location"}),
            label_en="Activities",
            label_zh="活动",
        ),
        ObjectSpec(
            "interaction",
            "interactions",
            m.Interaction,
            s.InteractionIn,
            "subject",
            # a customer's words are what people search for ("物流延迟"); results stay
            # row-scoped like every search, so only readers of the interaction find it
            search_fields=("subject", "text"),
            confidential_fields=frozenset({"subject", "text", "meta", "custom"}),
            references={
                "account_id": "account",
                "contact_id": "contact",
                "deal_id": "deal",
                "ticket_id": "ticket",
            },
            label_en="Interactions",
            label_zh="互动",
        ),
        ObjectSpec(
            "product",
            "products",
            m.Product,
            s.ProductIn,
            "name",
            search_fields=("sku", "name"),
            public_fields=frozenset(
                {"sku", "name", "description", "category", "price", "currency"}
            ),
            label_en="Products",
            label_zh="产品",
        ),
        ObjectSpec(
            "order",
            "orders",
            m.Order,
            s.OrderIn,
            "number",
            search_fields=("number",),
            references={"account_id": "account", "contact_id": "contact"},
            server_fields=frozenset({"total"}),
            label_en="Orders",
            label_zh="订单",
        ),
    )
}

SPECS_BY_PLURAL: dict[str, ObjectSpec] = {spec.plural: spec for spec in SPECS.values()}
PATCH_SCHEMAS: dict[str, type[BaseModel]] = {
    name: patch_schema(name, spec.input_schema) for name, spec in SPECS.items()
}
READ_SCHEMAS: dict[str, type[BaseModel]] = {name: read_schema(spec) for name, spec in SPECS.items()}
OBJECT_TYPES: tuple[str, ...] = tuple(SPECS)
