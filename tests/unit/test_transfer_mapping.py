"""Column mapping: which field each column feeds, and how CSV text becomes values."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kith.crm.models import FieldDefinition
from kith.crm.specs import SPECS
from kith.transfer.errors import UnusableInput
from kith.transfer.formats import RowError
from kith.transfer.mapping import FieldTargets, Target, build_plan, load_mapping

DEFINITIONS = {
    "tier": FieldDefinition(name="tier", type="enum", options=["a", "b"]),
    "score": FieldDefinition(name="score", type="number", options=[]),
    "vip": FieldDefinition(name="vip", type="bool", options=[]),
}
TARGETS = FieldTargets(SPECS["contact"], DEFINITIONS)


def test_columns_resolve_to_fields_custom_fields_keys_or_skips() -> None:
    assert TARGETS.resolve("email") == Target("field", "email")
    assert TARGETS.resolve("custom.tier") == Target("custom", "tier")
    assert TARGETS.resolve("id") == Target("key", "id")
    for exported_only in ("version", "created_at", "updated_by_id", "_line", "_errors"):
        assert TARGETS.resolve(exported_only).kind == "skip"
    assert TARGETS.resolve("custom.nope").kind == "unknown"
    assert TARGETS.resolve("nickname").kind == "unknown"
    deal = FieldTargets(SPECS["deal"], {})
    assert deal.resolve("status").kind == "skip"  # derived from the stage


def test_mapping_file_must_be_an_object_of_names(tmp_path: Path) -> None:
    path = tmp_path / "map.json"
    path.write_text(json.dumps({"姓名": "name", "备注": None}), encoding="utf-8")
    assert load_mapping(path) == {"姓名": "name", "备注": None}
    assert load_mapping(None) == {}
    for bad in ('["name"]', '{"a": 1}', "{oops"):
        path.write_text(bad, encoding="utf-8")
        with pytest.raises(UnusableInput, match="mapping"):
            load_mapping(path)
    with pytest.raises(UnusableInput, match="cannot read mapping"):
        load_mapping(tmp_path / "missing.json")


def test_mapping_targets_must_exist() -> None:
    TARGETS.check_mapping({"a": "name", "b": "custom.tier", "c": None, "d": "id"})
    with pytest.raises(UnusableInput, match=r"'b' -> 'custom.nope'.*custom fields: custom.score"):
        TARGETS.check_mapping({"a": "name", "b": "custom.nope"})


def test_a_csv_header_with_unknown_or_doubled_columns_is_refused() -> None:
    with pytest.raises(UnusableInput, match="not contact fields: 昵称"):
        build_plan(["name", "昵称"], {}, TARGETS, strict=True)
    with pytest.raises(UnusableInput, match="several columns feed the same field: name <- "):
        build_plan(["name", "姓名"], {"姓名": "name"}, TARGETS, strict=True)
    with pytest.raises(UnusableInput, match="does not have"):
        build_plan(["name"], {"手机": "mobile"}, TARGETS, strict=True)
    plan = build_plan(["name", "昵称"], {}, TARGETS, strict=False)  # JSON Lines: per row
    assert plan.convert({"name": "a", "昵称": "b"}, text=False)[1] == [
        RowError(["昵称"], "no such field")
    ]


def test_csv_cells_are_converted_by_target_type() -> None:
    header = ["姓名", "channels", "等级", "积分", "custom.vip", "备注", "id", "version"]
    mapping = {"姓名": "name", "等级": "custom.tier", "积分": "custom.score", "备注": None}
    plan = build_plan(header, mapping, TARGETS, strict=True)
    cells = {
        "姓名": " 张伟 ",
        "channels": '[{"type": "wechat", "value": "zw"}]',
        "等级": "a",
        "积分": "12",
        "custom.vip": "是",
        "备注": "ignored",
        "id": "0" * 32,
        "version": "3",
    }
    values, errors = plan.convert(cells, text=True)
    assert errors == []
    assert values == {
        "name": " 张伟 ",
        "channels": [{"type": "wechat", "value": "zw"}],
        "custom": {"tier": "a", "score": 12, "vip": True},
        "id": "0" * 32,
    }


def test_blank_cells_mean_not_given() -> None:
    plan = build_plan(["name", "email", "custom.score"], {}, TARGETS, strict=True)
    assert plan.convert({"name": "a", "email": "  ", "custom.score": ""}, text=True) == (
        {"name": "a"},
        [],
    )


def test_bad_cells_name_the_field_and_the_renamed_column() -> None:
    plan = build_plan(
        ["积分", "custom.vip", "channels"], {"积分": "custom.score"}, TARGETS, strict=True
    )
    cells = {"积分": "many", "custom.vip": "maybe", "channels": "[oops"}
    _, errors = plan.convert(cells, text=True)
    assert [e.text() for e in errors] == [
        "custom.score (column 积分): expected a number",
        "custom.vip: expected true or false",
        'channels: expected JSON, e.g. [{"type": "mobile", "value": "138…"}]',
    ]
    assert plan.convert({"积分": "nan"}, text=True)[1][0].message == "expected a finite number"
    assert plan.column_for(["custom", "score"]) == "积分"
    assert plan.column_for(["channels", 0, "type"]) is None


def test_jsonl_values_are_taken_as_they_are() -> None:
    plan = build_plan(["name", "custom", "custom.tier"], {}, TARGETS, strict=False)
    values, errors = plan.convert(
        {"name": "a", "custom": {"score": 1.5}, "custom.tier": "b"}, text=False
    )
    assert errors == []
    assert values == {"name": "a", "custom": {"score": 1.5, "tier": "b"}}
