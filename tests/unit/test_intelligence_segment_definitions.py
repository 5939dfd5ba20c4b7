"""Segment definitions are checked before they are saved, with the path of what is
wrong; a refresh's difference is exactly the records that joined and left."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from pydantic import ValidationError

from kith.core.errors import ValidationFailed
from kith.intelligence.segments.behaviour import SEGMENTS
from kith.intelligence.segments.compiler import compile_definition, diff
from kith.intelligence.segments.compiler import keep_behaviour as _keep_behaviour
from kith.intelligence.segments.schemas import RFM_LABELS, Compiled, Definition, SegmentIn

MODELS = {"churn"}


def _compile(definition: dict[str, Any], object_type: str = "contact") -> Compiled:
    return compile_definition(
        Definition.model_validate(definition),
        object_type,
        custom_fields={"tier": "enum"},
        score_models=MODELS,
    )


def _error(definition: dict[str, Any]) -> tuple[list[str | int], str]:
    with pytest.raises(ValidationFailed) as caught:
        _compile(definition)
    (error,) = caught.value.errors
    return error.path, error.message


def test_a_definition_combines_filters_scores_and_behaviour() -> None:
    compiled = _compile(
        {
            "filters": [{"field": "city", "op": "eq", "value": "上海"}, "custom.tier:in:vip,gold"],
            "scores": [{"model": "churn", "op": "gte", "value": 0.6}],
            "rfm": ["at_risk"],
            "clusters": [1],
        }
    )
    assert [(f.field, f.op, f.value) for f in compiled.filters] == [
        ("city", "eq", "上海"),
        ("custom.tier", "in", ["vip", "gold"]),
    ]
    assert compiled.rfm == {"at_risk"} and compiled.clusters == {1}


@pytest.mark.parametrize(
    ("definition", "path"),
    [
        ({"filters": [{"field": "shoe_size", "op": "eq", "value": "42"}]}, ["filters", 0, "field"]),
        ({"filters": ["city:eq:上海", "city:like:上"]}, ["filters", 1, "op"]),
        (
            {"filters": [{"field": "created_at", "op": "gte", "value": "soon"}]},
            ["filters", 0, "value"],
        ),
        ({"filters": ["custom.colour:eq:red"]}, ["filters", 0, "field"]),
        ({"scores": [{"model": "horoscope", "op": "gte", "value": 0.5}]}, ["scores", 0, "model"]),
        ({"scores": [{"model": "churn", "op": "eq", "value": 0.5}]}, ["scores", 0, "op"]),
        ({"rfm": ["champions", "whales"]}, ["rfm", 1]),
        ({"clusters": [9]}, ["clusters", 0]),
        ({}, []),
    ],
)
def test_each_wrong_part_is_named_by_its_path(definition: dict[str, Any], path: list[Any]) -> None:
    assert _error(definition)[0] == ["definition", *path]


def test_sensitive_fields_cannot_select_a_segment() -> None:
    path, message = _error({"filters": ["id_number:eq:110101199003071234"]})
    assert path == ["definition", "filters", 0, "field"]
    assert "sensitive" in message


def test_segments_are_of_contacts_or_accounts_with_a_key_like_name() -> None:
    with pytest.raises(ValidationFailed):
        _compile({"filters": ["title:eq:x"]}, object_type="deal")
    with pytest.raises(ValidationError):
        SegmentIn.model_validate(
            {"name": "VIP 客户", "label_zh": "贵宾", "label_en": "VIP", "definition": {}}
        )


def test_the_rfm_labels_are_those_of_the_segmentation() -> None:
    assert tuple(name for name, _ in SEGMENTS) == RFM_LABELS


def test_the_difference_is_who_joined_and_who_left() -> None:
    change = diff(["a", "b", "c"], ["b", "c", "d", "e"])
    assert (change.added, change.removed) == (["d", "e"], ["a"])
    assert diff(["a"], ["a"]) == diff([], [])


def test_behaviour_conditions_keep_customers_with_matching_orders_only() -> None:
    table = pd.DataFrame(
        {"segment": ["at_risk", "champions"], "cluster": [0, 1]}, index=["r1", "r2"]
    )
    compiled = _compile({"rfm": ["at_risk", "champions"], "clusters": [1]})
    kept = _keep_behaviour({"r1": {}, "r2": {}, "r3": {}}, table, compiled)
    assert kept == {"r2": {"rfm": "champions", "cluster": 1}}
