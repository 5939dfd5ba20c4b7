"""A segment's definition → its validated form, and the pure steps of evaluation.

``compile_definition`` checks every part (filters against the object's filterable
fields and custom fields, score models, RFM labels, cluster ids) with the path of the
offending part; ``keep_behaviour`` and ``diff`` are the set work evaluation and refresh
do once the repository has read the rows. No database here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from kith.core.errors import FieldError, ValidationFailed
from kith.crm.query import OPS, Filter, parse_filter
from kith.crm.specs import SPECS
from kith.intelligence.segments.schemas import (
    MAX_CLUSTER,
    OBJECT_TYPES,
    RFM_LABELS,
    SCORE_OPS,
    Compiled,
    ConceptCondition,
    Definition,
    Diff,
    FilterIn,
)

if TYPE_CHECKING:
    import pandas as pd


def diff(current: Iterable[str], target: Iterable[str]) -> Diff:
    """Adds and removes that turn ``current`` into ``target`` (each sorted)."""
    now, then = set(current), set(target)
    return Diff(sorted(then - now), sorted(now - then))


def _loc(prefix: Sequence[str | int], *rest: str | int) -> list[str | int]:
    return [*prefix, *rest]


def _filter_text(item: FilterIn) -> str:
    value = item.value
    if isinstance(value, list):
        raw = ",".join(str(v) for v in value)
    elif isinstance(value, bool):
        raw = "true" if value else "false"
    else:
        raw = "" if value is None else str(value)
    return f"{item.field}:{item.op}:{raw}"


def _compile_filter(
    object_type: str,
    item: FilterIn | str,
    index: int,
    custom_fields: Mapping[str, str],
    prefix: Sequence[str | int],
) -> Filter:
    spec = SPECS[object_type]
    at = _loc(prefix, "filters", index)
    if isinstance(item, str):
        parts = item.split(":", 2)
        if len(parts) < 2:
            raise ValidationFailed(
                "Filters look like field:op:value", [FieldError(at, "expected field:op:value")]
            )
        item = FilterIn(field=parts[0], op=parts[1], value=parts[2] if len(parts) == 3 else None)
    name = item.field
    known = (
        name.removeprefix("custom.") in custom_fields
        if name.startswith("custom.")
        else name in spec.filterable
    )
    if not known:
        why = "sensitive fields cannot be filtered" if name in spec.sensitive_fields else ""
        raise ValidationFailed(
            f"{spec.plural} cannot be filtered by {name!r}",
            [FieldError(_loc(at, "field"), why or "unknown field")],
        )
    if item.op not in OPS:
        raise ValidationFailed(
            f"Unknown filter operator {item.op!r}",
            [FieldError(_loc(at, "op"), f"op must be one of {', '.join(sorted(OPS))}")],
        )
    try:
        return parse_filter(spec, _filter_text(item), index, dict(custom_fields))
    except ValidationFailed as exc:
        message = exc.errors[0].message if exc.errors else exc.detail
        raise ValidationFailed(exc.detail, [FieldError(_loc(at, "value"), message)]) from exc


def compile_definition(
    definition: Definition,
    object_type: str,
    *,
    custom_fields: Mapping[str, str],
    score_models: set[str],
    concept_bands: Mapping[str, frozenset[str]] | None = None,
    prefix: Sequence[str | int] = ("definition",),
) -> Compiled:
    """Check every part of a definition; errors carry the path of the offending part."""
    if object_type not in OBJECT_TYPES:
        raise ValidationFailed(
            f"segments are of {' or '.join(OBJECT_TYPES)}",
            [FieldError(["object_type"], "unknown object type")],
        )
    if not (
        definition.filters
        or definition.scores
        or definition.rfm
        or definition.clusters
        or definition.concepts
    ):
        raise ValidationFailed(
            "A segment needs at least one condition",
            [FieldError(list(prefix), "give filters, scores, concepts, rfm or clusters")],
        )
    filters = tuple(
        _compile_filter(object_type, item, i, custom_fields, prefix)
        for i, item in enumerate(definition.filters)
    )
    for i, cond in enumerate(definition.scores):
        if cond.model not in score_models:
            raise ValidationFailed(
                f"No model or score kind {cond.model!r}",
                [FieldError(_loc(prefix, "scores", i, "model"), "unknown model")],
            )
        if cond.op not in SCORE_OPS:
            raise ValidationFailed(
                f"Unknown score operator {cond.op!r}",
                [FieldError(_loc(prefix, "scores", i, "op"), f"op must be one of {SCORE_OPS}")],
            )
    for i, label in enumerate(definition.rfm):
        if label not in RFM_LABELS:
            raise ValidationFailed(
                f"Unknown RFM segment {label!r}",
                [FieldError(_loc(prefix, "rfm", i), f"one of {', '.join(RFM_LABELS)}")],
            )
    for i, cluster in enumerate(definition.clusters):
        if not 0 <= cluster <= MAX_CLUSTER:
            raise ValidationFailed(
                f"Cluster ids run from 0 to {MAX_CLUSTER}",
                [FieldError(_loc(prefix, "clusters", i), f"between 0 and {MAX_CLUSTER}")],
            )
    _check_concepts(definition, concept_bands or {}, prefix)
    return Compiled(
        object_type,
        filters,
        tuple(definition.scores),
        frozenset(definition.rfm),
        frozenset(definition.clusters),
        tuple(definition.concepts),
    )


def _check_concepts(
    definition: Definition,
    concept_bands: Mapping[str, frozenset[str]],
    prefix: Sequence[str | int],
) -> None:
    for i, cond in enumerate(definition.concepts):
        at = _loc(prefix, "concepts", i)
        bands = concept_bands.get(cond.concept)
        if bands is None:
            raise ValidationFailed(
                f"No published concept {cond.concept!r}",
                [FieldError(_loc(at, "concept"), "unknown concept")],
            )
        for j, band in enumerate(cond.bands):
            if band not in bands:
                raise ValidationFailed(
                    f"{cond.concept} has no band {band!r}",
                    [FieldError(_loc(at, "bands", j), f"one of {', '.join(sorted(bands))}")],
                )
        if (cond.op is None) != (cond.value is None):
            raise ValidationFailed(
                "Give op and value together",
                [FieldError(_loc(at, "op" if cond.op is None else "value"), "required")],
            )
        if cond.op is not None and cond.op not in SCORE_OPS:
            raise ValidationFailed(
                f"Unknown operator {cond.op!r}",
                [FieldError(_loc(at, "op"), f"op must be one of {SCORE_OPS}")],
            )
        if not cond.bands and cond.op is None:
            raise ValidationFailed(
                "A concept condition needs bands or a comparison",
                [FieldError(at, "give bands, or op and value")],
            )


def concept_match(
    cond: ConceptCondition, values: Mapping[str, tuple[float | None, str]]
) -> dict[str, tuple[float | None, str]]:
    """The customers whose value satisfies ``cond`` (band in ``bands``, value ``op``)."""
    compare = {
        "gt": lambda a, b: a > b,
        "gte": lambda a, b: a >= b,
        "lt": lambda a, b: a < b,
        "lte": lambda a, b: a <= b,
    }
    kept: dict[str, tuple[float | None, str]] = {}
    for record_id, (value, band) in values.items():
        if cond.bands and band not in cond.bands:
            continue
        if (
            cond.op is not None
            and cond.value is not None
            and (value is None or not compare[cond.op](value, cond.value))
        ):
            continue
        kept[record_id] = (value, band)
    return kept


def keep_behaviour(
    snapshots: dict[str, dict[str, Any]], table: pd.DataFrame, compiled: Compiled
) -> dict[str, dict[str, Any]]:
    """The records whose RFM label and cluster (a row of ``table``) the definition wants."""
    kept: dict[str, dict[str, Any]] = {}
    labels = table["segment"].to_dict()
    clusters = table["cluster"].to_dict()
    for record_id, snap in snapshots.items():
        label = labels.get(record_id)
        if label is None:
            continue  # no orders: in no RFM segment and no cluster
        cluster = int(clusters[record_id])
        if compiled.rfm and label not in compiled.rfm:
            continue
        if compiled.clusters and cluster not in compiled.clusters:
            continue
        extra = {"cluster": cluster} if compiled.clusters else {}
        kept[record_id] = {**snap, "rfm": label, **extra}
    return kept
