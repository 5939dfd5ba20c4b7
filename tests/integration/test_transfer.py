"""``kith import`` / ``kith export`` against a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text
from typer.testing import CliRunner

from kith.access import service as access
from kith.access.principal import Principal
from kith.cli import app
from kith.container import Container
from kith.core.settings import get_settings
from kith.crm import models as m
from kith.crm import repository
from kith.crm.query import ListQuery
from kith.crm.service import RecordService
from kith.crm.specs import SPECS
from kith.events.models import OutboxEvent
from kith.timeline.models import TimelineEntry
from kith.transfer import importer
from kith.transfer.errors import UnusableInput
from kith.transfer.exporter import export_file
from kith.transfer.formats import detect_format
from kith.transfer.importer import ImportOptions, ImportSummary, import_file
from tests.conftest import Workspace, make_workspace

HEADER = ["external_id", "name", "email", "mobile", "city", "title"]
ID_NUMBER = "11010119900307001X"
CONTACTS = [
    ["C-001", "张伟", "Zhang.Wei@shunda.example", "13812345678", "上海", "总经理"],
    ["C-002", "王芳", "wang.fang@shunda.example", "13900001111", "北京", "采购经理"],
    ["C-003", "Alice Chen", "alice.chen@acme.example", "+86 138 0000 2222", "深圳", "CTO"],
    ["", "李娜", "Li.Na@example.com", "", "杭州", ""],
]


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as stream:
        return list(csv.DictReader(stream))


def principal(container: Container, workspace: Workspace, role: str) -> Principal:
    with container.uow() as uow:
        return access.principal_for_user(uow.session, workspace.users[role])


def run_import(
    container: Container,
    workspace: Workspace,
    path: Path,
    role: str = "admin",
    object_type: str = "contact",
    **options: Any,
) -> ImportSummary:
    acting = principal(container, workspace, role)
    with container.uow() as uow:
        return import_file(
            uow,
            acting,
            SPECS[object_type],
            path,
            ImportOptions(fmt=detect_format(path, None), **options),
        )


def records(container: Container, workspace: Workspace, object_type: str = "contact") -> list[Any]:
    model = SPECS[object_type].model
    with container.uow() as uow:
        stmt = select(model).where(
            model.tenant_id == workspace.tenant_id, model.deleted_at.is_(None)
        )
        found = list(uow.session.scalars(stmt.order_by(model.id)))
        uow.session.expunge_all()  # keep them loaded after the unit of work rolls back
        return found


def search(container: Container, workspace: Workspace, q: str) -> list[str]:
    with container.uow() as uow:
        page = RecordService(uow, principal(container, workspace, "admin")).list_page(
            "contact", ListQuery(q=q)
        )
        return [item["name"] for item in page.items]


def statistics_exist(container: Container, table: str) -> bool:
    sql = (
        "SELECT count(*) FROM sqlite_stat1 WHERE tbl = :t"
        if container.engine.dialect.name == "sqlite"
        else "SELECT count(*) FROM pg_stat_user_tables WHERE relname = :t "
        "AND last_analyze IS NOT NULL"
    )
    with container.engine.connect() as conn:
        return bool(conn.execute(text(sql), {"t": table}).scalar())


def define_custom_fields(container: Container, workspace: Workspace) -> None:
    with container.uow() as uow:
        for name, type_, options in (
            ("segment", "enum", ["vip", "std"]),
            ("score", "number", []),
            ("vip", "bool", []),
        ):
            uow.session.add(
                m.FieldDefinition(
                    tenant_id=workspace.tenant_id,
                    object_type="contact",
                    name=name,
                    type=type_,
                    label_en=name.title(),
                    options=options,
                )
            )
        uow.commit()


def test_csv_import_of_chinese_contacts_is_searchable_and_idempotent(
    container: Container, workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importer, "ANALYZE_AFTER_ROWS", 4)  # a bulk load refreshes statistics
    path = write_csv(tmp_path / "contacts.csv", HEADER, CONTACTS)
    first = run_import(container, workspace, path)
    assert (first.created, first.rejected, first.rejected_file) == (4, 0, None)
    assert first.rows == 4 and first.rows_per_second > 0
    assert search(container, workspace, "张伟") == ["张伟"]
    assert search(container, workspace, "1381234") == ["张伟"]
    assert search(container, workspace, "alice.ch") == ["Alice Chen"]
    with container.uow() as uow:
        created_events = uow.session.scalar(
            select(func.count())
            .select_from(TimelineEntry)
            .where(TimelineEntry.event_type == "contact.created")
        )
    assert created_events == 4
    assert statistics_exist(container, "contacts")

    again = run_import(container, workspace, path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)
    assert len(records(container, workspace)) == 4

    changed = [
        ["C-001", "张伟", "Zhang.Wei@shunda.example", "13812345678", "上海", "董事长"],
        ["", "李娜", "LI.NA@EXAMPLE.COM", "", "宁波", ""],  # matched by email, any case
    ]
    update = run_import(container, workspace, write_csv(tmp_path / "update.csv", HEADER, changed))
    assert (update.created, update.updated) == (0, 2)
    by_name = {r.name: r for r in records(container, workspace)}
    assert len(by_name) == 4
    assert (by_name["张伟"].title, by_name["张伟"].version) == ("董事长", 2)
    assert by_name["李娜"].city == "宁波"

    # A shared mailbox: another external_id with 张伟's email is another person.
    assistant = [["C-100", "张伟助理", "zhang.wei@shunda.example", "", "上海", "助理"]]
    shared = run_import(container, workspace, write_csv(tmp_path / "s.csv", HEADER, assistant))
    assert (shared.created, shared.updated) == (1, 0)


def test_search_finds_the_same_rows_by_ids_first_and_by_sub_select(
    container: Container, workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Few matches are read by their ids, many through the sub-select: same answer."""
    run_import(container, workspace, write_csv(tmp_path / "contacts.csv", HEADER, CONTACTS))
    queries = ["张伟", "1381234", "alice.ch", "example", "上海"]
    few = {q: sorted(search(container, workspace, q)) for q in queries}
    monkeypatch.setattr(repository, "SEARCH_IDS_FIRST", 1)
    many = {q: sorted(search(container, workspace, q)) for q in queries}
    assert few == many
    assert few["张伟"] == ["张伟"] and len(few["example"]) >= 2


def test_products_upsert_by_sku(container: Container, workspace: Workspace, tmp_path: Path) -> None:
    header = ["sku", "name", "price", "active"]
    rows = [["EV-V9-VAN", "华辰 V9 电动物流车", "186000", "true"], ["SVC-1", "电池检测", "", "no"]]
    path = write_csv(tmp_path / "products.csv", header, rows)
    assert run_import(container, workspace, path, object_type="product").created == 2
    rows[0][2] = "179000.00"
    again = run_import(container, workspace, write_csv(path, header, rows), object_type="product")
    assert (again.created, again.updated, again.unchanged) == (0, 1, 1)
    prices = {p.sku: (p.price, p.active) for p in records(container, workspace, "product")}
    assert prices == {"EV-V9-VAN": (Decimal("179000.00"), True), "SVC-1": (None, False)}


def test_imported_records_emit_the_same_created_event_as_the_api(
    container: Container, workspace: Workspace, tmp_path: Path
) -> None:
    fields = {"name": "张伟", "mobile": "13812345678", "city": "上海", "id_number": ID_NUMBER}
    with container.uow() as uow:
        service = RecordService(uow, principal(container, workspace, "admin"))
        service.create("contact", SPECS["contact"].input_schema(**fields, email="a@x.cn"))
        uow.commit()
    path = write_csv(tmp_path / "c.csv", [*fields, "email"], [[*fields.values(), "b@x.cn"]])
    run_import(container, workspace, path)
    created = select(OutboxEvent).where(OutboxEvent.type == "contact.created")
    with container.uow() as uow:
        api, imported = (e.payload for e in uow.session.scalars(created.order_by(OutboxEvent.seq)))
    own = {"id", "created_at", "updated_at", "email"}  # differ between the two records
    assert {k: v for k, v in api["record"].items() if k not in own} == {
        k: v for k, v in imported["record"].items() if k not in own
    }
    assert imported["version"] == 1 and imported["record"]["email"] == "b@x.cn"
    assert "id_number" not in imported["record"]  # sensitive values never travel


def test_jsonl_import_takes_nested_values_and_rejects_bad_lines(
    container: Container, workspace: Workspace, tmp_path: Path
) -> None:
    lines = [
        json.dumps(
            {
                "name": "陈静",
                "email": "chen.jing@example.cn",
                "channels": [{"type": "wechat", "value": "chenjing88"}],
                "language": "zh",
            },
            ensure_ascii=False,
        ),
        json.dumps({"name": "Bob Lee", "email": "bob@example.com", "city": None}),
        "{not json",
        "[1, 2]",
        json.dumps({"name": "某人", "nickname": "x"}, ensure_ascii=False),
    ]
    path = tmp_path / "contacts.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    summary = run_import(container, workspace, path)
    assert (summary.created, summary.rejected) == (2, 3)
    assert summary.rejected_file == tmp_path / "contacts.rejected.jsonl"
    rejected = [json.loads(line) for line in summary.rejected_file.read_text().splitlines()]
    assert [r["_line"] for r in rejected] == [3, 4, 5]
    assert "not valid JSON" in rejected[0]["_errors"][0]["msg"]
    assert rejected[2]["name"] == "某人"
    assert rejected[2]["_errors"] == [{"loc": ["nickname"], "msg": "no such field"}]
    assert search(container, workspace, "chenjing88") == ["陈静"]


def test_bad_rows_are_reported_with_line_numbers_and_good_rows_kept(
    container: Container, workspace: Workspace, tmp_path: Path
) -> None:
    path = tmp_path / "mixed.csv"
    path.write_text(
        "name,email,mobile\n"
        "周杰,zhou.jie@example.com,13711112222\n"
        "吴磊,not-an-email,13711113333\n"
        '"郑爽\n(新)",zheng@example.com,\n'  # a quoted cell spanning two lines
        "孙丽,sun.li@example.com,137,extra\n"
        "\n"
        ",nameless@example.com,13711115555\n"
        "冯刚,feng.gang@example.com,\n",
        encoding="utf-8",
    )
    summary = run_import(container, workspace, path, batch_size=2)
    assert (summary.created, summary.rejected) == (3, 3)
    rejected = read_csv(tmp_path / "mixed.rejected.csv")
    assert [r["_line"] for r in rejected] == ["3", "6", "8"]
    assert rejected[0]["email"] == "not-an-email"
    assert rejected[0]["_errors"].startswith("email: value is not a valid email address")
    assert "row has 4 values; the header has 3 columns" in rejected[1]["_errors"]
    assert rejected[2]["_errors"].startswith("name: Field required")
    names = {r.name for r in records(container, workspace)}
    assert names == {"周杰", "郑爽\n(新)", "冯刚"}

    # Fixing the rejects file and importing it (its _line/_errors columns are ignored) works.
    fixed = [r for r in rejected if r["_line"] != "6"]
    fixed[0]["email"], fixed[1]["name"] = "wu.lei@example.com", "无名"
    write_csv(path, list(fixed[0]), [list(r.values()) for r in fixed])
    assert run_import(container, workspace, path).created == 2
    assert not (tmp_path / "mixed.rejected.csv").exists()  # a stale report is removed


def test_mapping_file_and_custom_field_columns(
    container: Container, workspace: Workspace, tmp_path: Path
) -> None:
    define_custom_fields(container, workspace)
    mapping = {
        "姓名": "name",
        "邮箱": "email",
        "客户等级": "custom.segment",
        "积分": "custom.score",
        "是否VIP": "custom.vip",
        "备注": None,
    }
    path = write_csv(
        tmp_path / "客户.csv",
        list(mapping),
        [
            ["黄磊", "huang.lei@example.com", "vip", "12", "是", "老客户"],
            ["林青", "lin.qing@example.com", "std", "4.5", "false", ""],
            ["郭靖", "guo.jing@example.com", "gold", "abc", "", ""],
        ],
    )
    summary = run_import(container, workspace, path, mapping=mapping)
    assert (summary.created, summary.rejected) == (2, 1)
    custom = {r.name: r.custom for r in records(container, workspace)}
    assert custom == {
        "黄磊": {"segment": "vip", "score": 12, "vip": True},
        "林青": {"segment": "std", "score": 4.5, "vip": False},
    }
    errors = read_csv(tmp_path / "客户.rejected.csv")[0]["_errors"]
    assert errors == "custom.score (column 积分): expected a number"

    fixed = write_csv(
        tmp_path / "fixed.csv",
        list(mapping),
        [["郭靖", "guo.jing@example.com", "gold", "", "", ""]],
    )
    summary = run_import(container, workspace, fixed, mapping=mapping)
    errors = read_csv(tmp_path / "fixed.rejected.csv")[0]["_errors"]
    assert errors == "custom.segment (column 客户等级): expected one of: vip, std"

    with pytest.raises(UnusableInput, match="'邮箱' -> 'mail'"):
        run_import(container, workspace, path, mapping={**mapping, "邮箱": "mail"})
    with pytest.raises(UnusableInput, match="columns the file does not have"):
        run_import(container, workspace, path, mapping={**mapping, "手机": "mobile"})
    with pytest.raises(UnusableInput, match="columns that are not contact fields: 姓名"):
        run_import(container, workspace, path)
    assert len(records(container, workspace)) == 2


def test_roles_and_field_rules_apply_as_in_the_api(
    container: Container, workspace: Workspace, tmp_path: Path
) -> None:
    run_import(container, workspace, write_csv(tmp_path / "base.csv", HEADER, CONTACTS[:1]))
    path = write_csv(
        tmp_path / "pii.csv",
        ["name", "email", "id_number", "title", "external_id"],
        [
            ["赵敏", "zhao.min@example.com", ID_NUMBER, "", ""],
            ["钱进", "qian.jin@example.com", "", "", ""],
            ["张伟", "", "", "董事长", "C-001"],  # owned by the admin: outside sales' scope
        ],
    )
    summary = run_import(container, workspace, path, role="sales")
    assert (summary.created, summary.rejected) == (1, 2)
    errors = [r["_errors"] for r in read_csv(tmp_path / "pii.rejected.csv")]
    assert errors[0] == "id_number: field is hidden for your role"
    assert "outside your record scope" in errors[1]
    created = next(r for r in records(container, workspace) if r.name == "钱进")
    assert created.owner_id == workspace.users["sales"].id

    summary = run_import(container, workspace, path, role="service")  # may update, not create
    errors = [r["_errors"] for r in read_csv(tmp_path / "pii.rejected.csv")]
    assert "may not create contact records" in errors[0]
    with pytest.raises(UnusableInput, match="may neither create nor update contacts"):
        run_import(container, workspace, path, role="viewer")


def test_export_round_trip_into_a_fresh_workspace(
    container: Container, workspace: Workspace, tmp_path: Path
) -> None:
    define_custom_fields(container, workspace)
    source = write_csv(
        tmp_path / "contacts.csv",
        [*HEADER, "channels", "custom.segment", "custom.score"],
        [
            [*row, '[{"type": "wechat", "value": "wx' + str(i) + '"}]', "vip", str(i * 10)]
            for i, row in enumerate(CONTACTS)
        ],
    )
    assert run_import(container, workspace, source).created == 4
    exported = tmp_path / "export.csv"
    with container.uow() as uow:
        summary = export_file(
            uow, principal(container, workspace, "admin"), SPECS["contact"], exported, "csv"
        )
    assert summary.rows == 4

    globex = make_workspace(container, "globex")
    define_custom_fields(container, globex)
    moved = run_import(container, globex, exported, mapping={"owner_id": None})
    assert (moved.created, moved.rejected) == (4, 0)
    fields = [*SPECS["contact"].input_schema.model_fields, "custom"]
    fields.remove("owner_id")

    def snapshot(ws: Workspace) -> list[dict[str, Any]]:
        return [{f: getattr(r, f) for f in fields} for r in records(container, ws)]

    assert snapshot(globex) == snapshot(workspace)
    assert {r.owner_id for r in records(container, globex)} == {globex.users["admin"].id}

    # A JSON Lines export re-imported where it came from matches every record by id.
    jsonl = tmp_path / "export.jsonl"
    with container.uow() as uow:
        export_file(uow, principal(container, workspace, "admin"), SPECS["contact"], jsonl, "jsonl")
    again = run_import(container, workspace, jsonl)
    assert (again.unchanged, again.created) == (4, 0)


def test_export_omits_hidden_fields_and_applies_filters(
    container: Container, workspace: Workspace, tmp_path: Path
) -> None:
    run_import(container, workspace, write_csv(tmp_path / "in.csv", HEADER, CONTACTS))
    out = tmp_path / "shanghai.csv"
    with container.uow() as uow:
        summary = export_file(
            uow,
            principal(container, workspace, "sales"),
            SPECS["contact"],
            out,
            "csv",
            filters=["city:eq:上海"],
            page_size=1,  # several keyset pages
        )
    rows = read_csv(out)
    assert summary.rows == 1 and [r["name"] for r in rows] == ["张伟"]
    assert "id_number" not in rows[0] and "bank_account" not in rows[0]
    with container.uow() as uow, pytest.raises(UnusableInput, match="cannot be filtered"):
        export_file(
            uow, principal(container, workspace, "admin"), SPECS["contact"], out, "csv", ["x:eq:1"]
        )


def test_a_database_error_rejects_only_its_row(
    container: Container, workspace: Workspace, tmp_path: Path
) -> None:
    run_import(container, workspace, write_csv(tmp_path / "one.csv", HEADER, CONTACTS[:1]))
    (gone,) = records(container, workspace)
    with container.uow() as uow:
        RecordService(uow, principal(container, workspace, "admin")).delete("contact", gone.id, 1)
        uow.commit()
    # The deleted record still holds its external_id in the unique index.
    rows = [CONTACTS[1], CONTACTS[0], CONTACTS[2]]
    summary = run_import(container, workspace, write_csv(tmp_path / "again.csv", HEADER, rows))
    assert (summary.created, summary.rejected) == (2, 1)
    rejected = read_csv(tmp_path / "again.rejected.csv")
    assert rejected[0]["_line"] == "3"
    assert rejected[0]["_errors"].startswith("database error:")


def test_dry_run_validates_and_saves_nothing(
    container: Container, workspace: Workspace, tmp_path: Path
) -> None:
    rows = [*CONTACTS, ["C-009", "坏行", "bad", "", "", ""]]
    summary = run_import(
        container, workspace, write_csv(tmp_path / "c.csv", HEADER, rows), dry_run=True
    )
    assert (summary.created, summary.rejected, summary.dry_run) == (4, 1, True)
    assert records(container, workspace) == []


def test_object_rules_apply_to_imported_deals_and_tickets(
    container: Container, workspace: Workspace, tmp_path: Path
) -> None:
    with container.uow() as uow:
        pipeline = m.Pipeline(tenant_id=workspace.tenant_id, name="Sales", is_default=True)
        uow.session.add(pipeline)
        uow.session.flush()
        for position, (name, probability) in enumerate((("初步接触", 10), ("方案", 40))):
            uow.session.add(
                m.PipelineStage(
                    tenant_id=workspace.tenant_id,
                    pipeline_id=pipeline.id,
                    name=name,
                    position=position,
                    probability=probability,
                )
            )
        uow.commit()
    deals = write_csv(
        tmp_path / "deals.csv",
        ["name", "amount", "account_id"],
        [["智能仓储项目", "120000.50", ""], ["Cloud migration", "80000", "0" * 32]],
    )
    summary = run_import(container, workspace, deals, object_type="deal")
    assert (summary.created, summary.rejected) == (1, 1)
    (deal,) = records(container, workspace, "deal")
    assert (deal.status, deal.probability, deal.pipeline_id) == ("open", 10, pipeline.id)
    assert (
        "account_id: no account with this id"
        in read_csv(tmp_path / "deals.rejected.csv")[0]["_errors"]
    )
    with container.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(m.DealStageChange)) == 1

    tickets = write_csv(
        tmp_path / "tickets.csv", ["subject", "priority"], [["无法登录", "urgent"], ["发票", "low"]]
    )
    assert run_import(container, workspace, tickets, object_type="ticket").created == 2
    numbers = [t.number for t in records(container, workspace, "ticket")]
    assert numbers == ["T-000001", "T-000002"]

    interactions = write_csv(
        tmp_path / "interactions.csv",
        ["channel", "direction", "subject", "meta"],
        [["wechat", "inbound", "询价", '{"thread": "wx-1"}']],
    )
    assert run_import(container, workspace, interactions, object_type="interaction").created == 1
    (interaction,) = records(container, workspace, "interaction")
    assert interaction.meta == {"thread": "wx-1"} and interaction.occurred_at is not None
    with container.uow() as uow:
        event_types = set(uow.session.scalars(select(TimelineEntry.event_type)))
    assert {"deal.created", "ticket.created", "interaction.received"} <= event_types


@pytest.fixture
def cli(container: Container, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Runs ``kith`` in-process against the test database."""
    url = container.engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("KITH_DATABASE_URL", url)
    monkeypatch.setenv("KITH_HOME", str(tmp_path))
    get_settings.cache_clear()
    runner = CliRunner()

    def run(*args: str) -> Any:
        return runner.invoke(app, [*args, "--tenant", "acme"])

    yield run
    get_settings.cache_clear()


def test_cli_exit_codes(cli: Any, workspace: Workspace, tmp_path: Path) -> None:
    good = write_csv(tmp_path / "good.csv", HEADER, CONTACTS)
    result = cli("import", "contacts", str(good), "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["created"] == 4

    bad = write_csv(tmp_path / "bad.csv", HEADER, [["X-1", "坏", "bad", "", "", ""]])
    result = cli("import", "contact", str(bad))
    assert result.exit_code == 1
    assert "1 rows rejected" in result.stderr and "bad.rejected.csv" in result.stdout

    unknown = write_csv(tmp_path / "unknown.csv", ["name", "nickname"], [["a", "b"]])
    for args in (
        ("import", "contacts", str(unknown)),
        ("import", "gadgets", str(good)),
        ("import", "contacts", str(tmp_path / "missing.csv")),
        ("import", "contacts", str(good), "--as", "nobody@acme.example.com"),
        ("export", "contacts", str(tmp_path / "out.txt")),
    ):
        result = cli(*args)
        assert result.exit_code == 2, args
        assert result.stderr.startswith("error: ")

    out = tmp_path / "out.csv"
    result = cli("export", "contacts", str(out), "--json", "--as", "sales@acme.example.com")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["rows"] == 4
    assert len(read_csv(out)) == 4


FORMULAS = {
    "name": "=cmd|' /C calc'!A0",
    "title": '=HYPERLINK("http://evil.example","点我")',
    "city": "-12.5",  # text that only looks like a number
    "wechat_id": "@SUM(1+1)",
    "department": "'=already guarded by hand",
}


def test_csv_export_guards_formulas_and_round_trips_exactly(
    container: Container, workspace: Workspace, tmp_path: Path
) -> None:
    define_custom_fields(container, workspace)
    columns = [*FORMULAS, "external_id", "mobile", "custom.score"]
    source = write_csv(
        tmp_path / "in.csv", columns, [[*FORMULAS.values(), "+X-1", "+86 138 0000 2222", "-12.5"]]
    )
    assert run_import(container, workspace, source).created == 1
    (stored,) = records(container, workspace)
    # A file nobody exported is taken as written (apart from Excel's apostrophe).
    assert stored.name == FORMULAS["name"] and stored.city == "-12.5"
    assert stored.department == "=already guarded by hand"
    assert stored.custom["score"] == -12.5
    exported = tmp_path / "export.csv"
    with container.uow() as uow:
        export_file(
            uow, principal(container, workspace, "admin"), SPECS["contact"], exported, "csv"
        )
    (row,) = read_csv(exported)
    assert row["name"] == "'=cmd|' /C calc'!A0"
    assert row["title"] == '\'=HYPERLINK("http://evil.example","点我")'
    assert row["city"] == "'-12.5" and row["wechat_id"] == "'@SUM(1+1)"
    assert row["department"] == "'=already guarded by hand"
    assert row["external_id"] == "'+X-1" and row["mobile"] == "'+86 138 0000 2222"
    assert row["custom.score"] == "-12.5"  # a typed number stays a number a sheet can sum
    formula_starts = ("=", "+", "-", "@", "\t", "\r")
    assert not [
        c for name, c in row.items() if c.startswith(formula_starts) and name != "custom.score"
    ]

    # Re-imported where it came from: matched and unchanged; elsewhere: the same values.
    assert run_import(container, workspace, exported).unchanged == 1
    globex = make_workspace(container, "globex")
    define_custom_fields(container, globex)
    assert run_import(container, globex, exported, mapping={"owner_id": None}).created == 1
    (moved,) = records(container, globex)
    for name in ("name", "title", "city", "wechat_id", "department", "external_id", "mobile"):
        assert getattr(moved, name) == getattr(stored, name), name
    assert moved.custom == stored.custom


def test_rows_of_existing_records_update_only_the_fields_they_give(
    container: Container, workspace: Workspace, tmp_path: Path
) -> None:
    define_custom_fields(container, workspace)
    run_import(container, workspace, write_csv(tmp_path / "in.csv", HEADER, CONTACTS))
    by_name = {r.name: r for r in records(container, workspace)}
    zhang, wang, alice = by_name["张伟"], by_name["王芳"], by_name["Alice Chen"]

    by_id = write_csv(tmp_path / "by_id.csv", ["id", "city"], [[zhang.id, "苏州"]])
    summary = run_import(container, workspace, by_id)
    assert (summary.updated, summary.rejected) == (1, 0)

    by_key = write_csv(
        tmp_path / "by_key.csv", ["external_id", "city", "custom.score"], [["C-002", "天津", "-3"]]
    )
    assert run_import(container, workspace, by_key).updated == 1

    # An empty required cell leaves the field as it is (the help says so).
    blank_name = write_csv(tmp_path / "blank.csv", ["id", "name", "title"], [[alice.id, "", "CEO"]])
    assert run_import(container, workspace, blank_name).updated == 1

    jsonl = tmp_path / "patch.jsonl"
    jsonl.write_text(json.dumps({"email": "LI.NA@example.com", "city": "温州"}) + "\n")
    assert run_import(container, workspace, jsonl).updated == 1

    after = {r.id: r for r in records(container, workspace)}
    assert (after[zhang.id].name, after[zhang.id].city) == ("张伟", "苏州")
    assert after[zhang.id].email == zhang.email and after[zhang.id].version == 2
    assert (after[wang.id].city, after[wang.id].custom) == ("天津", {"score": -3})
    assert (after[alice.id].name, after[alice.id].title) == ("Alice Chen", "CEO")
    assert [r.city for r in after.values() if r.name == "李娜"] == ["温州"]


def test_partial_rows_that_match_nothing_or_are_invalid_are_rejected(
    container: Container, workspace: Workspace, tmp_path: Path
) -> None:
    run_import(container, workspace, write_csv(tmp_path / "in.csv", HEADER, CONTACTS))
    zhang = next(r for r in records(container, workspace) if r.name == "张伟")
    path = write_csv(
        tmp_path / "partial.csv",
        ["id", "external_id", "email", "city"],
        [
            ["", "C-404", "", "苏州"],  # a new record would need a name
            ["", "", "", "无锡"],  # no key at all
            [zhang.id, "", "not-an-email", "苏州"],  # the record exists; its email is bad
            ["0" * 32, "", "", "常州"],  # an id nobody has
        ],
    )
    summary = run_import(container, workspace, path)
    assert (summary.updated, summary.created, summary.rejected) == (0, 0, 4)
    rejected = read_csv(tmp_path / "partial.rejected.csv")
    errors = {r["_line"]: r["_errors"] for r in rejected}
    assert errors["2"].startswith("name: Field required")
    assert errors["3"].startswith("name: Field required")
    assert errors["4"].startswith("email: value is not a valid email address")
    assert "name" not in errors["4"]
    assert errors["5"].startswith("name: Field required")
    assert next(r for r in records(container, workspace) if r.id == zhang.id).city == "上海"
