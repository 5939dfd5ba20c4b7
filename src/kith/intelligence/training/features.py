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


@dataclass(frozen=True)
class ColumnPlan:
    numeric: list[str]
    categorical: list[str]
    dropped: dict[str, str] = field(default_factory=dict)

    @property
    def features(self) -> list[str]:
        return [*self.numeric, *self.categorical]

    def as_dict(self) -> dict[str, Any]:
        return {"numeric": self.numeric, "categorical": self.categorical, "dropped": self.dropped}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ColumnPlan:
        return cls(list(data["numeric"]), list(data["categorical"]), dict(data.get("dropped", {})))


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


def infer_columns(frame: pd.DataFrame, exclude: set[str]) -> ColumnPlan:
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
    return ColumnPlan(numeric, categorical, dropped)


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
            steps = Pipeline(
                [
                    ("impute", SimpleImputer(strategy="median", add_indicator=True)),
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
                    ("impute", SimpleImputer(strategy="constant", fill_value="(missing)")),
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
