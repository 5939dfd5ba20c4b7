"""Probabilistic record linkage: Fellegi–Sunter with Splink on DuckDB.

Records are reduced to features (``features``: the normal forms of
``kith.identity.normalise``), blocked by the keys in ``BLOCKING`` (only pairs that
share one of them are compared), compared field by field in ``COMPARISONS`` (each
level an SQL condition for Splink and the same test in Python for the online path),
and scored with m/u probabilities that Splink estimates from the data itself: u by
random sampling, m by expectation maximisation, with term-frequency adjustment on
names, phones and devices (a shared 王伟 or a family tablet says less than a rare
name). The score of a pair is explained by the Bayes factor of each field's level
(``Explanation``).

``link`` runs a batch: train, predict, then cluster with per-segment thresholds
(``Thresholds``) into clusters whose id is their smallest record id. Clusters larger
than ``max_cluster`` are not formed: they are reported as suspicious and their
records left apart, so bad input never merges silently.

Heavy libraries (splink, duckdb, pandas) are imported inside functions.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kith.identity.clustering import cluster, evidence_of, jaro_winkler
from kith.identity.normalise import (
    normalise_email,
    normalise_name,
    normalise_phone,
    to_simplified,
)

FEATURES = (
    "name_key",
    "surname",
    "given",
    "initial",
    "name_partial",
    "phone",
    "email",
    "device_id",
    "wechat_id",
    "card_no",
    "city",
    "birth_date",
)


def features(record: Mapping[str, Any], region: str = "CN") -> dict[str, Any]:
    """The comparable form of one identity record (raw channel fields in, features out)."""
    name = normalise_name(record.get("name"))

    def text(key: str) -> str | None:
        value = record.get(key)
        value = str(value).strip() if value is not None else ""
        return value or None

    city = text("city")
    return {
        "name_key": name.key or None,
        "surname": name.surname or None,
        "given": name.given or None,
        "initial": name.initial or None,
        "name_partial": 1 if name.partial else 0,
        "phone": normalise_phone(text("phone"), record.get("region") or region),
        "email": normalise_email(text("email")),
        "device_id": text("device_id"),
        "wechat_id": text("wechat_id"),
        "card_no": (text("card_no") or "").upper() or None,
        "city": to_simplified(city) if city else None,
        "birth_date": text("birth_date"),
    }


# --- comparisons ---------------------------------------------------------------------


@dataclass(frozen=True)
class Level:
    label: str
    sql: str
    test: Callable[[Mapping[str, Any], Mapping[str, Any]], bool]
    tf_column: str | None = None
    is_null: bool = False


@dataclass(frozen=True)
class Comparison:
    name: str
    levels: tuple[Level, ...]  # first that holds wins; the last is "else"


def _dl(a: str, b: str) -> int:
    import jellyfish

    return int(jellyfish.damerau_levenshtein_distance(a, b))


def _null(*columns: str) -> Level:
    sql = " OR ".join(f'"{c}_l" IS NULL OR "{c}_r" IS NULL' for c in columns)
    return Level(
        "missing",
        sql,
        lambda a, b: any(a.get(c) is None or b.get(c) is None for c in columns),
        is_null=True,
    )


def _exact(column: str, tf: bool = False) -> Level:
    return Level(
        "exact",
        f'"{column}_l" = "{column}_r"',
        lambda a, b: a[column] == b[column],
        tf_column=column if tf else None,
    )


def _else() -> Level:
    return Level("different", "ELSE", lambda a, b: True)


def _within(column: str, distance: int) -> Level:
    return Level(
        f"within {distance} edit{'s' if distance > 1 else ''}",
        f'damerau_levenshtein("{column}_l", "{column}_r") <= {distance}',
        lambda a, b: _dl(a[column], b[column]) <= distance,
    )


def _identifier(column: str, tf: bool = False) -> Comparison:
    return Comparison(column, (_null(column), _exact(column, tf), _else()))


COMPARISONS: tuple[Comparison, ...] = (
    Comparison(
        "full_name",
        (
            _null("name_key"),
            _exact("name_key", tf=True),
            Level(
                "same surname, similar given name",
                '"surname_l" = "surname_r" AND "name_partial_l" = 0 AND "name_partial_r" = 0'
                ' AND jaro_winkler_similarity("given_l", "given_r") >= 0.88',
                lambda a, b: (
                    a["surname"] == b["surname"]
                    and not a["name_partial"]
                    and not b["name_partial"]
                    and jaro_winkler(a["given"] or "", b["given"] or "") >= 0.88
                ),
            ),
            Level(
                "same surname, title or initial only",
                '"surname_l" = "surname_r" AND ("name_partial_l" = 1 OR "name_partial_r" = 1)'
                ' AND ("initial_l" IS NULL OR "initial_r" IS NULL OR "initial_l" = "initial_r")',
                lambda a, b: (
                    a["surname"] == b["surname"]
                    and bool(a["name_partial"] or b["name_partial"])
                    and (
                        a["initial"] is None or b["initial"] is None or a["initial"] == b["initial"]
                    )
                ),
            ),
            _else(),
        ),
    ),
    Comparison("phone", (_null("phone"), _exact("phone"), _within("phone", 1), _else())),
    Comparison("email", (_null("email"), _exact("email"), _within("email", 1), _else())),
    _identifier("device_id"),
    _identifier("wechat_id"),
    _identifier("card_no"),
    _identifier("birth_date"),
    _identifier("city", tf=True),
)

# Only pairs sharing one of these keys are compared (and the online index is keyed
# on them). A name alone blocks only with the birth date or city: a bare 王伟 is
# thousands of pairs in a million.
BLOCKING: tuple[tuple[str, ...], ...] = (
    ("phone",),
    ("email",),
    ("device_id",),
    ("wechat_id",),
    ("card_no",),
    ("name_key", "birth_date"),
    ("name_key", "city"),
    ("name_key", "device_id"),
    ("surname", "given"),
)


def _splink_settings() -> Any:
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    comparisons = []
    for comparison in COMPARISONS:
        levels: list[dict[str, Any]] = []
        for level in comparison.levels:
            entry: dict[str, Any] = {"sql_condition": level.sql, "label_for_charts": level.label}
            if level.is_null:
                entry["is_null_level"] = True
            if level.tf_column:
                entry["tf_adjustment_column"] = level.tf_column
                entry["tf_adjustment_weight"] = 1.0
            levels.append(entry)
        comparisons.append(
            cl.CustomComparison(output_column_name=comparison.name, comparison_levels=levels)
        )
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        blocking_rules_to_generate_predictions=[block_on(*keys) for keys in BLOCKING],
        comparisons=comparisons,
        retain_intermediate_calculation_columns=True,
        retain_matching_columns=False,
        additional_columns_to_retain=["segment"],
    )


# --- thresholds and the model --------------------------------------------------------


@dataclass(frozen=True)
class Thresholds:
    """Match probability to auto-link per segment; between ``review_floor`` and the
    segment's threshold a pair is proposed for review; below, left alone."""

    by_segment: Mapping[str, float] = field(
        default_factory=lambda: {"high_value": 0.92, "other": 0.78}
    )
    default: float = 0.78
    review_floor: float = 0.5

    def auto(self, segment: str | None) -> float:
        return self.by_segment.get(segment or "", self.default)

    def pair(self, segment_l: str | None, segment_r: str | None) -> float:
        """A pair involving a high-value record needs the stricter threshold."""
        return max(self.auto(segment_l), self.auto(segment_r))


@dataclass
class Parameters:
    """The trained model: λ (prior) and, per comparison, each level's m and u."""

    prior: float
    levels: dict[str, list[tuple[str, float, float]]]  # comparison → [(label, m, u)]

    @classmethod
    def from_splink(cls, model: Mapping[str, Any]) -> Parameters:
        levels: dict[str, list[tuple[str, float, float]]] = {}
        for comparison in model["comparisons"]:
            rows = []
            for level in comparison["comparison_levels"]:
                if level.get("is_null_level"):
                    rows.append((level.get("label_for_charts", "missing"), 1.0, 1.0))
                    continue
                rows.append(
                    (
                        level.get("label_for_charts", ""),
                        float(level.get("m_probability") or 1e-6),
                        float(level.get("u_probability") or 1e-6),
                    )
                )
            levels[comparison["output_column_name"]] = rows
        return cls(prior=float(model["probability_two_random_records_match"]), levels=levels)


@dataclass(frozen=True)
class Contribution:
    comparison: str
    level: str
    match_weight: float  # log2 of the Bayes factor: how much this field moved the odds

    def as_dict(self) -> dict[str, Any]:
        return {
            "field": self.comparison,
            "level": self.level,
            "match_weight": round(self.match_weight, 3),
        }


@dataclass(frozen=True)
class Explanation:
    probability: float
    match_weight: float
    prior_weight: float
    contributions: tuple[Contribution, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "match_probability": round(self.probability, 6),
            "match_weight": round(self.match_weight, 3),
            "prior_weight": round(self.prior_weight, 3),
            "fields": [c.as_dict() for c in self.contributions if c.level != "missing"],
        }


def probability(weight: float) -> float:
    return 1.0 / (1.0 + 2.0 ** (-weight)) if weight > -1000 else 0.0


@dataclass
class LinkResult:
    """A batch run: clusters (record id → cluster id), scored pairs, what was held back."""

    cluster_of: dict[str, str]
    pairs: list[dict[str, Any]]  # unique_id_l, unique_id_r, match_probability, decision, …
    parameters: Parameters
    suspicious: list[dict[str, Any]]
    timings: dict[str, float]

    def clusters(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = defaultdict(list)
        for record, cluster_id in self.cluster_of.items():
            out[cluster_id].append(record)
        return out


def records_frame(records: Sequence[Mapping[str, Any]], region: str) -> Any:
    import pandas as pd

    rows = []
    for record in records:
        row = features(record, region)
        row["unique_id"] = str(record["record_id"])
        row["segment"] = record.get("segment") or "other"
        rows.append(row)
    frame = pd.DataFrame(rows, columns=["unique_id", *FEATURES, "segment"])
    for column in frame.columns:
        if column != "name_partial":
            frame[column] = frame[column].astype("string")
    frame["name_partial"] = frame["name_partial"].astype("int64")
    return frame


def duckdb_api() -> Any:
    """Splink's DuckDB backend on a private in-memory database, quiet (no progress
    bars on stdout: ``--json`` output stays JSON), Splink's warnings at ERROR."""
    import logging

    import duckdb
    from splink import DuckDBAPI

    connection = duckdb.connect()
    connection.execute("SET enable_progress_bar = false")
    logging.getLogger("splink").setLevel(logging.ERROR)
    return DuckDBAPI(connection=connection)


def train(frame: Any, *, seed: int = 24) -> tuple[Any, Parameters]:
    """A Splink linker with m/u estimated from ``frame`` (u by sampling, m by EM)."""
    import logging

    from splink import Linker, block_on

    linker = Linker(duckdb_api().register(frame), _splink_settings(), log_level=logging.ERROR)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("phone"), block_on("email"), block_on("wechat_id")], recall=0.6
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=U_SAMPLE_PAIRS, seed=seed)
    linker = _em(linker, frame)
    # Random pairs include true matches: with 2–3 records per person and tens of
    # thousands of records, a shared phone among random pairs is mostly the same
    # person, and u comes out thousands of times too high. Take the matches out
    # (u_obs = λ·m + (1 − λ)·u), then estimate m again with the corrected u.
    floors = {
        c.name: 1.0 / max(1, int(frame[column].nunique()))
        for c in COMPARISONS
        if c.name in ATTRIBUTES and (column := _exact_column(c))
    }
    model = correct_u(linker.misc.save_model_to_json(), floors)
    linker = _em(_linker_from(model, frame), frame)
    return linker, Parameters.from_splink(linker.misc.save_model_to_json())


def _linker_from(model: dict[str, Any], frame: Any) -> Any:
    import logging

    from splink import Linker

    # The saved model drops these output settings.
    model["retain_intermediate_calculation_columns"] = True
    model["additional_columns_to_retain"] = ["segment"]
    return Linker(duckdb_api().register(frame), model, log_level=logging.ERROR)


U_SAMPLE_PAIRS = 2e6
# Shared by many people (birth dates, cities), unlike identifiers (a phone, a card):
# their exact level's u is at least 1 / (distinct values).
ATTRIBUTES = frozenset({"birth_date", "city"})
U_FLOOR = 1e-6  # below what sampling can see; a level's u is never taken as smaller


def _em(linker: Any, frame: Any) -> Any:
    from splink import block_on

    # EM twice, each blocked on one field so that the others are estimated.
    for rule in (block_on("phone"), block_on("name_key")):
        before = linker.misc.save_model_to_json()
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, estimate_without_term_frequencies=True
            )
        except ValueError:
            # Too few pairs under this rule (a small file): EM drove a level's m to 0
            # and left the linker without the blocked comparison. Start again from
            # the estimates before it; the other rule's, or the defaults, stand.
            linker = _linker_from(before, frame)
    return linker


def _exact_column(comparison: Comparison) -> str | None:
    for level in comparison.levels:
        if level.label == "exact":
            return level.sql.split('"')[1].removesuffix("_l")
    return None


def correct_u(model: dict[str, Any], exact_floors: Mapping[str, float]) -> dict[str, Any]:
    """``model`` (Splink's JSON) with each level's u freed of the true matches that
    random sampling drew: u = (u_obs − λ·m) / (1 − λ), renormalised per comparison.
    An attribute's (``ATTRIBUTES``) exact level's u is never below 1 / (distinct
    values) — what two random records share if values were spread evenly; other
    levels' never below ``U_FLOOR``."""
    prior = float(model["probability_two_random_records_match"])
    for comparison in model["comparisons"]:
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        for level in levels:
            m = float(level.get("m_probability") or 0.0)
            u = float(level.get("u_probability") or U_FLOOR)
            floor = U_FLOOR
            if level.get("label_for_charts") == "exact":
                floor = exact_floors.get(comparison["output_column_name"], U_FLOOR)
            level["u_probability"] = max((u - prior * m) / (1 - prior), floor)
            level["m_probability"] = max(m, U_FLOOR)  # a level never seen among matches
        total = sum(level["u_probability"] for level in levels)
        for level in levels:
            level["u_probability"] /= total
    return model


# Records of one person repeat its name: a name held by one person who left three
# records appears three times, and plain term frequency takes that for three people
# sharing it (u too high, a true match penalised). The holder's own records are taken
# out of the count: a record has, itself included, 1 + λ·(N − 1) records of its person
# on average (λ the model's probability that two random records match), the
# size-biased mean that a name's count also sees. At least ``MIN_COUNT`` is kept.
MIN_COUNT = 0.5


def own_records(prior: float, records: int) -> float:
    return 1.0 + prior * max(0, records - 1)


def name_frequencies(names: Sequence[Any], own: float) -> dict[str, float]:
    """Term frequency of each name key without its holder's own repeats."""
    from collections import Counter

    present = [str(n) for n in names if isinstance(n, str) and n]
    counts = Counter(present)
    total = max(1, len(present))
    return {name: max(n - own, MIN_COUNT) / total for name, n in counts.items()}


def frequencies(rows: Sequence[Mapping[str, Any]], prior: float) -> dict[str, dict[str, float]]:
    """The term frequencies the model scores with (feature rows in): names without
    their holder's own repeats (``name_frequencies``), cities as they are."""
    from collections import Counter

    cities = Counter(str(r["city"]) for r in rows if r.get("city") is not None)
    return {
        "name_key": name_frequencies(
            [r.get("name_key") for r in rows], own_records(prior, len(rows))
        ),
        "city": {city: n / max(1, len(rows)) for city, n in cities.items()},
    }


def register_name_frequencies(linker: Any, frame: Any, prior: float) -> None:
    import pandas as pd

    own = own_records(prior, len(frame))
    table = pd.DataFrame(
        [
            {"name_key": name, "tf_name_key": tf}
            for name, tf in name_frequencies(frame["name_key"].dropna().tolist(), own).items()
        ],
        columns=["name_key", "tf_name_key"],
    )
    table["name_key"] = table["name_key"].astype("string")
    registered = linker._db_api.register(table)
    linker.table_management.register_term_frequency_lookup(registered, "name_key")


TRAIN_SAMPLE = 100_000  # records m and u are estimated on; larger files are only scored


def link(
    records: Sequence[Mapping[str, Any]],
    *,
    thresholds: Thresholds | None = None,
    region: str = "CN",
    max_cluster: int = 50,
    seed: int = 24,
) -> LinkResult:
    """Train on ``records`` and cluster them (see the module doc)."""
    import time

    thresholds = thresholds or Thresholds()
    started, cpu = time.perf_counter(), time.process_time()
    frame = records_frame(records, region)
    prepared = time.perf_counter()
    # m and u are estimated on a sample (a fixed cost); every record is scored. λ is per
    # pair, so a random sample of records keeps it (matching and all pairs both scale
    # with the square of the fraction).
    sample = (
        frame if len(frame) <= TRAIN_SAMPLE else frame.sample(n=TRAIN_SAMPLE, random_state=seed)
    )
    linker, params = train(sample, seed=seed)
    if sample is not frame:
        linker = _linker_from(linker.misc.save_model_to_json(), frame)
    trained = time.perf_counter()
    register_name_frequencies(linker, frame, params.prior)
    predictions = linker.inference.predict(
        threshold_match_probability=thresholds.review_floor
    ).as_pandas_dataframe()
    predicted = time.perf_counter()
    segment_of = dict(zip(frame["unique_id"], frame["segment"], strict=True))
    pairs = []
    edges = []
    for row in predictions.to_dict("records"):
        left, right = str(row["unique_id_l"]), str(row["unique_id_r"])
        p = float(row["match_probability"])
        cut = thresholds.pair(segment_of.get(left), segment_of.get(right))
        decision = "link" if p >= cut else "review"
        if decision == "link":
            edges.append((p, left, right))
        pairs.append(
            {
                "unique_id_l": left,
                "unique_id_r": right,
                "match_probability": p,
                "threshold": cut,
                "decision": decision,
                "row": row,
            }
        )
    evidence = {
        str(uid): (key if not partial else None, birth)
        for uid, key, partial, birth in zip(
            frame["unique_id"],
            frame["name_key"],
            frame["name_partial"],
            frame["birth_date"],
            strict=True,
        )
    }
    cluster_of, suspicious, refused = cluster(
        frame["unique_id"].tolist(), edges, max_cluster, evidence_of(evidence)
    )
    for pair in pairs:
        if (pair["unique_id_l"], pair["unique_id_r"]) in refused:
            pair["decision"] = "review"
    done = time.perf_counter()
    return LinkResult(
        cluster_of=cluster_of,
        pairs=pairs,
        parameters=params,
        suspicious=suspicious,
        timings={
            "features_s": prepared - started,
            "train_s": trained - prepared,
            "predict_s": predicted - trained,
            "cluster_s": done - predicted,
            "total_s": done - started,
            "cpu_total_s": time.process_time() - cpu,
        },
    )
