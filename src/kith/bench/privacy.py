"""``kith bench privacy``: masking throughput and DSAR export/erasure time.

The detection quality figures (precision/recall on the labelled set in the tests)
are printed by ``bench/bench_privacy.py``, which adds them to these.
"""

from __future__ import annotations

import random
import tempfile
import time
from pathlib import Path
from typing import Any

from kith.access.models import Tenant
from kith.access.service import system_principal
from kith.bench.harness import database, machine, workspace
from kith.crm.masking import mask_text
from kith.crm.schemas import ContactIn, InteractionIn
from kith.crm.service import RecordService
from kith.privacy import dsar

_SNIPPETS = (
    "客户林晓雯来电反映冬季续航下降，手机13812345678，希望预约电池检测。",
    "请把退款打到卡号6222021234567890128，身份证310115199003071239。",
    "Follow up with john.smith@example.co.uk about the renewal, phone +44 20 7946 0958.",
    "订单SO-2026-0001已发货，金额13800元，预计周三送达上海市浦东新区。",
    "The customer asked for the Q3 pricing sheet and a demo next Tuesday at 3pm.",
    "工单T-000123：车机系统5.2.1版本导航卡顿，已提交研发分析。",
)


def _corpus(chars: int, pii: bool) -> str:
    rng = random.Random(7)
    pool = (
        _SNIPPETS if pii else (_SNIPPETS[4], _SNIPPETS[5], "会议纪要：下周讨论续约条款与服务范围。")
    )
    parts: list[str] = []
    total = 0
    while total < chars:
        s = rng.choice(pool)
        parts.append(s)
        total += len(s)
    return "".join(parts)


def masking(chars: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, pii in (("with_pii", True), ("without_pii", False)):
        texts = [_corpus(400, pii) for _ in range(max(1, chars // 400))]
        size = sum(len(t) for t in texts)
        start = time.perf_counter()
        for t in texts:
            mask_text(t)
        seconds = time.perf_counter() - start
        out[name] = {
            "chars": size,
            "seconds": round(seconds, 3),
            "chars_per_second": int(size / seconds),
        }
    return out


def dsar_export(backend: str, interactions: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp, database(backend, Path(tmp)) as url:
        container = workspace(url, Path(tmp))
        with container.uow() as uow:
            tenant_id = uow.session.query(Tenant.id).scalar()
            assert tenant_id is not None
        system = system_principal(tenant_id)
        with container.uow() as uow:
            contact = RecordService(uow, system).create(
                "contact", ContactIn(name="林晓雯", email="lxw@mail.example", mobile="13812345678")
            )["id"]
            uow.commit()
        load_start = time.perf_counter()
        batch = 500
        for first in range(0, interactions, batch):
            with container.uow() as uow:
                records = RecordService(uow, system)
                for i in range(first, min(first + batch, interactions)):
                    records.create(
                        "interaction",
                        InteractionIn(
                            channel="wechat" if i % 2 else "app",
                            direction="inbound" if i % 3 else "outbound",
                            contact_id=contact,
                            subject=f"第{i}次沟通",
                            text=f"客户反馈第{i}个问题：续航、充电、导航。手机13812345678。",
                        ),
                    )
                uow.commit()
        load_seconds = time.perf_counter() - load_start
        with container.uow() as uow:
            start = time.perf_counter()
            body = dsar.export_zip(uow, system, contact)
            uow.commit()
            export_seconds = time.perf_counter() - start
        with container.uow() as uow:
            start = time.perf_counter()
            tombstone = dsar.erase(uow, system, container.settings, contact, "bench")
            uow.commit()
            erase_seconds = time.perf_counter() - start
        facts = machine(container)
        container.engine.dispose()
    return {
        "backend": backend,
        "interactions": interactions,
        "load_seconds": round(load_seconds, 1),
        "export_seconds": round(export_seconds, 3),
        "zip_bytes": len(body),
        "erase_seconds": round(erase_seconds, 3),
        "erased": tombstone.summary,
        "machine": facts,
    }
