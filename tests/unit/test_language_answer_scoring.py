"""The development sets score a question by what a person reads in its answer."""

from kith.language.devset import score

PLAN = {"kind": "question", "query": {"object_type": "deal"}, "steps": []}


def _answer(sentence: str, rows: list[list[object]] | None = None) -> dict[str, object]:
    return {"sentence": sentence, "rows": rows or [], "columns": []}


def test_a_number_counts_when_the_sentence_or_the_table_states_it() -> None:
    entry = {"kind": "question", "answer": {"numbers": [12, 1234567.8]}}
    said = _answer("共 12 个商机，金额合计 ¥1,234,567.80。")
    assert score(entry, PLAN, {}, said)[2] == []
    in_table = _answer("Deals by stage.", [["Proposal", 12], ["Won", "¥1,234,567.80"]])
    assert score(entry, PLAN, {}, in_table)[2] == []


def test_wan_and_yi_are_read_as_a_person_reads_them() -> None:
    entry = {"kind": "question", "answer": {"numbers": [1234567.8]}}
    assert score(entry, PLAN, {}, _answer("合计约 123.5万 元"))[2] == []
    assert score(entry, PLAN, {}, _answer("合计约 120万 元"))[2] == ["answer 1234567.8"]


def test_a_wrong_or_missing_number_is_a_miss() -> None:
    entry = {"kind": "question", "answer": {"numbers": [12]}}
    assert score(entry, PLAN, {}, _answer("共 13 个商机。"))[2] == ["answer 12"]
    assert score(entry, PLAN, {}, None)[2] == ["answer 12"]


def test_listed_names_must_be_exactly_the_expected_set() -> None:
    entry = {"kind": "question", "answer": {"names": ["顺达物流", "仁和医院"]}}
    rows: list[list[object]] = [["仁和医院", "x"], ["顺达物流", "y"]]
    assert score(entry, PLAN, {}, _answer("找到 2 条记录。", rows))[2] == []
    extra = [*rows, ["华东电池", "z"]]
    assert score(entry, PLAN, {}, _answer("找到 3 条记录。", extra))[2] == ["answer names"]
