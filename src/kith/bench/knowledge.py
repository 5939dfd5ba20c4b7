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
from kith.knowledge.evaluate import NOTES, SETS, UNREAD, is_right, load_demo, load_set, score

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def run(
    path: str | Path | None = None,
    threshold: float | None = None,
    *,
    ingest: bool = True,
    calibrate: bool = False,
) -> dict[str, Any]:
    """The figures on a set (``calibrate``: the threshold cross-validated on it instead)."""
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
        figures = _ingest_figures(container, principal, settings) if ingest else {}
        if calibrate:
            settings = KnowledgeSettings(threshold=0.0)
        with container.uow() as uow:
            service = KnowledgeService(uow, principal, clock=lambda: NOW, settings=settings)
            spaces = (FRANCHISE, LAB)  # the two demo spaces, as the command bar would pick
            service.answer("warm up", spaces=spaces)
            note = NOTES.get(str(path), NOTES["dev"] if path is None else f"set {path}")
            if calibrate:
                return _calibrate(items, lambda q: service.answer(q, spaces=spaces), note)
            result = score(items, lambda q: service.answer(q, spaces=spaces), note)
            # KITH_LLM_BASE_URL set: the same harness, answers worded by the model
            result["engine"] = service.grounded.name if service.grounded else "extractive"
        engine.dispose()
    result["ingest_seconds"] = round(ingest_s, 2)
    result["ingest"] = figures
    result["threshold"] = settings.threshold
    return result


def _calibrate(items: list[dict[str, Any]], ask: Any, note: str) -> dict[str, Any]:
    from kith.knowledge.calibration import Record, cross_validate

    records = []
    for item in items:
        answer = ask(item["question"])
        records.append(
            Record(
                qid=item["id"],
                answerable=item["expect"] != "abstain",
                confidence=answer.confidence,
                would_answer=not answer.abstained,
                right=item["expect"] != "abstain" and is_right(item, answer),
            )
        )
    return {"benchmark": "knowledge-calibration", "questions": len(items), "note": note} | (
        cross_validate(records)
    )


def bench_knowledge(
    as_json: JsonFlag = False,
    evalset: Annotated[
        str | None,
        typer.Option(help="dev (default), heldout, independent, or the path of a JSONL set."),
    ] = None,
    calibrate: Annotated[
        bool,
        typer.Option(help="Cross-validate the answer threshold on the set (use dev only)."),
    ] = False,
) -> None:
    """Correct, wrong and abstained answers, abstention on unanswerable questions,
    citation precision/recall and p95 latency on an evaluation set, over the demo
    knowledge in a temporary SQLite workspace."""
    chosen = SETS.get(evalset, Path(evalset)) if evalset else SETS["dev"]
    if not Path(chosen).is_file():
        typer.echo(f"no evaluation set at {chosen}", err=True)
        raise typer.Exit(2)
    result = run(evalset, ingest=not calibrate, calibrate=calibrate)
    if evalset in UNREAD or Path(chosen).resolve() in {SETS[n].resolve() for n in UNREAD}:
        # Its failures stay unread: reading them would make its figure a training one.
        result["failures"] = f"{len(result.get('failures', []))} (not printed for this set)"
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False, default=str))
        return
    if calibrate:
        typer.echo(f"threshold {result['threshold']}; cross-validated {result['cross_validated']}")
        return
    typer.echo(
        f"{result['questions']} questions: correct {result['correct']}, wrong "
        f"{result['wrong']}, abstained on answerable {result['abstained_on_answerable']}, "
        f"abstention {result['abstention']} (accuracy {result['accuracy']}), citations P "
        f"{result['citation_precision']} R {result['citation_recall']}, p95 "
        f"{result['p95_ms']} ms"
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
