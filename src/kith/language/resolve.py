"""Entity resolution against the CRM's own data, with the asking user's permissions.

The gazetteer is what the user may read: contacts, accounts, deals, tickets and orders
come through ``RecordRepository.scoped(..., "read")`` (row scoping lives there), users
are the active colleagues of the workspace. It is cached per (tenant, user) for a few
seconds: a person typing commands does not reload 2,000 names per keystroke, and a
record created a moment ago appears within ``CACHE_SECONDS``.

Mentions found: full names (Chinese and English, pinyin too), surname + honorific
(张总, 王经理, Mr. Li), account full and short names, users by name, title or role
(供应链总监, "our support lead"), deals by name, tickets and orders by number,
pronouns (他/她/him/her → the last person named). Several candidates → ranked
alternatives, never a silent pick.
"""

from __future__ import annotations

import functools
import re
import threading
import time as _time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, union_all
from sqlalchemy.orm import Session

from kith.access.models import Team, TeamMember, User
from kith.access.principal import Principal
from kith.crm import models as crm
from kith.crm.repository import RecordRepository
from kith.crm.specs import SPECS
from kith.language.dealdesc import account_stems, described_deals
from kith.language.names import (
    HONORIFICS_EN,
    HONORIFICS_ZH,
    MAX_OPTIONS,
    ROLE_WORDS_EN,
    ROLE_WORDS_ZH,
    SAME_COMPANY_BONUS,
    SURNAMES,
    UNKNOWN_PERSON,
    UNKNOWN_PERSON_ZH,
    starts_a_word,
)

CACHE_SECONDS = 300.0
_MY_MANAGER = re.compile(
    r"\bmy (?:manager|boss|supervisor|team lead)\b"
    r"|我的?(?:经理|领导|上级|主管|老板)|我们(?:经理|领导)",
    re.IGNORECASE,
)
PRONOUNS_EN = ("him", "her", "he", "she", "them")
_TICKET_RE = re.compile(
    r"(?<![A-Za-z])T-?(\d{1,6})(?!\d)|(?:工单|ticket)\s*#?\s*(\d{1,6})(?!\d)", re.IGNORECASE
)
_ORDER_RE = re.compile(r"\b(SO-?\d{3,}|ORD-?\d{3,}|\d{8,})\b|订单\s*#?([A-Z0-9-]{4,})", re.I)
_NICKNAME = re.compile(rf"[小老]([{SURNAMES}])(?![\d序])")
_LATIN_NAME_RE = re.compile(
    r"\b(Mr|Mrs|Ms|Miss|Dr|Director|Manager|President|Dean|Professor|Chief|Engineer)\.?\s+"
    r"([A-Z][a-z]+)\b"
)


@dataclass(frozen=True)
class Entry:
    object_type: str  # contact | account | user | deal | ticket | order
    record_id: str
    display: str
    names: tuple[str, ...]
    family: str | None = None
    family_latin: tuple[str, ...] = ()
    title: str = ""
    account_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)


@dataclass
class Entity:
    mention: str
    object_type: str
    record_id: str | None
    display: str | None
    confidence: float
    alternatives: list[dict[str, Any]] = field(default_factory=list)
    start: int = 0
    end: int = 0
    role: str | None = None
    entry: Entry | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "mention": self.mention,
            "object_type": self.object_type,
            "record_id": self.record_id,
            "display": self.display,
            "confidence": round(self.confidence, 2),
            "alternatives": self.alternatives,
        }

    @property
    def ambiguous(self) -> bool:
        return self.record_id is None and bool(self.alternatives)


@dataclass
class Gazetteer:
    entries: list[Entry]
    by_id: dict[str, Entry]
    loaded_at: float
    managers: tuple[str, ...] = ()  # the asking user's team managers
    stamp: tuple[Any, ...] = ()
    # lower-cased name → (name, entry) for every name of every record, and the lengths
    # that occur, so a text is matched by looking its substrings up, not by scanning names
    index: dict[str, list[tuple[str, Entry]]] = field(default_factory=dict)
    lengths: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        for e in self.entries:
            if e.object_type in ("ticket", "order"):
                continue
            for n in e.names:
                if len(n) >= 2:
                    self.index.setdefault(n.lower(), []).append((n, e))
        self.lengths = tuple(sorted({len(k) for k in self.index if len(k) <= 60}, reverse=True))

    def of_type(self, object_type: str) -> Iterable[Entry]:
        return (e for e in self.entries if e.object_type == object_type)


_CACHE: dict[tuple[str, str], Gazetteer] = {}
_LOCK = threading.Lock()


def clear_cache() -> None:
    with _LOCK:
        _CACHE.clear()


@functools.lru_cache(maxsize=8192)
def pinyin_of(text: str) -> str:
    from pypinyin import lazy_pinyin  # 0.2-0.9 s to import: only when a gazetteer is built

    return "".join(lazy_pinyin(text)).lower()


def gazetteer(session: Session, principal: Principal) -> Gazetteer:
    key = (principal.tenant_id, principal.id)
    with _LOCK:
        cached = _CACHE.get(key)
    stamp = _freshness(session, principal.tenant_id)
    if (
        cached is not None
        and cached.stamp == stamp
        and _time.monotonic() - cached.loaded_at < CACHE_SECONDS
    ):
        return cached
    built = _build(session, principal)
    built.stamp = stamp
    with _LOCK:
        _CACHE[key] = built
    return built


def _freshness(session: Session, tenant_id: str) -> tuple[Any, ...]:
    """Changes since the gazetteer was built: (rows, last update) per source table, one
    query. A created, renamed or deleted record invalidates it at once."""
    parts = [
        select(func.count(), func.max(model.updated_at)).where(model.tenant_id == tenant_id)
        for model in (crm.Contact, crm.Account, crm.Deal, crm.Ticket, crm.Order, User)
    ]
    return tuple(tuple(row) for row in session.execute(union_all(*parts)).all())


def _readable(repo: RecordRepository, object_type: str, *columns: str) -> list[Any]:
    from kith.access import policy

    if policy.scope_for(repo.principal, object_type, "read") is None:
        return []
    spec = SPECS[object_type]
    stmt = repo.scoped(spec, "read").with_only_columns(
        *(getattr(spec.model, c) for c in ("id", *columns))
    )
    return list(repo.session.execute(stmt).all())


def _build(session: Session, principal: Principal) -> Gazetteer:
    repo = RecordRepository(session, principal)
    entries: list[Entry] = []
    names: tuple[str, ...]
    accounts = _readable(repo, "account", "name", "short_name")
    stems = account_stems([(row.name, row.short_name) for row in accounts], pinyin_of)
    for row in accounts:
        # the stems (嘉禾, Jiahe) before the short name, which stays last (the label)
        extra = tuple(s for s in stems.get(row.name, ()) if s not in (row.name, row.short_name))
        names = tuple(n for n in (row.name, *extra, row.short_name) if n)
        entries.append(Entry("account", row.id, row.name, names))
    for row in _readable(repo, "contact", "name", "family_name", "title", "account_id"):
        family = row.family_name or (row.name[0] if _is_cjk(row.name[:1]) else None)
        latin: tuple[str, ...] = ()
        if family and _is_cjk(family):
            latin = (pinyin_of(family),)
        elif row.family_name:
            latin = (row.family_name.lower(),)
        names = (row.name,)
        if _is_cjk(row.name[:1]):
            given = row.name[len(family or "") :]
            names = (row.name, f"{pinyin_of(given).title()} {pinyin_of(family or '').title()}")
            names += (f"{pinyin_of(family or '').title()} {pinyin_of(given).title()}",)
        entries.append(
            Entry(
                "contact", row.id, row.name, names, family, latin, row.title or "", row.account_id
            )
        )
    for row in _readable(repo, "deal", "name", "account_id", "status", "stage_id"):
        short = row.name.split("·", 1)[-1].strip()
        entries.append(
            Entry(
                "deal",
                row.id,
                row.name,
                (row.name, short),
                account_id=row.account_id,
                extra={"status": row.status, "stage_id": row.stage_id},
            )
        )
    for row in _readable(repo, "ticket", "number", "subject", "account_id", "status"):
        entries.append(
            Entry(
                "ticket",
                row.id,
                f"{row.number} {row.subject}",
                (row.number,),
                account_id=row.account_id,
                extra={"number": row.number, "status": row.status},
            )
        )
    for row in _readable(repo, "order", "number", "account_id", "total", "currency"):
        entries.append(
            Entry(
                "order",
                row.id,
                row.number,
                (row.number,),
                account_id=row.account_id,
                extra={"total": str(row.total), "currency": row.currency},
            )
        )
    users = session.scalars(
        select(User).where(User.tenant_id == principal.tenant_id, User.is_active.is_(True))
    )
    for user in users:
        names = (user.name,)
        if not _is_cjk(user.name[:1]) and " " in user.name:
            names += (user.name.split()[0],)  # "Emily"
        if _is_cjk(user.name[:1]):
            fam, given = user.name[:1], user.name[1:]
            names += (f"{pinyin_of(given).title()} {pinyin_of(fam).title()}",)
            names += (f"{pinyin_of(fam).title()} {pinyin_of(given).title()}",)
        entries.append(
            Entry(
                "user",
                user.id,
                user.name,
                names,
                title=user.title or "",
                extra={"email": user.email, "timezone": user.timezone},
            )
        )
    managers: tuple[str, ...] = ()
    if principal.user_id:
        member_of = select(TeamMember.team_id).where(TeamMember.user_id == principal.user_id)
        managers = tuple(
            m
            for m in session.scalars(
                select(Team.manager_id).where(
                    Team.tenant_id == principal.tenant_id, Team.id.in_(member_of)
                )
            )
            if m and m != principal.user_id
        )
    return Gazetteer(entries, {e.record_id: e for e in entries}, _time.monotonic(), managers)


def _is_cjk(text: str) -> bool:
    return bool(text) and "\u4e00" <= text[0] <= "\u9fff"


def _occurs(name: str, text: str, lower: str) -> int:
    if len(name) < 2:
        return -1
    if _is_cjk(name[:1]):
        return text.find(name)
    m = re.search(rf"(?<![A-Za-z]){re.escape(name.lower())}(?![A-Za-z])", lower)
    return m.start() if m else -1


def _candidate(e: Entry, confidence: float) -> dict[str, Any]:
    return {
        "record_id": e.record_id,
        "object_type": e.object_type,
        "display": _display(e),
        "confidence": round(confidence, 2),
    }


def _display(e: Entry) -> str:
    if e.object_type in ("contact", "user") and e.title:
        return f"{e.display}（{e.title}）"
    return e.display


class Resolver:
    def __init__(self, gaz: Gazetteer, principal: Principal) -> None:
        self.gaz = gaz
        self.principal = principal

    def entity(
        self,
        mention: str,
        start: int,
        end: int,
        scored: list[tuple[Entry, float]],
        object_type: str,
    ) -> Entity:
        scored = sorted(scored, key=lambda p: (-p[1], p[0].display))
        best = [p for p in scored if p[1] >= scored[0][1] - 0.05] if scored else []
        if not scored:
            return Entity(mention, object_type, None, None, 0.0, [], start, end)
        if len(best) == 1:
            e, conf = best[0]
            alts = [_candidate(x, c) for x, c in scored[1:4]]
            return Entity(
                mention, e.object_type, e.record_id, _display(e), conf, alts, start, end, entry=e
            )
        # every candidate that fits all the sentence gives is offered (a short list must
        # never leave out the right person), then the next best up to five options
        shown = best[:MAX_OPTIONS] if len(best) > 5 else scored[:5]
        alts = [_candidate(x, c) for x, c in shown]
        return Entity(mention, object_type, None, None, best[0][1] / len(best), alts, start, end)

    def find(self, text: str, lang: str) -> list[Entity]:
        lower = text.lower()
        found: list[Entity] = []
        taken: list[tuple[int, int]] = []

        def free(a: int, b: int) -> bool:
            return all(b <= s or a >= e for s, e in taken)

        def add(entity: Entity) -> None:
            found.append(entity)
            taken.append((entity.start, entity.end))

        # numbers first: tickets and orders
        for m in _TICKET_RE.finditer(text):
            number = int(m.group(1) or m.group(2))
            hits = [
                (e, 1.0)
                for e in self.gaz.of_type("ticket")
                if int(e.extra["number"].split("-")[-1] or 0) == number
            ]
            add(self.entity(m.group(0), m.start(), m.end(), hits, "ticket"))
        for e in self.gaz.of_type("order"):
            pos = text.find(e.display)
            if pos >= 0 and free(pos, pos + len(e.display)):
                add(
                    Entity(
                        e.display,
                        "order",
                        e.record_id,
                        e.display,
                        1.0,
                        [],
                        pos,
                        pos + len(e.display),
                        entry=e,
                    )
                )
        # role phrases: users (and contacts) by title
        role_words = dict(ROLE_WORDS_EN if lang == "en" else ROLE_WORDS_ZH)
        for e in self.gaz.of_type("user"):
            if e.title:
                for part in re.split(r"(?<=[\u4e00-\u9fff])\s+(?=[A-Za-z])", e.title):
                    role_words.setdefault(part.lower() if lang == "en" else part, (part,))
        for phrase in sorted(role_words, key=len, reverse=True):
            pos = _occurs(phrase, text, lower) if len(phrase) >= 2 else -1
            if pos < 0 or not free(pos, pos + len(phrase)):
                continue
            # "…的供应链总监" of an account: a contact; otherwise a colleague
            titles = role_words[phrase]
            hits = [
                (e, 0.95)
                for e in self.gaz.of_type("user")
                if any(t.lower() in e.title.lower() for t in titles)
            ]
            if not hits:
                continue
            add(self.entity(text[pos : pos + len(phrase)], pos, pos + len(phrase), hits, "user"))
        # "my manager" / 我的领导: the manager of the asking user's team
        for m in _MY_MANAGER.finditer(text):
            if not free(m.start(), m.end()):
                continue
            hits = [(self.gaz.by_id[u], 0.9) for u in self.gaz.managers if u in self.gaz.by_id]
            add(self.entity(m.group(0), m.start(), m.end(), hits, "user"))
        # full names of every kind (longest first)
        groups: dict[tuple[int, int], list[tuple[Entry, float]]] = {}
        for name, e, pos in self._name_hits(lower):
            if not free(pos, pos + len(name)):
                continue
            if any(s <= pos < en and (s, en) != (pos, pos + len(name)) for s, en in groups):
                continue
            conf = 1.0 if name == e.names[0] else 0.9
            groups.setdefault((pos, pos + len(name)), []).append((e, conf))
        for (a, b), hits in sorted(groups.items()):
            if not free(a, b):
                continue
            kind = hits[0][0].object_type
            add(self.entity(text[a:b], a, b, _prefer(hits), kind))
        # "嘉禾那个10台V9的单子", "the Jiahe 10-van deal": a deal by its account and features
        for account in [e for e in found if e.object_type == "account" and e.record_id]:
            deal = self._described_deal(text, account)
            if deal is not None:
                found.remove(account)
                taken.remove((account.start, account.end))
                add(deal)
        # "the IT director of Kessler Precision" / "顺达物流的采购经理": a contact by title
        for account in [e for e in found if e.object_type == "account" and e.record_id]:
            for e in self.gaz.of_type("contact"):
                if e.account_id != account.record_id or not e.title:
                    continue
                pos = _occurs(e.title, text, lower)
                if pos >= 0 and free(pos, pos + len(e.title)):
                    add(
                        self.entity(
                            text[pos : pos + len(e.title)],
                            pos,
                            pos + len(e.title),
                            [(e, 0.9)],
                            "contact",
                        )
                    )
        # surname + honorific
        if lang == "zh":
            for m in re.finditer(
                r"([\u4e00-\u9fff])("
                + "|".join(sorted(HONORIFICS_ZH, key=len, reverse=True))
                + ")",
                text,
            ):
                if not free(m.start(), m.end()) or starts_a_word(text, m.group(2), m.end()):
                    continue
                add(
                    self._by_surname(
                        m.group(0),
                        m.start(),
                        m.end(),
                        m.group(1),
                        None,
                        HONORIFICS_ZH[m.group(2)],
                        _named_accounts(found),
                    )
                )
            for m in _NICKNAME.finditer(text):  # 小李, 老王: a colleague first
                if free(m.start(), m.end()) and (nick := self._nickname(m)) is not None:
                    add(nick)
        for m in _LATIN_NAME_RE.finditer(text):
            if not free(m.start(), m.end()):
                continue
            word = m.group(1).lower()
            add(
                self._by_surname(
                    m.group(0),
                    m.start(),
                    m.end(),
                    None,
                    m.group(2).lower(),
                    HONORIFICS_EN[word],
                    _named_accounts(found),
                )
            )
        if lang == "zh":
            for m in UNKNOWN_PERSON_ZH.finditer(text):
                if free(m.start("name"), m.end("name")):
                    name = m.group("name")
                    add(Entity(name, "contact", None, None, 0.0, [], m.start("name"),
                               m.end("name"), role=UNKNOWN_PERSON))  # fmt: skip
        return [
            e
            for e in sorted(found, key=lambda x: x.start)
            if e.record_id or e.alternatives or e.object_type in ("contact", "ticket")
        ]

    def _nickname(self, m: re.Match[str]) -> Entity | None:
        """小李/老王: the colleague of that surname, else a customer of that surname."""
        family = m.group(1)
        hits = [(e, 0.85) for e in self.gaz.of_type("user") if e.display[:1] == family]
        if not hits:
            hits = [(e, 0.6) for e in self.gaz.of_type("contact") if e.family == family]
        if not hits:
            return None
        return self.entity(m.group(0), m.start(), m.end(), hits, hits[0][0].object_type)

    def _described_deal(self, text: str, account: Entity) -> Entity | None:
        deals = self.gaz.of_type("deal")
        found = described_deals(text, account.start, account.end, account.record_id, deals)
        if found is None:
            return None
        start, end, fitting = found
        return self.entity(text[start:end], start, end, [(e, 0.9) for e in fitting], "deal")

    def _name_hits(self, lower: str) -> list[tuple[str, Entry, int]]:
        """(name, entry, first position) of every gazetteer name in the text, longest
        first; Latin names only on word boundaries."""
        seen: set[tuple[str, str]] = set()
        out: list[tuple[str, Entry, int]] = []
        for length in self.gaz.lengths:
            for pos in range(len(lower) - length + 1):
                bucket = self.gaz.index.get(lower[pos : pos + length])
                if bucket is None:
                    continue
                for name, e in bucket:
                    if (name, e.record_id) in seen:
                        continue
                    if not _is_cjk(name[:1]) and (
                        (pos > 0 and lower[pos - 1].isalpha() and lower[pos - 1].isascii())
                        or (
                            pos + length < len(lower)
                            and lower[pos + length].isalpha()
                            and lower[pos + length].isascii()
                        )
                    ):
                        continue
                    seen.add((name, e.record_id))
                    out.append((name, e, pos))
        return out

    def _by_surname(
        self,
        mention: str,
        start: int,
        end: int,
        family: str | None,
        latin: str | None,
        titles: tuple[str, ...],
        accounts: frozenset[str] = frozenset(),
    ) -> Entity:
        """Contacts and colleagues by surname (+ the titles an honorific implies), ranked up
        when they work at a company the same sentence names."""
        hits: list[tuple[Entry, float]] = []
        for e in self.gaz.entries:
            if e.object_type not in ("contact", "user"):
                continue
            fam = e.family if e.object_type == "contact" else e.display[:1]
            fam_latin = (
                e.family_latin if e.object_type == "contact" else (pinyin_of(e.display[:1]),)
            )
            if family is not None and fam != family:
                continue
            if (
                latin is not None
                and latin not in fam_latin
                and not (e.object_type == "user" and e.display.lower().endswith(latin))
            ):
                continue
            score = 0.6
            title = e.title.lower()
            if titles == ("经理",) and ("总经理" in title or "总裁" in title):
                title = ""  # 张经理 is not how one addresses a general manager (张总)
            if titles and any(t.lower() in title for t in titles):
                score = 0.95
            elif titles:
                score = 0.3 if family is not None else 0.5
            if e.object_type == "user":
                score -= 0.1  # customers are named with honorifics far more than colleagues
            if e.account_id is not None and e.account_id in accounts:
                score += SAME_COMPANY_BONUS
            hits.append((e, score))
        if hits:
            top = max(s for _, s in hits)
            hits = [(e, s) for e, s in hits if s >= 0.5 or s == top]
        return self.entity(mention, start, end, hits, "contact")


def _named_accounts(found: list[Entity]) -> frozenset[str]:
    return frozenset(e.record_id for e in found if e.object_type == "account" and e.record_id)


def _prefer(hits: list[tuple[Entry, float]]) -> list[tuple[Entry, float]]:
    """Several records share a name: all stay candidates (an account's short name and a
    deal's name prefix refer to the account)."""
    kinds = {e.object_type for e, _ in hits}
    if "account" in kinds and "deal" in kinds:
        hits = [(e, c) for e, c in hits if e.object_type != "deal"]
    return hits
