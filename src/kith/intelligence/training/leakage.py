"""Leakage checks run before a classifier is trained.

A column "leaks" when it carries the outcome itself rather than what was known
before it: a value filled in only once a deal closed, a date after the label's
date, an identifier numbered by outcome. A model trained on it looks perfect in
cross-validation and is useless on the records it will score. Checks, each on
the same folds as the training:

- ``single_feature``: the column alone predicts the target with out-of-fold AUC
  at least ``AUC_LEAK`` (0.98). Its "model" is a per-bin target rate (deciles
  of a number, or the category) learnt on the other folds, so a value that is
  0 for every lost deal is caught whatever the won deals' values are. Real
  predictive features of CRM outcomes stay far below: the strongest single
  column of the IBM Telco churn table (Contract) reaches 0.75.
- ``missing_matches_label``: whether the column is empty ranks the outcome with
  AUC ≥ ``AUC_LEAK`` (a field filled in only after the outcome).
- ``after_label_date``: with a label date column, a date column later than it
  in more than ``AFTER_SHARE`` of the rows (recorded after the outcome).
- ``identifier_encodes_label``: an identifier-like column (a name such as
  ``id``/``number``/``编号``, or almost every value distinct) whose value, or
  its letters once digits are removed (``W-0012`` → ``W-#``), predicts the
  target with AUC ≥ ``AUC_LEAK``.
- ``near_duplicates``: rows equal after rounding numbers to 3 significant
  digits and normalising text that fall in different folds (more than
  ``DUPLICATE_SHARE``): cross-validation then grades the model on rows it has
  seen. Checked only when some numeric column is distinctive (most values
  distinct); otherwise equal rows are ordinary look-alikes. A warning: it
  never blocks training.

A finding on a column the model uses blocks training until the user drops the
column (``--drop COL``) or confirms it (``--allow-leaky COL``); findings on
columns the model does not use are reported but do not block. Every finding
has a zh and an en message from ``MESSAGES``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

AUC_LEAK = 0.98
AFTER_SHARE = 0.02
DUPLICATE_SHARE = 0.05
DISTINCTIVE = 0.5  # a numeric column with more distinct values than this share of rows
BINS = 10
_ID_NAME = re.compile(r"(^|[_\s-])(id|uuid|key|no|number|code|ref)$|编号|单号|^id$", re.IGNORECASE)

# check -> (zh, en) message templates; fields: column, auc, threshold, share, count, label_date
MESSAGES: dict[str, tuple[str, str]] = {
    "single_feature": (
        "列「{column}」单独就能预测目标（交叉验证 AUC {auc}，阈值 {threshold}）："
        "它很可能是在结果之后才记录的。",
        "Column {column!r} alone predicts the target (out-of-fold AUC {auc}, threshold "
        "{threshold}): it is probably recorded after the outcome.",
    ),
    "missing_matches_label": (
        "列「{column}」是否为空几乎与目标一致（AUC {auc}）：它很可能只在结果之后才填写。",
        "Whether column {column!r} is empty matches the target almost exactly (AUC {auc}): "
        "it is probably filled in only after the outcome.",
    ),
    "after_label_date": (
        "列「{column}」在 {share} 的行中晚于标签日期「{label_date}」：它是在结果之后记录的。",
        "Column {column!r} is later than the label date {label_date!r} in {share} of the rows: "
        "it was recorded after the outcome.",
    ),
    "identifier_encodes_label": (
        "标识列「{column}」编码了目标（AUC {auc}）：编号是按结果分配的。",
        "Identifier-like column {column!r} encodes the target (AUC {auc}): its values were "
        "assigned by outcome.",
    ),
    "near_duplicates": (
        "{count} 行（{share}）在另一折中有几乎相同的行：交叉验证会高估模型。",
        "{count} rows ({share}) have a near-duplicate in another fold: cross-validation "
        "overstates the model.",
    ),
    "unused": (
        "（模型不使用此列，不阻止训练。）",
        "(The model does not use this column; training is not blocked.)",
    ),
    "blocked": (
        "疑似数据泄漏：{columns}。用 --drop 列名 删除该列，或用 --allow-leaky 列名 确认保留。",
        "Suspected leakage in {columns}. Drop the column with --drop COL, or confirm it "
        "with --allow-leaky COL.",
    ),
}


def message(key: str, **fields: Any) -> dict[str, str]:
    zh, en = MESSAGES[key]
    return {"zh": zh.format(**fields), "en": en.format(**fields)}


@dataclass
class Finding:
    check: str
    column: str | None
    value: float
    used: bool  # the model would train on the column
    fields: dict[str, Any] = field(default_factory=dict)
    allowed: bool = False

    @property
    def blocking(self) -> bool:
        return self.used and self.column is not None and not self.allowed

    def message(self) -> dict[str, str]:
        text = message(self.check, column=self.column, **self.fields)
        if not self.used and self.column is not None:
            unused = message("unused")
            text = {k: f"{v} {unused[k]}" for k, v in text.items()}
        return text

    def as_dict(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "column": self.column,
            "value": self.value,
            "used_by_model": self.used,
            "allowed": self.allowed,
            "blocking": self.blocking,
            "message": self.message(),
        }


def _auc(y: np.ndarray, score: np.ndarray) -> float:
    import numpy as np
    from sklearn.metrics import roc_auc_score

    if len(np.unique(score)) < 2:
        return 0.5
    return float(roc_auc_score(y, score))


def _bins(values: pd.Series, train: np.ndarray) -> np.ndarray:
    """Decile bin of each value from the training rows' quantiles; -1 for missing."""
    import numpy as np

    v = values.to_numpy(dtype=np.float64)
    known = v[train][~np.isnan(v[train])]
    if len(known) == 0:
        return np.full(len(v), -1)
    edges = np.unique(np.quantile(known, np.linspace(0, 1, BINS + 1)[1:-1]))
    # a bin of its own for values equal to an edge (a mass of zeros, say)
    codes = 2 * np.searchsorted(edges, v, side="left") + np.isin(v, edges)
    return np.where(np.isnan(v), -1, codes)


def oof_single_auc(codes: np.ndarray, y: np.ndarray, folds: Sequence[np.ndarray]) -> float:
    """Out-of-fold AUC of the target rate per code (learnt on the other folds)."""
    import numpy as np
    import pandas as pd

    predictions = np.zeros(len(y))
    for test in folds:
        train = np.ones(len(y), dtype=bool)
        train[test] = False
        prior = float(y[train].mean())
        stats = (
            pd.DataFrame({"c": codes[train], "y": y[train]}).groupby("c")["y"].agg(["sum", "count"])
        )
        rate = (stats["sum"] + prior) / (stats["count"] + 1.0)  # one pseudo-row at the prior
        predictions[test] = pd.Series(codes[test]).map(rate).fillna(prior).to_numpy()
    return _auc(y, predictions)


def _numeric(series: pd.Series) -> pd.Series | None:
    import pandas as pd

    if pd.api.types.is_bool_dtype(series) or pd.api.types.is_numeric_dtype(series):
        return series.astype(float)
    present = series.dropna()
    if present.empty:
        return None
    parsed = pd.to_numeric(present.astype(str).str.replace(",", "", regex=False), errors="coerce")
    if parsed.notna().mean() < 0.95:
        return None
    return pd.to_numeric(series.astype(str).str.replace(",", "", regex=False), errors="coerce")


def _dates(series: pd.Series) -> pd.Series | None:
    import warnings

    import pandas as pd

    if pd.api.types.is_datetime64_any_dtype(series):
        return pd.to_datetime(series, utc=True)
    if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
        return None
    present = series.dropna().astype(str).str.strip()
    if (
        present.empty
        or not present.str.contains(r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}/\d{1,2}/\d{2,4}").all()
    ):
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parsed = pd.to_datetime(
            series.astype(str).str.strip(), errors="coerce", utc=True, format="mixed"
        )
    if parsed[series.notna()].notna().mean() < 0.95:
        return None
    return parsed


def _codes(series: pd.Series, train: np.ndarray) -> np.ndarray:
    import numpy as np

    number = _numeric(series)
    if number is not None:
        return _bins(number, train)
    text = series.where(series.isna(), series.astype(str).str.strip())
    codes, _ = text.factorize(use_na_sentinel=True)
    return np.asarray(codes)


def _identifier_like(name: str, series: pd.Series) -> bool:
    """Named like an identifier, or text with almost every value distinct."""
    if _ID_NAME.search(str(name)):
        return True
    present = series.dropna()
    return (
        _numeric(series) is None
        and len(present) >= 20
        and present.nunique() / max(len(series), 1) > 0.9
    )


def _single(series: pd.Series, y: np.ndarray, folds: Sequence[np.ndarray]) -> float:
    """Out-of-fold single-column AUC; the bins are learnt on the whole column (quantiles
    carry no label, so this leaks nothing about the target)."""
    import numpy as np

    codes = _codes(series, np.ones(len(series), dtype=bool))
    return oof_single_auc(codes, y, folds)


def check_leakage(
    data: pd.DataFrame,
    y: np.ndarray,
    folds: Sequence[np.ndarray],
    used: set[str],
    skip: set[str],
    label_date: str | None = None,
) -> list[Finding]:
    """Findings for ``data``'s columns (``skip``: the target and other non-features).

    ``folds`` are the test indices of the cross-validation folds; ``used`` the
    columns the model trains on.
    """
    findings: list[Finding] = []
    label_dates = _dates(data[label_date]) if label_date else None
    for name in data.columns:
        if name in skip:
            continue
        series = data[name]
        if series.nunique(dropna=True) < 1:
            continue
        is_used = name in used
        if label_dates is not None:
            dates = _dates(series)
            if dates is not None:
                both = dates.notna() & label_dates.notna()
                if both.any():
                    later = float((dates[both] > label_dates[both]).mean())
                    if later > AFTER_SHARE:
                        findings.append(
                            Finding(
                                "after_label_date",
                                str(name),
                                round(later, 4),
                                is_used,
                                {"share": f"{later:.0%}", "label_date": label_date},
                            )
                        )
                        continue
        missing = series.isna().to_numpy()
        if 0 < missing.sum() < len(missing):
            auc = _auc(y, missing.astype(float))
            auc = max(auc, 1 - auc)
            if auc >= AUC_LEAK:
                findings.append(
                    Finding(
                        "missing_matches_label",
                        str(name),
                        round(auc, 4),
                        is_used,
                        {"auc": f"{auc:.3f}"},
                    )
                )
                continue
        threshold = {"threshold": AUC_LEAK}
        if _identifier_like(str(name), series):
            auc = _single(series, y, folds)
            shape = series.dropna().astype(str).str.replace(r"\d+", "#", regex=True)
            if 2 <= shape.nunique() <= 50:
                shapes = series.where(
                    series.isna(), series.astype(str).str.replace(r"\d+", "#", regex=True)
                )
                auc = max(auc, _single(shapes, y, folds))
            if auc >= AUC_LEAK:
                findings.append(
                    Finding(
                        "identifier_encodes_label",
                        str(name),
                        round(auc, 4),
                        is_used,
                        {"auc": f"{auc:.3f}", **threshold},
                    )
                )
            continue
        if not is_used:
            continue
        auc = _single(series, y, folds)
        if auc >= AUC_LEAK:
            findings.append(
                Finding(
                    "single_feature",
                    str(name),
                    round(auc, 4),
                    True,
                    {"auc": f"{auc:.3f}", **threshold},
                )
            )
    duplicates = near_duplicates(data, sorted(used), folds)
    if duplicates is not None:
        count, share = duplicates
        if share > DUPLICATE_SHARE:
            findings.append(
                Finding(
                    "near_duplicates",
                    None,
                    round(share, 4),
                    False,
                    {"count": count, "share": f"{share:.0%}"},
                )
            )
    return findings


def near_duplicates(
    data: pd.DataFrame, columns: list[str], folds: Sequence[np.ndarray]
) -> tuple[int, float] | None:
    """(rows with an equal row in another fold, their share), or None when rows are not
    distinctive enough to tell copies from look-alikes."""
    import numpy as np
    import pandas as pd

    if not columns or len(data) == 0:
        return None
    normal = pd.DataFrame(index=data.index)
    distinctive = False
    for name in columns:
        number = _numeric(data[name])
        if number is not None:
            if number.nunique() / len(data) > DISTINCTIVE:
                distinctive = True
            normal[name] = _three_digits(number.to_numpy(dtype=np.float64))
        else:
            normal[name] = data[name].astype(str).str.strip().str.lower()
    if not distinctive:
        return None
    keys = pd.util.hash_pandas_object(normal, index=False).to_numpy()
    fold_of = np.zeros(len(data), dtype=int)
    for i, test in enumerate(folds):
        fold_of[test] = i
    frame = pd.DataFrame({"key": keys, "fold": fold_of})
    spread = frame.groupby("key")["fold"].transform("nunique")
    count = int((spread > 1).sum())
    return count, count / len(data)


def _three_digits(values: np.ndarray) -> np.ndarray:
    """Each number rounded to 3 significant digits (NaN and 0 unchanged)."""
    import numpy as np

    with np.errstate(divide="ignore", invalid="ignore"):
        plain = (values == 0) | ~np.isfinite(values)
        exponent = np.floor(np.log10(np.abs(np.where(plain, 1.0, values)))) - 2
        step = np.where(plain, 1.0, 10.0**exponent)
        return np.where(plain, values, np.round(values / step) * step)


def blocked_message(findings: Sequence[Finding]) -> dict[str, str]:
    columns = ", ".join(f.column for f in findings if f.blocking and f.column)
    return message("blocked", columns=columns)
