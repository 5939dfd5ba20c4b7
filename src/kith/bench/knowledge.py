"""``kith bench knowledge``: the demo knowledge in a throw-away SQLite workspace and the
evaluation set asked one by one (metrics in ``kith.knowledge.evaluate``)."""

from __future__ import annotations

import json
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from kith.clikit import JsonFlag
from kith.knowledge.evaluate import NOTES, load_demo, load_set, score

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def run(path: str | Path | None = None, threshold: float | None = None) -> dict[str, Any]:
    from kith.access.service import ensure_tenant, system_principal
    from kith.bootstrap import build_container
    from kith.core.settings import Settings
    from kith.db.engine import make_engine
    from kith.db.migrate import upgrade
    from kith.knowledge.demo import FRANCHISE, LAB
    from kith.knowledge.service import KnowledgeService, KnowledgeSettings

    items = load_set(path)
    settings = KnowledgeSettings() if threshold is None else KnowledgeSettings(threshold=threshold)
    with tempfile.TemporaryDirectory() as home:
        url = f"sqlite:///{Path(home) / 'kith.db'}"
        engine = make_engine(url)
        upgrade(engine)
        container = build_container(
            Settings(home=Path(home), database_url=url, mode="test"),
            engine=engine,
            clock=lambda: NOW,
        )
        with container.uow() as uow:
            tenant = ensure_tenant(uow.session, "bench", "Bench")
            principal = system_principal(tenant.id, "kith bench knowledge")
            service = KnowledgeService(uow, principal, clock=lambda: NOW, settings=settings)
            started = time.perf_counter()
            load_demo(service)
            uow.commit()
            ingest_s = time.perf_counter() - started
        ingest = _ingest_figures(container, principal, settings)
        with container.uow() as uow:
            service = KnowledgeService(uow, principal, clock=lambda: NOW, settings=settings)
            spaces = (FRANCHISE, LAB)  # the two demo spaces, as the command bar would pick
            service.answer("warm up", spaces=spaces)
            note = NOTES.get(str(path), NOTES["dev"] if path is None else f"set {path}")
            result = score(items, lambda q: service.answer(q, spaces=spaces), note)
            # KITH_LLM_BASE_URL set: the same harness, answers worded by the model
            result["engine"] = service.grounded.name if service.grounded else "extractive"
        engine.dispose()
    result["ingest_seconds"] = round(ingest_s, 2)
    result["ingest"] = ingest
    result["threshold"] = settings.threshold
    return result


def bench_knowledge(
    as_json: JsonFlag = False,
    evalset: Annotated[
        str | None,
        typer.Option(help="dev (default), heldout, or the path of a JSONL set."),
    ] = None,
) -> None:
    """Accuracy, abstention, citation precision/recall and p95 latency on the
    evaluation set, over the demo knowledge in a temporary SQLite workspace."""
    result = run(evalset)
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False, default=str))
        return
    typer.echo(
        f"{result['questions']} questions: accuracy {result['accuracy']}, abstention "
        f"{result['abstention']}, citations P {result['citation_precision']} R "
        f"{result['citation_recall']}, p95 {result['p95_ms']} ms"
    )


def _ingest_figures(container: Any, principal: Any, settings: Any) -> dict[str, Any]:
    """Seconds to publish a 200-page PDF and a 5,000-row XLSX, and to re-upload one."""
    import io

    import openpyxl

    from kith.knowledge.service import KnowledgeService

    pages = [
        [
            f"{p}.{line} Clause {p}.{line}: the limit of parameter P{p}-{line} is {line}.5 mg/L "
            f"measured by method M-{p}."
            for line in range(1, 41)
        ]
        for p in range(1, 201)
    ]
    pdf = text_pdf(pages)
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["code", "parameter", "limit", "unit", "method"])
    for i in range(5000):
        sheet.append(
            [f"P{i}", f"参数{i}", round(i * 0.01, 2), "mg/L", f"GB/T {5750 + i % 13}-2006"]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    figures: dict[str, Any] = {"pdf_pages": 200, "pdf_bytes": len(pdf), "xlsx_rows": 5000}
    for key, name, data in (("pdf", "big.pdf", pdf), ("xlsx", "big.xlsx", buffer.getvalue())):
        with container.uow() as uow:
            service = KnowledgeService(uow, principal, clock=lambda: NOW, settings=settings)
            if key == "pdf":
                service.create_space("ingest", "internal")
            started = time.perf_counter()
            published = service.add_document("ingest", name, data)
            uow.commit()
            figures[f"{key}_seconds"] = round(time.perf_counter() - started, 2)
            figures[f"{key}_chunks"] = published.chunks
        with container.uow() as uow:
            service = KnowledgeService(uow, principal, clock=lambda: NOW, settings=settings)
            started = time.perf_counter()
            again = service.add_document("ingest", name, data)
            figures[f"{key}_reupload_seconds"] = round(time.perf_counter() - started, 2)
            figures[f"{key}_reupload_created"] = again.created
    return figures


def text_pdf(pages: list[list[str]]) -> bytes:
    """A small valid PDF with one Helvetica text line per entry (ASCII), for ingest
    figures and tests; written by hand so no PDF-writing dependency is needed."""
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    kids = []
    for lines in pages:
        stream = (
            "BT /F1 11 Tf 72 760 Td "
            + " ".join(
                "({}) Tj 0 -14 Td".format(
                    line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
                )
                for line in lines
            )
            + " ET"
        )
        page_no = len(objects) + 1
        kids.append(f"{page_no} 0 R")
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {page_no + 1} 0 R "
            "/Resources << /Font << /F1 3 0 R >> >> >>"
        )
        objects.append(f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream")
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(kids)} >>"
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)
