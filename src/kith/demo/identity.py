"""The demo's identity story (scenario S7): the same people reach the company from the
app, a mini-program, a branch and the call centre without a shared key, with the noise
of real channels — pinyin in either order, traditional characters, +86 and dashed
phone numbers, a surname and a title on the phone, an old number, a family tablet —
and the identity graph links them on arrival (``kith.identity.ingest``), proposes the
doubtful ones for review and leaves strangers alone (ghost customers).

Every contact of the demo enters the graph first; then ``STORY_PEOPLE`` contacts get
their channel identities. Deterministic: a fixed choice of contacts (oldest first),
``random.Random(seed)``, times relative to the demo's anchor."""

from __future__ import annotations

import random
import re
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from kith.access.service import system_principal
from kith.container import Container
from kith.crm.models import Contact
from kith.identity.consumer import contact_record
from kith.identity.generator import romanised, traditional
from kith.identity.ingest import IdentityIngest

STORY_PEOPLE = 12
CHINESE_NAME = re.compile(r"^[\u4e00-\u9fff]{2,4}$")
HONORIFICS = ("先生", "女士", "总")


def _digits(phone: str) -> str | None:
    digits = re.sub(r"\D", "", phone or "")
    digits = digits[2:] if digits.startswith("86") and len(digits) == 13 else digits
    return digits if len(digits) == 11 and digits.startswith("1") else None


def _channels(
    rng: random.Random, n: int, contact: Contact
) -> list[tuple[str, str, dict[str, Any]]]:
    """(kind, ref, fields) of the identities one person left in the channels."""
    mobile = _digits(contact.mobile or "") or ""
    dashed = f"{mobile[:3]}-{mobile[3:7]}-{mobile[7:]}"
    name = contact.name
    device = f"dev-demo-{n:03d}"
    out: list[tuple[str, str, dict[str, Any]]] = [
        (
            "app_user_id",
            f"app-{n:05d}",
            {
                "name": romanised(name, given_first=n % 2 == 0),
                "phone": f"+86 {mobile[:3]} {mobile[3:7]} {mobile[7:]}",
                "device_id": device,
            },
        ),
        ("open_id", f"oMini{n:06d}", {"phone": dashed, "device_id": device}),
        (
            "card",
            f"C{70000000 + n}",
            {"name": traditional(name), "city": contact.city or ""},
        ),
        (
            "phone",
            f"+86{mobile}",
            {"name": name[:1] + rng.choice(HONORIFICS), "phone": mobile},
        ),
    ]
    if n % 4 == 3:
        # The branch also kept an old number: the name and the city agree, the phone
        # does not, so the pair waits in the review inbox instead of being linked.
        old = "13" + "".join(rng.choices("0123456789", k=9))
        out[2] = (
            "card",
            f"C{70000000 + n}",
            {"name": name, "phone": old, "city": contact.city or ""},
        )
    if n % 6 == 5:
        # A family tablet: the spouse uses the same device under another name.
        out.append(
            (
                "app_user_id",
                f"app-{n:05d}-family",
                {"name": name[:1] + "丽华", "device_id": device},
            )
        )
    return out


class _At:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def seed_identity_story(
    container: Container, tenant_id: str, anchor: datetime, seed: int = 24
) -> dict[str, int]:
    """Put the demo's contacts in the graph, then the channel identities of
    ``STORY_PEOPLE`` of them and a few strangers; the decisions taken, counted."""
    rng = random.Random(seed)
    counts: dict[str, int] = {}
    principal = system_principal(tenant_id, "identity graph")
    with container.uow() as uow:
        clock = _At(anchor - timedelta(days=30))
        ingest = IdentityIngest(uow, principal, clock=clock)
        contacts = uow.session.scalars(
            select(Contact)
            .where(Contact.tenant_id == tenant_id, Contact.deleted_at.is_(None))
            .order_by(Contact.created_at, Contact.name)
        ).all()
        for contact in contacts:
            ingest.ingest("contact", contact.id, contact_record(uow, contact))
        story = [c for c in contacts if CHINESE_NAME.match(c.name) and _digits(c.mobile or "")]
        for n, contact in enumerate(story[:STORY_PEOPLE]):
            for step, (kind, ref, fields) in enumerate(_channels(rng, n, contact)):
                at = anchor - timedelta(days=20 - step * 3, hours=n)
                clock.at = at
                out = ingest.ingest(kind, ref, fields, activity_at=at)
                counts[out["decision"]] = counts.get(out["decision"], 0) + 1
        for n in range(4):  # people the company cannot place: ghosts
            at = anchor - timedelta(days=2, hours=n)
            clock.at = at
            fields = {
                "phone": "1" + "".join(rng.choices("3456789", k=1) + rng.choices("0123456789", k=9))
            }
            out = ingest.ingest("open_id", f"oGhost{n:04d}", fields, activity_at=at)
            counts[out["decision"]] = counts.get(out["decision"], 0) + 1
        uow.commit()
    return counts
