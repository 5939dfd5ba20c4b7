"""From file columns to record fields: the column mapping and cell conversion.

A column is imported into the field of the same name unless the mapping file
(``{"source column": "field"}``) says otherwise; ``custom.<name>`` targets a
custom field and ``null`` skips the column. Columns an export writes but a
client cannot set (``version``, ``created_at``, derived fields such as a deal's
``status``) are skipped, and ``id`` is used only to match an existing record,
so an exported file imports as it is.

CSV cells are text: the apostrophe an export puts before a formula-like cell
is removed (``formats.spreadsheet_value``), empty cells are "not given" (an
import never clears a field, and a row of an existing record need not repeat
its required fields), JSON-valued fields (``channels``, ``lines`` …) hold JSON
text and custom numbers and booleans are parsed by the field's type. JSON Lines
values are used as they are, ``null`` again meaning "not given".
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import JSON

from kith.crm.models import FieldDefinition
from kith.crm.specs import ObjectSpec
from kith.transfer.errors import UnusableInput
from kith.transfer.formats import REJECT_COLUMNS, RowError, spreadsheet_value

# Written by an export, never imported: the identity graph's person of the record.
DERIVED_COLUMNS = frozenset({"person_id"})

ColumnMapping = dict[str, str | None]
TargetKind = Literal["field", "custom", "key", "skip", "unknown"]
CUSTOM_PREFIX = "custom."
TRUE_WORDS = frozenset({"true", "yes", "1", "是"})
FALSE_WORDS = frozenset({"false", "no", "0", "否"})


@dataclass(frozen=True)
class Target:
    kind: TargetKind
    name: str  # field name, custom field name, or "id" for the match key


def load_mapping(path: Path | None) -> ColumnMapping:
    if path is None:
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise UnusableInput(f"cannot read mapping {path}: {exc.strerror}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UnusableInput(f"mapping {path} is not valid JSON: {exc}") from None
    valid = isinstance(data, dict) and all(
        isinstance(target, str | None) for target in data.values()
    )
    if not valid:
        raise UnusableInput(
            f'mapping {path} must be a JSON object like {{"source column": "field"}} '
            "(null skips a column)"
        )
    return dict(data)


class FieldTargets:
    """What the columns of one object type may be imported into."""

    def __init__(self, spec: ObjectSpec, definitions: Mapping[str, FieldDefinition]) -> None:
        self.spec = spec
        self.inputs = frozenset(spec.input_schema.model_fields)
        # Read-only columns of an export: set by the server, skipped on import.
        self.read_only = frozenset(spec.columns) - self.inputs - {"id"}
        self.custom_types = {name: d.type for name, d in definitions.items()}
        self.json_fields = frozenset(
            name
            for name, attr in spec.columns.items()
            if name in self.inputs and isinstance(attr.columns[0].type, JSON)
        )

    def resolve(self, name: str) -> Target:
        if name in self.inputs:
            return Target("field", name)
        if name == "id":
            return Target("key", name)
        if name in self.read_only or name in REJECT_COLUMNS or name in DERIVED_COLUMNS:
            return Target("skip", name)
        custom = name.removeprefix(CUSTOM_PREFIX)
        if name.startswith(CUSTOM_PREFIX) and custom in self.custom_types:
            return Target("custom", custom)
        return Target("unknown", name)

    def check_mapping(self, mapping: ColumnMapping) -> None:
        """Every target a mapping names must exist (``null`` skips a column)."""
        unknown = sorted(
            f"{source!r} -> {target!r}"
            for source, target in mapping.items()
            if target is not None and self.resolve(target).kind == "unknown"
        )
        if unknown:
            raise UnusableInput(
                f"the mapping names fields {self.spec.plural} do not have: {', '.join(unknown)}"
                f"{self._custom_hint()}"
            )

    def _custom_hint(self) -> str:
        if not self.custom_types:
            return f" ({self.spec.plural} have no custom fields)"
        names = ", ".join(CUSTOM_PREFIX + n for n in sorted(self.custom_types))
        return f" (custom fields: {names})"


@dataclass(frozen=True)
class ColumnPlan:
    """Where each column of a file goes, built once per header."""

    targets: dict[str, Target]
    custom_types: Mapping[str, str]
    json_fields: frozenset[str]

    def convert(
        self, cells: Mapping[str, Any], text: bool
    ) -> tuple[dict[str, Any], list[RowError]]:
        """Field values of one row (custom values under ``custom``) and cell errors."""
        values: dict[str, Any] = {}
        custom: dict[str, Any] = {}
        errors: list[RowError] = []
        for column, cell in cells.items():
            if text and isinstance(cell, str):
                cell = spreadsheet_value(cell)  # undo the export's formula guard
            target = self.targets.get(column) or Target("unknown", column)
            if target.kind == "skip" or _blank(cell):
                continue
            try:
                if target.kind == "unknown":
                    raise ValueError("no such field")
                if target.kind == "custom":
                    custom[target.name] = self._custom_value(target.name, cell, text)
                elif target.name in self.json_fields and text:
                    values[target.name] = _json_cell(cell)
                else:
                    values[target.name] = cell
            except ValueError as exc:
                loc: list[str | int] = [column]
                if target.kind != "unknown":
                    loc = self.loc_of(target)
                errors.append(RowError(loc, str(exc), self.renamed(column, target)))
        if custom:
            given = values.get("custom")
            values["custom"] = {**given, **custom} if isinstance(given, dict) else custom
        return values, errors

    def loc_of(self, target: Target) -> list[str | int]:
        return ["custom", target.name] if target.kind == "custom" else [target.name]

    def renamed(self, column: str, target: Target) -> str | None:
        """The source column when it differs from the field it feeds (for messages)."""
        field = CUSTOM_PREFIX + target.name if target.kind == "custom" else target.name
        return column if column != field else None

    def column_for(self, loc: Sequence[str | int]) -> str | None:
        """The renamed source column of an error's field path, if any."""
        if not loc:
            return None
        head = str(loc[0])
        if head == "custom" and len(loc) > 1:
            wanted = Target("custom", str(loc[1]))
        else:
            wanted = Target("key" if head == "id" else "field", head)
        for column, target in self.targets.items():
            if target == wanted:
                return self.renamed(column, target)
        return None

    def _custom_value(self, name: str, cell: Any, text: bool) -> Any:
        if not text:
            return cell
        return _custom_text(self.custom_types[name], str(cell).strip())


def build_plan(
    columns: Sequence[str], mapping: ColumnMapping, targets: FieldTargets, *, strict: bool
) -> ColumnPlan:
    """The plan for a header. ``strict`` (CSV) refuses unknown columns before any write.

    JSON Lines objects may differ line by line, so there an unknown key
    rejects only its row.
    """
    plan: dict[str, Target] = {}
    for column in columns:
        target_name = mapping.get(column, column)
        if target_name is None:
            plan[column] = Target("skip", column)
        else:
            plan[column] = targets.resolve(target_name)
    if strict:
        _check_header(columns, mapping, plan, targets)
    return ColumnPlan(plan, targets.custom_types, targets.json_fields)


def _check_header(
    columns: Sequence[str], mapping: ColumnMapping, plan: dict[str, Target], targets: FieldTargets
) -> None:
    missing = sorted(set(mapping) - set(columns))
    if missing:
        raise UnusableInput(f"the mapping names columns the file does not have: {missing}")
    unknown = [column for column, target in plan.items() if target.kind == "unknown"]
    if unknown:
        raise UnusableInput(
            f"columns that are not {targets.spec.name} fields: {', '.join(unknown)}; map them "
            'to fields with --mapping (e.g. {"' + unknown[0] + '": "name"}) or to null to skip'
        )
    fed_by: dict[Target, list[str]] = {}
    for column, target in plan.items():
        if target.kind in ("field", "custom", "key"):
            fed_by.setdefault(target, []).append(column)
    twice = [f"{t.name} <- {', '.join(cols)}" for t, cols in fed_by.items() if len(cols) > 1]
    if twice:
        raise UnusableInput(f"several columns feed the same field: {'; '.join(twice)}")


def _blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _json_cell(cell: Any) -> Any:
    try:
        return json.loads(cell)
    except json.JSONDecodeError:
        raise ValueError('expected JSON, e.g. [{"type": "mobile", "value": "138…"}]') from None


def _custom_text(kind: str, text: str) -> Any:
    """A custom value from CSV text, typed for ``custom_fields.validate``."""
    if kind == "number":
        try:
            return int(text)
        except ValueError:
            pass
        try:
            number = float(text)
        except ValueError:
            raise ValueError("expected a number") from None
        if not math.isfinite(number):
            raise ValueError("expected a finite number")
        return number
    if kind == "bool":
        word = text.lower()
        if word in TRUE_WORDS or word in FALSE_WORDS:
            return word in TRUE_WORDS
        raise ValueError("expected true or false")
    return text
