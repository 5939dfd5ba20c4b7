"""Reading import files: format detection, line numbers, unreadable rows and encodings."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from kith.transfer.errors import UnusableInput
from kith.transfer.formats import (
    RejectWriter,
    RowError,
    SourceRow,
    count_lines,
    detect_format,
    open_source,
    rejects_path,
    spreadsheet_safe,
    spreadsheet_value,
)


@pytest.mark.parametrize(
    ("name", "explicit", "expected"),
    [
        ("contacts.csv", None, "csv"),
        ("contacts.CSV", None, "csv"),
        ("contacts.jsonl", None, "jsonl"),
        ("contacts.ndjson", None, "jsonl"),
        ("contacts.txt", "csv", "csv"),
        ("contacts.csv", "JSONL", "jsonl"),
    ],
)
def test_format_comes_from_the_flag_or_the_extension(
    name: str, explicit: str | None, expected: str
) -> None:
    assert detect_format(Path(name), explicit) == expected


def test_unknown_formats_are_unusable_input() -> None:
    with pytest.raises(UnusableInput, match="--format csv"):
        detect_format(Path("contacts.xlsx"), None)
    with pytest.raises(UnusableInput, match="unknown format 'xml'"):
        detect_format(Path("contacts.csv"), "xml")


def test_rejects_are_written_next_to_the_input() -> None:
    assert rejects_path(Path("/d/contacts.csv"), "csv") == Path("/d/contacts.rejected.csv")
    assert rejects_path(Path("/d/leads"), "jsonl") == Path("/d/leads.rejected.jsonl")


def read(path: Path, fmt: str = "csv") -> tuple[list[str] | None, list[SourceRow]]:
    with open_source(path, fmt, "utf-8-sig") as source:  # type: ignore[arg-type]
        return source.header, list(source.rows())


def test_csv_rows_keep_physical_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text(
        '\ufeffname , email\n张伟,a@b.cn\n"多行\n名字",c@d.cn\n\n,,\n李四\n王五,e@f.cn\n',
        encoding="utf-8",
    )
    header, rows = read(path)
    assert header == ["name", "email"]  # BOM and spaces around names dropped
    assert [(r.line, r.problem) for r in rows] == [
        (2, None),
        (3, None),
        (7, "row has 1 values; the header has 2 columns"),
        (8, None),
    ]
    assert rows[1].cells == {"name": "多行\n名字", "email": "c@d.cn"}
    assert rows[2].original == ["李四"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "the file is empty"),
        ("\nname\n", "the first line is empty"),
        ("name,,email\n", "without a name: 2"),
        ("name,email,name\n", "columns twice: name"),
    ],
)
def test_bad_headers_are_unusable_input(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "c.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(UnusableInput, match=message):
        read(path)


def test_jsonl_lines_that_are_not_objects_become_row_problems(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text('{"name": "张伟"}\n\n{oops\n"text"\n', encoding="utf-8")
    header, rows = read(path, "jsonl")
    assert header is None
    assert [(r.line, r.problem) for r in rows] == [
        (1, None),
        (3, "not valid JSON: Expecting property name enclosed in double quotes"),
        (4, "expected a JSON object"),
    ]
    assert rows[1].original == "{oops"


def test_count_lines_checks_the_encoding_before_anything_is_written(tmp_path: Path) -> None:
    path = tmp_path / "gbk.csv"
    path.write_bytes("name\n张伟\n王芳".encode("gbk"))
    with pytest.raises(UnusableInput, match=r"not utf-8-sig text .*--encoding gb18030"):
        count_lines(path, "utf-8-sig")
    assert count_lines(path, "gb18030") == 3
    with pytest.raises(UnusableInput, match="unknown encoding"):
        count_lines(path, "klingon")


def test_rejects_file_puts_line_and_errors_first_and_drops_old_ones(tmp_path: Path) -> None:
    path = tmp_path / "c.rejected.csv"
    writer = RejectWriter(path, "csv", ["_line", "name", "_errors", "email"], "utf-8")
    writer.add(SourceRow(4, {}, ["2", "张伟", "old", "bad"]), [RowError(["email"], "invalid")])
    writer.add(
        SourceRow(9, {}, ["x"], "row has 1 values"), [RowError([], "row has 1 values", None)]
    )
    writer.add(SourceRow(11, {}, ["1", "", "", ""]), [RowError(["custom", "tier"], "bad", "等级")])
    writer.close()
    with path.open(encoding="utf-8", newline="") as stream:
        assert list(csv.reader(stream)) == [
            ["_line", "_errors", "name", "email"],
            ["4", "email: invalid", "张伟", "bad"],
            ["9", "row has 1 values", "x"],
            ["11", "custom.tier (column 等级): bad", "", ""],
        ]
    assert writer.count == 3


def test_jsonl_rejects_keep_the_object_and_list_errors(tmp_path: Path) -> None:
    path = tmp_path / "c.rejected.jsonl"
    writer = RejectWriter(path, "jsonl", None, "utf-8-sig")
    writer.add(SourceRow(2, {}, {"name": "张伟", "_line": 1}), [RowError(["email"], "missing")])
    writer.add(SourceRow(3, {}, "{oops", "not valid JSON"), [RowError([], "not valid JSON")])
    writer.close()
    lines = path.read_text(encoding="utf-8").splitlines()  # no byte-order mark
    assert [json.loads(line) for line in lines] == [
        {"name": "张伟", "_line": 2, "_errors": [{"loc": ["email"], "msg": "missing"}]},
        {"_raw": "{oops", "_line": 3, "_errors": [{"loc": [], "msg": "not valid JSON"}]},
    ]


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ('=HYPERLINK("http://evil.example","点我")', '\'=HYPERLINK("http://evil.example","点我")'),
        ("+86 138 0000 2222", "'+86 138 0000 2222"),
        ("-12.5", "'-12.5"),  # text that looks like a number is still text
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("'=1+1", "''=1+1"),  # guarded by hand: one more, so the import gives it back
        ("''@x", "'''@x"),
        ("张伟", "张伟"),
        ("a=b", "a=b"),
        (" =1", " =1"),
        ("'quoted'", "'quoted'"),
        ("'", "'"),
        ("", ""),
    ],
)
def test_formula_cells_get_an_apostrophe_that_import_removes(text: str, written: str) -> None:
    assert spreadsheet_safe(text) == written
    assert spreadsheet_value(written) == text


def test_cells_nobody_guarded_are_read_as_they_are() -> None:
    assert spreadsheet_value("=1+1") == "=1+1"
    assert spreadsheet_value("-12.5") == "-12.5"
    assert spreadsheet_value("'=1+1") == "=1+1"  # Excel's own "this is text" marker


def test_rejected_csv_rows_are_formula_safe_and_import_the_same(tmp_path: Path) -> None:
    path = tmp_path / "c.rejected.csv"
    writer = RejectWriter(path, "csv", ["name", "email"], "utf-8")
    writer.add(SourceRow(2, {}, ["=HYPERLINK(1)", "'=x"]), [RowError(["email"], "invalid")])
    writer.close()
    with path.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.reader(stream))
    # The import read "=HYPERLINK(1)" and "=x" (apostrophe removed): each is guarded once.
    assert rows[1] == ["2", "email: invalid", "'=HYPERLINK(1)", "'=x"]
