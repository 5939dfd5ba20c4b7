"""Clusters from scored links: strongest first, refusing a link that would join two
different full names or birth dates, never forming a cluster above a size limit."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from typing import Any


def jaro_winkler(a: str, b: str) -> float:
    import jellyfish

    return float(jellyfish.jaro_winkler_similarity(a, b))


def evidence_of(
    rows: Mapping[str, tuple[Any, Any]],
) -> Callable[[str], tuple[str | None, str | None]]:
    def of(uid: str) -> tuple[str | None, str | None]:
        key, birth = rows[uid]
        return (None if is_missing(key) else str(key), None if is_missing(birth) else str(birth))

    return of


def is_missing(value: Any) -> bool:
    return (
        value is None
        or (isinstance(value, float) and math.isnan(value))
        or str(value)
        in (
            "",
            "<NA>",
        )
    )


def names_compatible(a: set[str], b: set[str]) -> bool:
    """Some full name of one side is the same or close (same surname, given names
    Jaro–Winkler ≥ 0.88) to one of the other side's."""
    for x in a:
        for y in b:
            if x == y:
                return True
            xs, ys = x.split(" "), y.split(" ")
            if set(xs) & set(ys) and jaro_winkler(x, y) >= 0.88:
                return True
    return False


def cluster(
    ids: Iterable[str],
    edges: Iterable[tuple[float, str, str]],
    max_cluster: int,
    evidence: Callable[[str], tuple[str | None, str | None]] | None = None,
) -> tuple[dict[str, str], list[dict[str, Any]], set[tuple[str, str]]]:
    """Clusters from the links, strongest first; a cluster's id is its smallest record
    id. A link that would put two different full names or two birth dates in one
    cluster is refused (returned, for review): a shared family phone joined through
    a '王先生' record does not make husband and wife one person. Clusters above
    ``max_cluster`` records are not formed (every record stays alone) and listed."""
    parent: dict[str, str] = {i: i for i in ids}
    names: dict[str, set[str]] = {}
    births: dict[str, set[str]] = {}
    for i in parent:
        name, birth = evidence(i) if evidence else (None, None)
        names[i] = {name} if name else set()
        births[i] = {birth} if birth else set()
    refused: set[tuple[str, str]] = set()

    def root(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for _, a, b in sorted(edges, key=lambda e: (-e[0], e[1], e[2])):
        ra, rb = root(a), root(b)
        if ra == rb:
            continue
        if (births[ra] and births[rb] and not births[ra] & births[rb]) or (
            names[ra] and names[rb] and not names_compatible(names[ra], names[rb])
        ):
            refused.add((a, b))
            continue
        if rb < ra:
            ra, rb = rb, ra
        parent[rb] = ra
        names[ra] |= names.pop(rb)
        births[ra] |= births.pop(rb)
    members: dict[str, list[str]] = defaultdict(list)
    for i in parent:
        members[root(i)].append(i)
    cluster_of: dict[str, str] = {}
    suspicious = []
    for head, group in members.items():
        if len(group) > max_cluster:
            suspicious.append(
                {"cluster_id": head, "size": len(group), "sample": sorted(group)[:10]}
            )
            for i in group:
                cluster_of[i] = i
        else:
            for i in group:
                cluster_of[i] = head
    return cluster_of, suspicious, refused
