"""The held-out evaluation set: questions generated from the demo documents' facts with
paraphrase templates of their own, written without looking at the development set's
questions or at retrieval's failures, and never used to tune retrieval or the
threshold (docs/benchmarks.md reports it beside the development set).

It differs from ``demo.evaluation_set`` (the builder's development set) in wording —
colloquial Chinese ("最多允许多少", "要交多少钱"), English without the documents'
nouns ("at most", "how long does … take") — and in its unanswerable questions:
parameters, standards, clauses and franchise or lab topics the documents never
mention, asked in the same templates as the answerable ones, plus questions with a
wrong premise. Outdated-version traps: the 2025 fees and radii must never be quoted.

``python -m kith.knowledge.heldout tests/data/knowledge_heldout.jsonl`` writes it;
``kith bench knowledge --evalset tests/data/knowledge_heldout.jsonl`` scores it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from kith.knowledge.demo import (
    CLAUSES,
    CONFLICT,
    FRANCHISE_FACTS,
    LAB_SERVICE,
    OLD_TIERS,
    PARAMETERS,
    TIERS,
)

# Parameters, standards, clauses and topics the demo documents never mention.
ABSENT_PARAMETERS = [
    ("钡", "barium"),
    ("镍", "nickel"),
    ("锑", "antimony"),
    ("铊", "thallium"),
    ("银", "silver"),
    ("硼", "boron"),
    ("钼", "molybdenum"),
    ("铍", "beryllium"),
    ("苯乙烯", "styrene"),
    ("二甲苯", "xylene"),
    ("阿特拉津", "atrazine"),
    ("草甘膦", "glyphosate"),
]
ABSENT_CLAUSES = [
    ("GB/T 18384-2020", "5.6.2", "绝缘监测", "insulation monitoring"),
    ("GB/T 18384-2020", "6.1", "碰撞后防护", "post-crash protection"),
    ("GB/T 31467.3-2015", "7.12", "湿热循环", "damp heat cycling"),
    ("GB/T 31467.3-2015", "7.14", "盐雾试验", "salt spray test"),
    ("GB 38031-2020", "8.2", "热扩散", "thermal propagation"),
    ("GB/T 40032-2021", "5.1", "换电安全", "battery swap safety"),
]
ABSENT_TOPICS_ZH = [
    "加盟店可以转让给别人吗?",
    "加盟后能不能同时做外卖平台?",
    "员工工服由谁提供?",
    "总部给加盟店买保险吗?",
    "加盟店可以自己定价吗?",
    "线上销售要不要给总部分成?",
    "加盟店倒闭了总部会回购设备吗?",
    "港澳地区能加盟吗?",
    "可以上门采样吗,上门费多少?",
    "土壤检测多少钱一个样?",
    "实验室有 CMA 资质证书编号吗?",
    "检测报告多久过期?",
    "能检测游泳池水吗?",
    "瓶装水的检测项目有哪些?",
    "你们老板是谁?",
    "明天会下雨吗?",
]
ABSENT_TOPICS_EN = [
    "Can I sell my franchise store to someone else?",
    "May a franchisee also sell through delivery apps?",
    "Who supplies staff uniforms?",
    "Does headquarters insure franchise stores?",
    "Can a franchisee set its own prices?",
    "Do online sales pay a share to headquarters?",
    "Will headquarters buy back equipment if a store closes?",
    "Can I open a franchise in Hong Kong?",
    "Do you sample on site, and what does it cost?",
    "How much is a soil test per sample?",
    "What is the lab's CMA certificate number?",
    "When does a test report expire?",
    "Do you test swimming pool water?",
    "Which items are tested for bottled water?",
    "Who owns your company?",
    "Will it rain tomorrow?",
]


def _q(
    qid: str,
    lang: str,
    kind: str,
    question: str,
    contains: list[str],
    passages: list[tuple[str, str]],
    not_contains: list[str] | None = None,
    expect: str = "answer",
) -> dict[str, Any]:
    return {
        "id": f"ho-{qid}",
        "lang": lang,
        "type": kind,
        "question": question,
        "expect": expect,
        "contains": contains,
        "not_contains": not_contains or [],
        "passages": [{"document": d, "snippet": s} for d, s in passages],
    }


def _none(qid: str, lang: str, question: str) -> dict[str, Any]:
    return _q(qid, lang, "unanswerable", question, [], [], expect="abstain")


def heldout_set() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    zh_table, en_table = "生活饮用水检测限值", "Drinking Water Limits"
    for i, (zh, en, limit, unit, method) in enumerate(PARAMETERS):
        value = f"{limit} {unit}"
        zp, ep = [(zh_table, f"| {zh} |")], [(en_table, f"| {en} |")]
        out.append(_q(f"t-zh-{i}a", "zh", "table", f"饮用水里{zh}最多允许多少?", [value], zp))
        out.append(_q(f"t-zh-{i}b", "zh", "table", f"检测{zh}依据的标准方法是哪个?", [method], zp))
        out.append(
            _q(
                f"t-en-{i}a",
                "en",
                "table",
                f"How much {en.lower()} may tap water contain at most?",
                [value],
                ep,
            )
        )
        out.append(
            _q(
                f"t-en-{i}b",
                "en",
                "table",
                f"Which standard method do you follow for {en.lower()}?",
                [method],
                ep,
            )
        )
    for i, (zh, en) in enumerate(ABSENT_PARAMETERS):
        out.append(_none(f"t-none-zh-{i}", "zh", f"饮用水里{zh}最多允许多少?"))
        out.append(_none(f"t-none-en-{i}", "en", f"How much {en} may tap water contain at most?"))
    for i, (code, clause, zh, en, _tzh, _ten, value) in enumerate(CLAUSES):
        short = code.split("-")[0]
        zp, ep = [(f"{short} 摘要", clause)], [(f"{short} summary", clause)]
        out.append(
            _q(f"c-zh-{i}a", "zh", "numeric", f"按照 {code},{zh}需要达到什么数值?", [value], zp)
        )
        out.append(_q(f"c-zh-{i}b", "zh", "numeric", f"{short} 里{zh}的指标是多少?", [value], zp))
        out.append(
            _q(
                f"c-en-{i}a",
                "en",
                "numeric",
                f"Under {code}, what value must the {en} meet?",
                [value],
                ep,
            )
        )
        out.append(_q(f"c-en-{i}b", "en", "numeric", f"{short}: {en} requirement?", [value], ep))
    for i, (code, clause, zh, en) in enumerate(ABSENT_CLAUSES):
        short = code.split("-")[0]
        out.append(_none(f"c-none-zh-{i}a", "zh", f"按照 {code},{zh}需要达到什么数值?"))
        out.append(_none(f"c-none-zh-{i}b", "zh", f"{short} 第 {clause} 条讲的是什么?"))
        out.append(_none(f"c-none-en-{i}a", "en", f"Under {code}, what value must the {en} meet?"))
    fees = [
        (2, "加盟费", "franchise fee"),
        (4, "管理费", "management fee"),
        (5, "首批货款", "opening inventory"),
    ]
    for t, old in zip(TIERS, OLD_TIERS, strict=True):
        zp, ep = [("加盟政策", f"| {t[0]} |")], [("Franchise Policy", f"| {t[1]} |")]
        for col, zh, en in fees:
            if col == 4:
                vz = ve = f"{t[col]}%"
                oz = oe = f"{old[col]}%"
            else:
                vz, ve = f"{t[col]} 万元", f"{t[col] * 10_000:,}"
                oz, oe = f"{old[col]} 万元", f"{old[col] * 10_000:,}"
            changed = t[col] != old[col]
            kind = "outdated" if changed else "table"
            out.append(
                _q(
                    f"f-zh-{t[0]}-{col}",
                    "zh",
                    kind,
                    f"在{t[0]}开店,{zh}要交多少钱?",
                    [vz],
                    zp,
                    [oz] if changed and oz not in vz else None,
                )
            )
            out.append(
                _q(
                    f"f-en-{t[1]}-{col}",
                    "en",
                    kind,
                    f"If I open a store in {t[1]}, how much is the {en}?",
                    [ve],
                    ep,
                    [oe] if changed else None,
                )
            )
        if t[0] != CONFLICT[0]:
            out.append(
                _q(
                    f"d-zh-{t[0]}",
                    "zh",
                    "table",
                    f"{t[0]}开店要押多少保证金?",
                    [f"{t[3]} 万元"],
                    zp,
                )
            )
            out.append(
                _q(
                    f"d-en-{t[1]}",
                    "en",
                    "table",
                    f"What deposit does a franchisee in {t[1]} put down?",
                    [f"{t[3] * 10_000:,}"],
                    ep,
                )
            )
        out.append(
            _q(
                f"r-zh-{t[0]}",
                "zh",
                "outdated",
                f"在{t[0]}开店,区域保护有多大范围?",
                [f"{t[6]} 公里"],
                [("加盟政策", f"{t[0]}的区域保护半径")],
                [f"为 {old[6]} 公里"],
            )
        )
        out.append(
            _q(
                f"r-en-{t[1]}",
                "en",
                "outdated",
                f"How far does territory protection reach in {t[1]}?",
                [f"{t[6]} km"],
                [("Franchise Policy", f"In {t[1]} the protected")],
                [f"radius of {old[6]} km"],
            )
        )
    out.append(_none("f-none-zh-0", "zh", "在五线城市开店,加盟费要交多少钱?"))
    out.append(
        _none("f-none-en-0", "en", "If I open a store abroad, how much is the franchise fee?")
    )
    out.append(_none("f-none-zh-1", "zh", "在一线城市开店,装修补贴有多少?"))
    out.append(
        _none(
            "f-none-en-1",
            "en",
            "If I open a store in tier-1 cities, how much is the decoration subsidy?",
        )
    )
    for i, (kzh, ken, tzh, ten, vzh, ven) in enumerate(FRANCHISE_FACTS):
        zp, ep = [("加盟政策", tzh[:12])], [("Franchise Policy", ten[:24])]
        out.append(_q(f"fr-zh-{i}a", "zh", "factual", f"关于{kzh},具体是怎样的?", [vzh], zp))
        out.append(_q(f"fr-zh-{i}b", "zh", "factual", f"想了解一下加盟{kzh}的情况", [vzh], zp))
        out.append(_q(f"fr-en-{i}a", "en", "factual", f"Could you explain the {ken}?", [ven], ep))
        out.append(
            _q(
                f"fr-en-{i}b",
                "en",
                "factual",
                f"I'd like to know about the {ken} when franchising.",
                [ven],
                ep,
            )
        )
    for i, (kzh, ken, tzh, ten, vzh, ven) in enumerate(LAB_SERVICE):
        zp, ep = [(zh_table, tzh[:10])], [(en_table, ten[:20])]
        out.append(_q(f"lab-zh-{i}", "zh", "factual", f"送水样检测,{kzh}是怎么安排的?", [vzh], zp))
        out.append(
            _q(
                f"lab-en-{i}",
                "en",
                "factual",
                f"How does the {ken} work for water samples?",
                [ven],
                ep,
            )
        )
    pairs = [
        ((0, 1), ("资质审核", "合同期限"), ("qualification review", "contract term")),
        ((3, 6), ("开业筹备", "品牌推广费"), ("opening preparation", "brand marketing fee")),
    ]
    for (ia, ib), (a, b), (ea, eb) in pairs:
        fa, fb = FRANCHISE_FACTS[ia], FRANCHISE_FACTS[ib]
        passages = [("加盟政策", fa[2][:12]), ("加盟政策", fb[2][:12])]
        out.append(
            _q(f"m-zh-{a}", "zh", "multi", f"{a}以及{b}各是什么情况?", [fa[4], fb[4]], passages)
        )
        en_passages = [("Franchise Policy", fa[3][:24]), ("Franchise Policy", fb[3][:24])]
        out.append(
            _q(
                f"m-en-{ea}",
                "en",
                "multi",
                f"Tell me both the {ea} and the {eb}.",
                [fa[5], fb[5]],
                en_passages,
            )
        )
    conflict = [("加盟政策", f"| {CONFLICT[0]} |"), ("加盟常见问题", "保证金为")]
    out.append(
        _q(
            "x-zh",
            "zh",
            "conflict",
            f"{CONFLICT[0]}开店要押多少保证金?",
            [],
            conflict,
            expect="conflict",
        )
    )
    en_conflict = [("Franchise Policy", f"| {CONFLICT[1]} |"), ("Franchise FAQ", "The deposit in")]
    out.append(
        _q(
            "x-en",
            "en",
            "conflict",
            f"What deposit does a franchisee in {CONFLICT[1]} put down?",
            [],
            en_conflict,
            expect="conflict",
        )
    )
    for i, question in enumerate(ABSENT_TOPICS_ZH):
        out.append(_none(f"topic-zh-{i}", "zh", question))
    for i, question in enumerate(ABSENT_TOPICS_EN):
        out.append(_none(f"topic-en-{i}", "en", question))
    for i, question in enumerate(
        [
            "Quelle est la limite du plomb dans l'eau?",
            "¿Cuánto cuesta la franquicia?",
            "Wie lange dauert die Prüfung?",
        ]
    ):
        out.append(_q(f"other-{i}", "other", "unanswerable", question, [], [], expect="abstain"))
    return out


def main(path: str) -> None:
    lines = [json.dumps(item, ensure_ascii=False) for item in heldout_set()]
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/data/knowledge_heldout.jsonl")
