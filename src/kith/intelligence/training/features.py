"""Column typing and preprocessing for tabular data from any source.

``infer_columns`` decides, per column, whether it is numeric, categorical or
unusable (an identifier, free text, a constant, almost all missing) and says
why; ``preprocessor`` turns that decision into an sklearn ``ColumnTransformer``
that imputes missing values and encodes categories (unknown categories at
prediction time are tolerated, never an error).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from kith.core.lazy import lazy_module

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    from sklearn.compose import ColumnTransformer
else:
    np = lazy_module("numpy")
    pd = lazy_module("pandas")

MAX_CATEGORIES = 50  # more distinct text values than this (and mostly unique) is free text
NUMERIC_SHARE = 0.95  # a column is numeric when this share of its values parse as numbers
MAX_MISSING = 0.95

Encoding = Literal["onehot", "ordinal"]


MISSING = "(missing)"


@dataclass(frozen=True)
class ColumnPlan:
    """Which columns are features, and how many training rows back each value.

    ``support`` counts, per feature, the training rows that were missing
    (``MISSING``) and, for categories, the rows of each category: an explanation
    factor from a value few rows share is flagged. ``indicators`` are the numeric
    columns that get a missing-value indicator (enough missing rows to learn one);
    ``None`` (plans stored before it existed) means every numeric column.
    """

    numeric: list[str]
    categorical: list[str]
    dropped: dict[str, str] = field(default_factory=dict)
    support: dict[str, dict[str, int]] = field(default_factory=dict)
    indicators: list[str] | None = None

    @property
    def features(self) -> list[str]:
        return [*self.numeric, *self.categorical]

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "numeric": self.numeric,
            "categorical": self.categorical,
            "dropped": self.dropped,
            "support": self.support,
        }
        if self.indicators is not None:
            out["indicators"] = self.indicators
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ColumnPlan:
        indicators = data.get("indicators")
        return cls(
            list(data["numeric"]),
            list(data["categorical"]),
            dict(data.get("dropped", {})),
            {k: dict(v) for k, v in data.get("support", {}).items()},
            None if indicators is None else list(indicators),
        )

    def support_of(self, name: str, value: Any) -> int | None:
        """Training rows behind a factor's value: missing, or the category's rows.

        None for a present number (its coefficient is learnt from every row)."""
        counts = self.support.get(name)
        if counts is None:
            return None
        if value is None or (isinstance(value, float) and value != value):
            return int(counts.get(MISSING, 0))
        if name in self.numeric:
            return None
        return int(counts.get(str(value), 0))


def _as_number(series: pd.Series) -> pd.Series | None:
    if pd.api.types.is_bool_dtype(series):
        return series.astype(float)
    if pd.api.types.is_numeric_dtype(series):
        return series.astype(float)
    present = series.dropna()
    if present.empty:
        return None
    parsed = pd.to_numeric(present.astype(str).str.replace(",", "", regex=False), errors="coerce")
    if parsed.notna().mean() < NUMERIC_SHARE:
        return None
    return pd.to_numeric(series.astype(str).str.replace(",", "", regex=False), errors="coerce")


def infer_columns(frame: pd.DataFrame, exclude: set[str], min_support: int = 0) -> ColumnPlan:
    """Column roles; numeric columns get a missing indicator only with ``min_support``
    missing rows (an indicator learnt from 9 rows dominates explanations)."""
    numeric: list[str] = []
    categorical: list[str] = []
    dropped: dict[str, str] = {}
    rows = max(len(frame), 1)
    for name in frame.columns:
        if name in exclude:
            continue
        series = frame[name]
        missing = float(series.isna().mean())
        if missing > MAX_MISSING:
            dropped[name] = f"{missing:.0%} missing"
            continue
        if series.nunique(dropna=True) <= 1:
            dropped[name] = "constant"
            continue
        if _as_number(series) is not None:
            numeric.append(name)
            continue
        distinct = series.nunique(dropna=True)
        if distinct > MAX_CATEGORIES and distinct / rows > 0.5:
            dropped[name] = "identifier or free text (mostly unique values)"
            continue
        categorical.append(name)
    support: dict[str, dict[str, int]] = {}
    for name in numeric:
        missing = int(frame[name].isna().sum())
        if missing:
            support[name] = {MISSING: missing}
    for name in categorical:
        column = frame[name]
        counts = column.dropna().astype(str).value_counts().head(MAX_CATEGORIES)
        support[name] = {str(k): int(v) for k, v in counts.items()}
        missing = int(column.isna().sum())
        if missing:
            support[name][MISSING] = missing
    indicators = [n for n in numeric if support.get(n, {}).get(MISSING, 0) >= min_support]
    return ColumnPlan(numeric, categorical, dropped, support, indicators)


def prepare(frame: pd.DataFrame, plan: ColumnPlan) -> pd.DataFrame:
    """The feature columns with numbers as floats and categories as strings (NaN kept)."""
    out = pd.DataFrame(index=frame.index)
    for name in plan.numeric:
        if name in frame.columns:
            number = _as_number(frame[name])
            out[name] = number if number is not None else np.nan
        else:
            out[name] = np.nan
    for name in plan.categorical:
        if name in frame.columns:
            column = frame[name]
            out[name] = column.where(column.isna(), column.astype(str)).astype(object)
        else:
            out[name] = np.nan
    return out


def preprocessor(plan: ColumnPlan, encoding: Encoding) -> ColumnTransformer:
    """Impute and encode. ``onehot`` for linear models, ``ordinal`` for trees."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

    parts: list[tuple[str, Any, list[str]]] = []
    for name in plan.numeric:
        if encoding == "onehot":
            indicator = plan.indicators is None or name in plan.indicators
            steps = Pipeline(
                [
                    ("impute", SimpleImputer(strategy="median", add_indicator=indicator)),
                    ("scale", StandardScaler()),
                ]
            )
        else:
            steps = "passthrough"  # LightGBM handles missing numbers natively
        parts.append((f"num:{name}", steps, [name]))
    for name in plan.categorical:
        if encoding == "onehot":
            encoder: Any = Pipeline(
                [
                    ("impute", SimpleImputer(strategy="constant", fill_value=MISSING)),
                    (
                        "encode",
                        OneHotEncoder(
                            handle_unknown="infrequent_if_exist",
                            min_frequency=5,
                            max_categories=MAX_CATEGORIES,
                            sparse_output=False,
                        ),
                    ),
                ]
            )
        else:
            encoder = OrdinalEncoder(
                handle_unknown="use_encoded_value",
                unknown_value=-1,
                encoded_missing_value=-1,
                dtype=np.float64,
            )
        parts.append((f"cat:{name}", encoder, [name]))
    return ColumnTransformer(parts, remainder="drop", verbose_feature_names_out=True)


def source_columns(transformer: ColumnTransformer) -> list[str]:
    """For each output column of a fitted transformer, the input column it came from."""
    out: list[str] = []
    for name in transformer.get_feature_names_out():
        prefix = str(name).split("__", 1)[0]
        out.append(prefix.split(":", 1)[1])
    return out


def frame_hash(frame: pd.DataFrame) -> str:
    """A stable fingerprint of the training data (column names, order and values)."""
    digest = hashlib.sha256()
    digest.update("\x1f".join(map(str, frame.columns)).encode())
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()
