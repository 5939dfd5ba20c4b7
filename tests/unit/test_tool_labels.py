"""Every gateway tool has a label a person can read in both languages: the web app and
the planner's refusals show it instead of the tool's code name."""

from __future__ import annotations

import re

from kith.bootstrap import wire
from kith.gateway.labels import TOOL_LABELS, tool_label
from kith.gateway.registry import REGISTRY

HAN = re.compile(r"[\u4e00-\u9fff]")


def test_every_registered_tool_is_labelled_in_zh_and_en() -> None:
    wire()
    names = [spec.name for spec in REGISTRY]
    assert names, "no tool registered"
    missing = [n for n in names if n not in TOOL_LABELS]
    assert missing == []
    for name in names:
        zh, en = TOOL_LABELS[name]
        assert HAN.search(zh) and not re.search(r"[a-z]+\.[a-z_]+", zh), name
        assert en and not HAN.search(en) and en != name, name


def test_an_unlabelled_tool_never_shows_its_code_name_in_chinese() -> None:
    assert tool_label("nobody.labelled_this", "zh") == "这一操作"
    assert tool_label("records.delete", "zh") == "删除记录"
    assert tool_label("records.delete", "en") == "Delete a record"
