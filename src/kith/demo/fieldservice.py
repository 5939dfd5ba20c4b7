"""The demo's field-service story (scenario S5): three service stations and twelve
engineers in Shanghai, Suzhou and Hangzhou (staff and partner installers) with skills,
certifications (one expired), hours and calendars; finished visits that give two
customers' assets a repair history; and three units off the line whose work orders
were proposed and ranked through the gateway, as the MES event would do.

Deterministic: every date hangs off the demo's anchor, no randomness."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from kith.access.models import Role, User, UserRole
from kith.access.principal import Principal
from kith.access.service import principal_for_user, system_principal
from kith.container import Container
from kith.crm.models import Contact
from kith.fieldservice.inbound import UnitOffLine, propose_for
from kith.fieldservice.rules import Kind
from kith.fieldservice.schemas import AssignIn, EngineerIn, ProviderIn, WorkOrderIn
from kith.fieldservice.service import FieldService
from kith.gateway.gateway import gateway_of

# (name, city, lat, lon, bays)
PROVIDERS = (
    ("上海嘉定服务站", "上海", 31.3747, 121.2650, 3),
    ("苏州工业园区服务站", "苏州", 31.3150, 120.7270, 2),
    ("杭州滨江服务站", "杭州", 30.2084, 120.2120, 2),
)
EVERY_DAY = [1, 2, 3, 4, 5, 6, 7]
WEEKDAYS = [1, 2, 3, 4, 5]
# (name, city, lat, lon, skills, certified skills, partner station index or None, days)
ENGINEERS: tuple[
    tuple[str, str, float, float, list[str], list[str], int | None, list[int]], ...
] = (
    (
        "王建华",
        "上海",
        31.2304,
        121.4737,
        ["installation", "hv_battery", "charger_install"],
        ["hv_battery"],
        None,
        EVERY_DAY,
    ),
    (
        "陈立",
        "上海",
        31.1880,
        121.4365,
        ["installation", "repair", "telematics"],
        [],
        None,
        EVERY_DAY,
    ),
    (
        "周敏",
        "上海",
        31.2820,
        121.1640,
        ["installation", "repair", "hv_battery"],
        ["hv_battery"],
        0,
        EVERY_DAY,
    ),
    ("赵磊", "上海", 31.0280, 121.2270, ["inspection", "repair"], [], None, WEEKDAYS),
    (
        "刘洋",
        "上海",
        31.2390,
        121.5050,
        ["installation", "charger_install"],
        ["charger_install"],
        None,
        EVERY_DAY,
    ),
    (
        "孙浩",
        "苏州",
        31.2990,
        120.5853,
        ["installation", "hv_battery", "repair"],
        ["hv_battery"],
        1,
        EVERY_DAY,
    ),
    ("吴倩", "苏州", 31.3260, 120.7410, ["installation", "telematics"], [], 1, EVERY_DAY),
    ("郑凯", "苏州", 31.3890, 120.9800, ["repair", "inspection"], [], None, WEEKDAYS),
    ("钱峰", "苏州", 31.2650, 120.6300, ["installation", "charger_install"], [], None, EVERY_DAY),
    (
        "何静",
        "杭州",
        30.2741,
        120.1551,
        ["installation", "hv_battery", "inspection"],
        ["hv_battery"],
        None,
        EVERY_DAY,
    ),
    ("马超", "杭州", 30.1880, 120.2650, ["installation", "repair"], [], 2, EVERY_DAY),
    (
        "林晓",
        "杭州",
        30.3100,
        120.0700,
        ["installation", "charger_install", "telematics"],
        ["charger_install"],
        None,
        EVERY_DAY,
    ),
)
EXPIRED = "周敏"  # her high-voltage certificate lapsed ten days before the anchor
# (serial, model, address, region, lat, lon, skills)
UNITS = (
    (
        "LK6ADCE29SB100231",
        "EV-7 Pro",
        "上海市浦东新区张江路 188 号",
        "上海",
        31.2050,
        121.5900,
        ["installation", "hv_battery"],
    ),
    (
        "LK6ADCE21SB100418",
        "EV-7",
        "苏州市工业园区星湖街 328 号",
        "苏州",
        31.2960,
        120.7330,
        ["installation"],
    ),
    (
        "CHG-22K-0093172",
        "22 kW 充电桩",
        "杭州市西湖区文三路 90 号",
        "杭州",
        30.2770,
        120.1300,
        ["charger_install"],
    ),
)


def seed_field_resources(
    container: Container, tenant_id: str, anchor: datetime
) -> dict[str, list[str]]:
    """Providers and engineers (with tomorrow's calendar); their ids by kind."""
    principal = dispatcher(container, tenant_id)
    with container.uow() as uow:
        service = FieldService(uow, principal, lambda: anchor)
        providers = [
            service.create_provider(ProviderIn(name=n, city=c, lat=la, lon=lo, bays=b)).id
            for n, c, la, lo, b in PROVIDERS
        ]
        engineers = []
        tomorrow = anchor + timedelta(days=1)
        for i, (name, city, lat, lon, skills, certified, partner, days) in enumerate(ENGINEERS):
            expires = (
                (anchor - timedelta(days=10))
                if name == EXPIRED
                else anchor + timedelta(days=200 + 30 * i)
            )
            calendar = []
            if i % 4 == 1:  # a morning taken by training or another customer
                calendar.append(
                    {
                        "start": tomorrow.isoformat(),
                        "end": (tomorrow + timedelta(hours=3)).isoformat(),
                        "note": "培训 / training",
                    }
                )
            row = service.create_engineer(
                EngineerIn(
                    name=name,
                    provider_id=providers[partner] if partner is not None else None,
                    phone=f"+86 138 0000 {1000 + i}",
                    skills=skills,
                    certifications=[
                        {"skill": s, "expires_on": expires.date().isoformat()} for s in certified
                    ],
                    regions=[city],
                    home_lat=lat,
                    home_lon=lon,
                    work_start="08:30",
                    work_end="18:00",
                    work_days=days,
                    calendar=calendar,
                )
            )
            engineers.append(row.id)
        uow.commit()
    return {"providers": providers, "engineers": engineers}


def seed_field_story(container: Container, tenant_id: str, anchor: datetime) -> dict[str, Any]:
    """Resources, two customers' repair history, and three units off the line proposed."""
    ids = seed_field_resources(container, tenant_id, anchor)
    customers = _customers(container, tenant_id)
    if len(customers) < 3:
        return ids
    principal = dispatcher(container, tenant_id)
    _history(container, principal, customers, ids["engineers"], anchor)
    gateway = gateway_of(container)
    proposed = []
    for n, (serial, model, address, region, lat, lon, skills) in enumerate(UNITS):
        data = UnitOffLine(
            serial=serial,
            asset_kind="vin" if len(serial) == 17 else "serial",
            model=model,
            customer={"contact_id": customers[n]},
            address=address,
            region=region,
            lat=lat,
            lon=lon,
            required_skills=skills,
        )
        with container.uow() as uow:
            out = propose_for(
                uow,
                gateway,
                tenant_id,
                data,
                contact_id=customers[n],
                interaction_id=f"demo-unit-{n}",
                occurred_at=anchor,
                principal=principal,
            )
            uow.commit()
        proposed.append(out.get("work_order_id"))
    return {**ids, "proposed": proposed}


def dispatcher(container: Container, tenant_id: str) -> Principal:
    """Who dispatches in the demo: the first active admin (timelines name people), or
    the system when the workspace has no admin yet."""
    with container.uow() as uow:
        user = uow.session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .join(Role, Role.id == UserRole.role_id)
            .where(User.tenant_id == tenant_id, User.is_active.is_(True), Role.name == "admin")
            .order_by(User.created_at, User.id)
            .limit(1)
        ).first()
        if user is None:
            return system_principal(tenant_id, "demo")
        return principal_for_user(uow.session, user)


class _At:
    """A fixed "now" (the visit's day)."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def _customers(container: Container, tenant_id: str) -> list[str]:
    with container.uow() as uow:
        rows = uow.session.scalars(
            select(Contact.id)
            .where(
                Contact.tenant_id == tenant_id,
                Contact.deleted_at.is_(None),
                Contact.account_id.is_not(None),
            )
            .order_by(Contact.id)
            .limit(3)
        ).all()
    return list(rows)


def _history(
    container: Container,
    principal: Principal,
    customers: list[str],
    engineers: list[str],
    anchor: datetime,
) -> None:
    """Finished visits on the first two units' assets: their repair history."""
    visits: tuple[tuple[int, int, int, Kind, str, str], ...] = (
        (0, 2, 120, "repair", "更换高压接触器 / replaced the HV contactor", "done"),
        (0, 1, 45, "inspection", "客户不在现场 / customer not on site", "failed"),
        (1, 5, 30, "inspection", "年度检查通过 / yearly inspection passed", "done"),
    )
    for unit, engineer, days_ago, kind, note, outcome in visits:
        serial, model, address, region, lat, lon, _ = UNITS[unit]
        day = anchor - timedelta(days=days_ago)
        with container.uow() as uow:
            service = FieldService(uow, principal, _At(day))
            order = service.create_work_order(
                WorkOrderIn(
                    kind=kind,
                    title=f"{kind} {model} {serial}",
                    contact_id=customers[unit],
                    asset_kind="vin" if len(serial) == 17 else "serial",
                    asset_serial=serial,
                    asset_model=model,
                    address=address,
                    region=region,
                    lat=lat,
                    lon=lon,
                    required_skills=[kind] if kind == "repair" else [],
                    window_start=day + timedelta(hours=1),
                    window_end=day + timedelta(hours=8),
                    duration_min=90,
                )
            )
            service.assign(
                order.id,
                AssignIn(engineer_id=engineers[engineer], scheduled_start=day + timedelta(hours=2)),
            )
            for status in ("en_route", "on_site"):
                service.transition(order.id, status, None)
            service.transition(order.id, outcome, note)
            uow.commit()
