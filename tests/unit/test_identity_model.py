"""Identity generator, clustering rules, the online scorer and a small batch link
(issue 24). No database."""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict

import pytest

from kith.identity.clustering import cluster
from kith.identity.generator import generate, generate_at_least
from kith.identity.model import Parameters, Thresholds, features, link
from kith.identity.online import OnlineIndex, score


def test_the_generator_is_deterministic_and_noisy() -> None:
    first = [r.row() for r in generate(300, seed=5)]
    assert first == [r.row() for r in generate(300, seed=5)]
    assert first != [r.row() for r in generate(300, seed=6)]
    assert len({r["person_id"] for r in first}) == 300
    noise = Counter(n for r in first for n in str(r["noise"]).split(",") if n)
    for kind in ("typo", "traditional", "pinyin", "honorific", "case", "shared_device"):
        assert noise[kind] > 0, kind
    assert len(generate_at_least(2_000, seed=5)) >= 2_000


def test_clusters_keep_their_smallest_id_and_refuse_conflicts() -> None:
    evidence = {
        "a": ("jianguo zhang", None),
        "b": (None, None),  # '张先生' on the family landline
        "c": ("li zhang", None),  # his wife
        "d": ("jianguo zhang", "1970-01-02"),
        "e": ("jianguo zhang", "1981-05-05"),
    }
    edges = [(0.99, "a", "b"), (0.98, "b", "c"), (0.97, "a", "d"), (0.96, "d", "e")]
    cluster_of, suspicious, refused = cluster(
        evidence, edges, max_cluster=10, evidence=lambda i: evidence[i]
    )
    assert cluster_of == {"a": "a", "b": "a", "c": "c", "d": "a", "e": "e"}
    assert refused == {("b", "c"), ("d", "e")}
    assert suspicious == []


def test_a_cluster_too_large_is_reported_and_not_formed() -> None:
    ids = [f"r{i:03d}" for i in range(600)]
    edges = [(0.99, ids[0], other) for other in ids[1:]]  # one shared phone, 600 records
    cluster_of, suspicious, _ = cluster(ids, edges, max_cluster=500)
    assert all(cluster_of[i] == i for i in ids)
    assert suspicious == [{"cluster_id": "r000", "size": 600, "sample": ids[:10]}]


PARAMS = Parameters(
    prior=1e-4,
    levels={
        "full_name": [
            ("missing", 1, 1),
            ("exact", 0.8, 1e-4),
            ("same surname, similar given name", 0.05, 1e-3),
            ("same surname, title or initial only", 0.1, 3e-3),
            ("different", 0.05, 0.996),
        ],
        "phone": [
            ("missing", 1, 1),
            ("exact", 0.85, 1e-6),
            ("within 1 edit", 0.05, 1e-6),
            ("different", 0.1, 1.0),
        ],
        "email": [
            ("missing", 1, 1),
            ("exact", 0.9, 1e-6),
            ("within 1 edit", 0.05, 1e-6),
            ("different", 0.05, 1.0),
        ],
        **{
            name: [("missing", 1, 1), ("exact", 0.95, 1e-5), ("different", 0.05, 1.0)]
            for name in ("device_id", "wechat_id", "card_no", "birth_date")
        },
        "city": [("missing", 1, 1), ("exact", 0.99, 0.07), ("different", 0.01, 0.93)],
    },
)


def test_a_score_explains_which_fields_agreed_and_by_how_much() -> None:
    a = features({"name": "張建國", "phone": "+86 139 0000 1234", "email": "JG@Mail.Example"})
    b = features({"name": "Jianguo Zhang", "phone": "13900001234", "city": "上海"})
    explained = score(a, b, PARAMS)
    fields = {c.comparison: (c.level, c.match_weight) for c in explained.contributions}
    assert fields["full_name"][0] == "exact" and fields["phone"][0] == "exact"
    assert fields["email"][0] == "missing" and fields["email"][1] == 0
    assert fields["phone"][1] > fields["full_name"][1] > 0
    assert explained.probability > 0.99
    shown = explained.as_dict()
    assert {f["field"] for f in shown["fields"]} == {"full_name", "phone"}

    stranger = features({"name": "王伟", "phone": "13800005678"})
    assert score(a, stranger, PARAMS).probability < 0.01


def test_online_matching_attaches_proposes_or_leaves() -> None:
    index = OnlineIndex(PARAMS, Thresholds())
    index.add_all(
        [
            (
                "r1",
                {**features({"name": "张建国", "phone": "13900001234"}), "segment": "other"},
                "r1",
            ),
            (
                "r2",
                {**features({"name": "李娜", "email": "lina@qq.com"}), "segment": "other"},
                "r2",
            ),
        ]
    )
    attach = index.match({"name": "Zhang Jianguo", "phone": "+86 139-0000-1234"})
    assert (attach.decision, attach.cluster_id) == ("attach", "r1")
    nobody = index.match({"name": "陈伟", "phone": "13700000000"})
    assert (nobody.decision, nobody.cluster_id, nobody.candidates) == ("leave", None, 0)


def test_a_small_batch_links_most_people_correctly() -> None:
    records = [r.row() for r in generate(400, seed=11)]
    result = link(records)
    truth: dict[str, list[str]] = defaultdict(list)
    for r in records:
        truth[str(r["person_id"])].append(str(r["record_id"]))
    true_pairs = {p for g in truth.values() for p in itertools.combinations(sorted(g), 2)}
    found = {p for g in result.clusters().values() for p in itertools.combinations(sorted(g), 2)}
    precision = len(true_pairs & found) / len(found)
    recall = len(true_pairs & found) / len(true_pairs)
    assert precision > 0.9 and recall > 0.75, (precision, recall)
    assert set(result.cluster_of) == {str(r["record_id"]) for r in records}
    assert all(c == min(g) for c, g in result.clusters().items())


def test_name_frequencies_leave_out_the_holders_own_records() -> None:
    from kith.identity.model import name_frequencies, own_records

    own = own_records(prior=1e-4, records=20_001)  # 3 records of a person, itself included
    assert own == pytest.approx(3.0)
    names = ["zhang jianguo"] * 3 + ["wang wei"] * 40 + [None]
    tf = name_frequencies(names, own)
    # One person's three records: as rare as a name can be, not three people.
    assert tf["zhang jianguo"] == pytest.approx(0.5 / 43)
    assert tf["wang wei"] == pytest.approx(37 / 43)


def test_the_held_out_mix_is_another_data_set() -> None:
    from kith.identity.generator import DEV, HELD_OUT, generate

    dev = generate(300, seed=24)
    assert [r.row() for r in dev] == [r.row() for r in generate(300, seed=24, mix=DEV)]
    held = generate(300, seed=2027, mix=HELD_OUT)
    assert {r.record_id for r in held} & {r.record_id for r in dev}  # ids restart…
    assert [r.name for r in held] != [r.name for r in dev]  # …the people do not
    share = sum("honorific" in r.noise for r in held) / max(
        1, sum(r.source == "call_centre" for r in held)
    )
    assert share > 0.38  # more titles than the development mix's 35%
