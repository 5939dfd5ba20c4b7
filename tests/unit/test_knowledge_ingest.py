"""Knowledge ingest without a database: tokens, chunking, converters and bad input."""

from __future__ import annotations

import io

import pytest

from kith.bench.knowledge import text_pdf
from kith.core.errors import ValidationFailed
from kith.knowledge.chunking import TABLE_ROWS, chunk_markdown
from kith.knowledge.convert import convert
from kith.knowledge.tokens import language_of, tokenize

LIMIT = 1_000_000


def test_numbers_units_and_standard_codes_are_exact_tokens() -> None:
    tokens = tokenize("GB/T 31467.3-2015 规定铅不超过 0.5 mg/L,条款 5.2.3")
    assert {"§gb/t31467.3-2015", "§gb/t31467.3", "§gb/t31467"} <= set(tokens)
    assert {"#0.5", "#0.5mg/l", "#5.2.3"} <= set(tokens)
    # 5 mg/L is another value, not a partial match of 0.5 mg/L
    assert "#0.5mg/l" not in tokenize("铅不超过 5 mg/L")
    assert "#30000" in tokenize("RMB 30,000")


def test_question_language() -> None:
    assert language_of("加盟费是多少?") == "zh"
    assert language_of("What is the franchise fee?") == "en"
    assert language_of("Какой предел содержания свинца?") == "other"
    assert language_of("鉛の基準値はいくつですか?") == "other"


def test_tables_keep_their_header_in_every_row_group() -> None:
    rows = "\n".join(f"| 参数{i} | {i} mg/L |" for i in range(TABLE_ROWS * 2 + 3))
    chunks = chunk_markdown(f"# 限值\n\n| 项目 | 限值 |\n| --- | --- |\n{rows}\n", "t")
    tables = [c for c in chunks if c.kind == "table"]
    assert len(tables) == 3
    assert all(c.text.startswith("| 项目 | 限值 |\n| --- | --- |") for c in tables)
    assert all(c.heading_path == "限值" for c in tables)
    assert "| 参数16 |" in tables[2].text


def test_numbered_clauses_are_units_with_their_number_and_heading_path() -> None:
    md = (
        "# 标准\n\n## 5 技术要求\n\n5.2.3 绝缘电阻不小于 100 Ω/V。\n续行说明。\n\n"
        "5.2.4 防护等级不低于 IP67。\n"
    )
    clauses = [c for c in chunk_markdown(md, "t") if c.kind == "clause"]
    assert [c.clause for c in clauses] == ["5.2.3", "5.2.4"]
    assert "续行说明" in clauses[0].text
    assert clauses[0].heading_path == "标准 > 5 技术要求"


def test_docx_keeps_headings_and_tables() -> None:
    docx = pytest.importorskip("docx")
    document = docx.Document()
    document.add_heading("加盟政策", 1)
    document.add_heading("费用", 2)
    document.add_paragraph("加盟费为 10 万元。")
    table = document.add_table(rows=2, cols=2)
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "城市", "加盟费"
    table.rows[1].cells[0].text, table.rows[1].cells[1].text = "一线城市", "10 万元"
    buffer = io.BytesIO()
    document.save(buffer)
    markdown = convert("policy.docx", buffer.getvalue(), max_bytes=LIMIT).markdown
    chunks = chunk_markdown(markdown, "policy")
    assert any(c.heading_path == "加盟政策 > 费用" and "10 万元" in c.text for c in chunks)
    assert any(c.kind == "table" and "| 一线城市 | 10 万元 |" in c.text for c in chunks)


def test_xlsx_and_csv_become_tables() -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "限值"
    sheet.append(["项目", "限值"])
    sheet.append(["铅", "0.01 mg/L"])
    buffer = io.BytesIO()
    book.save(buffer)
    xlsx = convert("limits.xlsx", buffer.getvalue(), max_bytes=LIMIT).markdown
    assert "## 限值" in xlsx and "| 铅 | 0.01 mg/L |" in xlsx
    csv = convert("limits.csv", "项目,限值\n铅,0.01 mg/L\n".encode(), max_bytes=LIMIT).markdown
    assert csv.splitlines()[0] == "| 项目 | 限值 |" and "| 铅 | 0.01 mg/L |" in csv


def test_html_drops_scripts_and_keeps_structure() -> None:
    html = b"<html><body><h1>Policy</h1><p>Fee is RMB 100,000.</p><script>alert(1)</script>"
    markdown = convert("p.html", html + b"</body></html>", max_bytes=LIMIT).markdown
    assert "# Policy" in markdown and "alert" not in markdown


def test_pdf_text_is_extracted() -> None:
    data = text_pdf([["5.2.3 Insulation resistance at least 100 ohm/V."], ["Page two"]])
    markdown = convert("std.pdf", data, max_bytes=LIMIT).markdown
    assert "5.2.3 Insulation resistance" in markdown and "Page two" in markdown


def _encrypted_pdf() -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(text_pdf([["secret"]]))))
    writer.encrypt("pw")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("locked.pdf", _encrypted_pdf(), "encrypted"),
        ("broken.pdf", b"%PDF-1.4\n garbage \x00\x01", "not a readable PDF"),
        ("empty.md", b"  \n", "is empty"),
        ("big.txt", b"x" * (LIMIT + 1), "the limit is"),
        ("tool.exe", b"MZ", "unknown file type"),
        ("broken.xlsx", b"not a zip", "not a readable XLSX"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(name: str, data: bytes, message: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        convert(name, data, max_bytes=LIMIT)
    assert message in str(caught.value)
    assert caught.value.errors[0].path == ["body", "file"]
