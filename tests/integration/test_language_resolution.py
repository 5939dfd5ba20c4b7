"""People are resolved with the context the sentence gives: the company named beside them,
and a clarifying question that never leaves out a candidate who fits everything said."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from kith.access import service as access
from kith.container import Container
from kith.crm import models as m
from kith.crm import schemas as cs
from kith.crm.service import RecordService
from kith.gateway.gateway import gateway_of
from kith.language.resolve import clear_cache
from kith.language.service import LanguageService
from tests.conftest import Workspace

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


def seed(container: Container, workspace: Workspace) -> dict[str, str]:
    ids: dict[str, str] = {}
    with container.uow() as uow:
        admin = access.principal_for_user(uow.session, uow.session.merge(workspace.users["admin"]))
        records = RecordService(uow, admin)
        for company, short, person in (
            ("永盛精密制造有限公司", "永盛精密", "雷振华"),
            ("长河物流有限公司", "长河物流", "雷明"),
        ):
            account = records.create("account", cs.AccountIn(name=company, short_name=short))
            contact = records.create(
                "contact", cs.ContactIn(name=person, title="总经理", account_id=account["id"])
            )
            ids[person] = contact["id"]
        for given in "伟芳磊静强敏洋":
            contact = records.create("contact", cs.ContactIn(name=f"张{given}", title="采购经理"))
            ids[f"张{given}"] = contact["id"]
        uow.commit()
    clear_cache()
    return ids


def plan(container: Container, workspace: Workspace, text: str) -> dict[str, Any]:
    with container.uow() as uow:
        user = uow.session.merge(workspace.users["sales"])
        out: dict[str, Any] = LanguageService(
            uow, access.principal_for_user(uow.session, user), gateway_of(container)
        ).plan(text, None, NOW)
    return out


def test_the_company_in_the_sentence_picks_the_person(
    container: Container, workspace: Workspace
) -> None:
    ids = seed(container, workspace)
    for text, person in (
        ("给永盛精密的雷总打个电话", "雷振华"),
        ("给长河物流的雷总发个微信，告诉他合同已寄出", "雷明"),
    ):
        out = plan(container, workspace, text)
        people = [e for e in out["entities"] if e["mention"] == "雷总"]
        assert people and people[0]["record_id"] == ids[person], out["entities"]
        assert not out["questions"]
    alone = plan(container, workspace, "给雷总打个电话")
    (question,) = alone["questions"]
    assert {o["value"] for o in question["options"]} == {ids["雷振华"], ids["雷明"]}


def test_every_candidate_that_fits_is_offered(container: Container, workspace: Workspace) -> None:
    ids = seed(container, workspace)
    out = plan(container, workspace, "给张经理打个电话")
    (question,) = out["questions"]
    zhangs = {v for k, v in ids.items() if k.startswith("张")}
    assert zhangs <= {o["value"] for o in question["options"]}  # seven, not the first five


def test_a_person_found_nowhere_is_reported_not_dropped(
    container: Container, workspace: Workspace
) -> None:
    seed(container, workspace)
    out = plan(container, workspace, "帮我约一下刘德华下周二下午三点见面")
    (question,) = out["questions"]
    assert "刘德华" in question["text"] and question["blocking"] and not question["options"]
    for text in ("把联系方式发给同事", "和方案一起发过去", "通知高层领导开会", "给雷总打个电话"):
        assert not any(
            "找不到" in q["text"] for q in plan(container, workspace, text)["questions"]
        ), text


def test_handing_a_deal_to_a_colleague_changes_its_owner(
    container: Container, workspace: Workspace
) -> None:
    with container.uow() as uow:
        uow.session.merge(workspace.users["sales2"]).name = "李娜"
        admin = access.principal_for_user(uow.session, uow.session.merge(workspace.users["admin"]))
        records = RecordService(uow, admin)
        pipeline = records.create("pipeline", cs.PipelineIn(name="Sales", is_default=True))
        uow.session.add(
            m.PipelineStage(tenant_id=workspace.tenant_id, pipeline_id=pipeline["id"],
                            name="方案演示", probability=40, kind="open", position=0)
        )  # fmt: skip
        uow.session.flush()
        account = records.create(
            "account", cs.AccountIn(name="港城快运有限公司", short_name="港城快运")
        )
        deal = records.create(
            "deal",
            cs.DealIn(name="港城快运 车队项目", account_id=account["id"],
                      owner_id=workspace.users["sales"].id),
        )  # fmt: skip
        uow.commit()
    clear_cache()
    for text in ("把港城快运的商机转给李娜跟进", "Hand the 港城快运 deal over to Li Na"):
        with container.uow() as uow:
            manager = uow.session.merge(workspace.users["manager"])
            out = LanguageService(
                uow, access.principal_for_user(uow.session, manager), gateway_of(container)
            ).plan(text, None, NOW)
        (step,) = out["steps"]
        assert step["tool"] == "records.update", out
        assert step["args"]["record_id"] == deal["id"]
        assert step["args"]["values"] == {"owner_id": workspace.users["sales2"].id}
