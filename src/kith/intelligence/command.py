"""``kith model ...``: train on a CSV or on Kith's own records, predict, list,
promote, roll back and check drift.

Training from the command line is an administrative action of the workspace
(it acts as the system); the database is migrated and the workspace created if
this is a fresh home, so ``kith model train`` works on a bare install.
``kith.cli`` imports this module while it is being imported itself, so its
output helpers are imported inside the commands.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from kith.clikit import JsonFlag, TenantOpt, open_container
from kith.clikit import fail as _fail
from kith.clikit import fail_kith as _fail_kith
from kith.clikit import report as _report
from kith.core.errors import KithError
from kith.intelligence.monitoring import performance as _performance  # noqa: F401 - registers the model_performance consumer

model_app = typer.Typer(
    help="Train, evaluate, version and use predictive models.", no_args_is_help=True
)

DataOpt = Annotated[Path, typer.Option("--data", help="A CSV file with a header row.")]


def _service(uow: Any, tenant: str) -> Any:
    from kith.access.repository import AccessRepository
    from kith.access.service import ensure_tenant
    from kith.events.types import Actor
    from kith.intelligence.service import IntelligenceService

    workspace = AccessRepository(uow.session).tenant_by_slug(tenant)
    if workspace is None:
        workspace = ensure_tenant(uow.session, tenant, tenant.title())
    return IntelligenceService(uow, workspace.id, Actor("system", None, "kith model"))


def read_csv(path: Path) -> Any:
    import pandas as pd

    if not path.is_file():
        _fail(f"--data: no such file: {path}")
    try:
        frame = pd.read_csv(path, encoding="utf-8-sig", skipinitialspace=True)
    except pd.errors.EmptyDataError:
        _fail(f"--data: {path} is empty")
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        _fail(f"--data: {path} is not a readable CSV file ({exc})")
    if frame.empty:
        _fail(f"--data: {path} has a header but no rows")
    return frame


@model_app.command("train")
def train(
    kind: Annotated[str, typer.Argument(help="classifier (binary outcome) or forecast.")],
    data: DataOpt,
    target: Annotated[
        str | None, typer.Option("--target", help="Classifier: the outcome column.")
    ] = None,
    id_column: Annotated[
        str | None, typer.Option("--id", help="A row id column (kept out of the features).")
    ] = None,
    date: Annotated[str | None, typer.Option("--date", help="Forecast: the date column.")] = None,
    value: Annotated[
        str | None, typer.Option("--value", help="Forecast: the value column (summed per period).")
    ] = None,
    freq: Annotated[
        str | None,
        typer.Option("--freq", help="Forecast period: M, W, D or Q (default: inferred)."),
    ] = None,
    horizon: Annotated[
        int | None, typer.Option("--horizon", min=1, max=120, help="Forecast: periods ahead.")
    ] = None,
    name: Annotated[
        str | None, typer.Option("--name", help="Model name (default: the file's name).")
    ] = None,
    label_date: Annotated[
        str | None,
        typer.Option(
            "--label-date",
            help="Classifier: the column with the outcome's date (not a feature); date "
            "columns later than it are reported as leakage.",
        ),
    ] = None,
    drop: Annotated[
        list[str] | None,
        typer.Option("--drop", help="Classifier: leave this column out (repeatable)."),
    ] = None,
    allow_leaky: Annotated[
        list[str] | None,
        typer.Option(
            "--allow-leaky",
            help="Classifier: train on this column although a leakage check flags it (repeatable).",
        ),
    ] = None,
    tenant: TenantOpt = "default",
    as_json: JsonFlag = False,
) -> None:
    """Train a model on a CSV file, evaluate it against a baseline and register the version.

    A classifier is checked for leakage first (training/leakage.py): a flagged column
    the model would use stops training (exit 2) until it is dropped (--drop) or
    confirmed (--allow-leaky)."""
    from kith.intelligence.service import version_ref
    from kith.intelligence.training.classifier import LeakageFound

    if kind not in ("classifier", "forecast"):
        _fail(f"KIND must be 'classifier' or 'forecast', not {kind!r}")
    if kind == "classifier" and not target:
        _fail("--target is required for a classifier")
    if kind == "forecast" and not (date and value):
        _fail("--date and --value are required for a forecast")
    if freq is not None and freq.upper() not in ("M", "W", "D", "Q"):
        _fail("--freq must be one of M, W, D, Q")
    frame = read_csv(data)
    model_name = name or data.stem
    with open_container(migrated=True).uow() as uow:
        service = _service(uow, tenant)
        try:
            if kind == "classifier":
                version, trained = service.train_classifier(
                    model_name,
                    data.name,
                    frame,
                    str(target),
                    id_column,
                    label_date=label_date,
                    drop=drop or [],
                    allow_leaky=allow_leaky or [],
                )
                extra: dict[str, Any] = {
                    "auc": version.metrics["auc"],
                    "accuracy": version.metrics["accuracy"],
                    "candidates": trained.candidates,
                    "top_features": dict(list(version.importance.items())[:5]),
                    "leakage": version.metrics["leakage"],
                    "fit_to_score": version.metrics["fit_to_score"],
                }
            else:
                version, result = service.train_forecast(
                    model_name,
                    data.name,
                    frame,
                    str(date),
                    str(value),
                    freq.upper() if freq else None,
                    horizon,
                )
                extra = {
                    "mase": version.metrics["mase"],
                    "mape": version.metrics["mape"],
                    "candidates": result.candidates,
                    "forecast": [
                        {
                            "period": period.strftime("%Y-%m-%d"),
                            "forecast": round(float(row.forecast), 4),
                            "lower": round(float(row.lower), 4),
                            "upper": round(float(row.upper), 4),
                        }
                        for period, row in result.future.iterrows()
                    ],
                }
        except LeakageFound as exc:
            _leakage_refused(exc, as_json)
        except KithError as exc:
            _fail_kith(exc)
        uow.commit()
        out = {
            "version": version.id,
            "ref": version_ref(version),
            "name": version.name,
            "kind": version.kind,
            "algorithm": version.algorithm,
            "status": version.status,
            **extra,
            "metrics": version.metrics,
            "baseline": version.baseline,
            "better_than_baseline": version.metrics["better_than_baseline"],
            "training_seconds": version.training_seconds,
            "rows": version.rows,
            "data_hash": version.data_hash,
            "features": version.features,
        }
    key = "auc" if kind == "classifier" else "mase"
    verdict = "better than" if out["better_than_baseline"] else "NOT better than"
    notes = [f"  leakage [{f['check']}]: {f['message']['en']}" for f in out.get("leakage", [])]
    unfit = out["metrics"].get("unfit_reason")
    if unfit:
        notes.append(f"  not a champion, scores no records: {unfit['en']}")
    if out["baseline"].get("note"):
        notes.append(f"  baseline: {out['baseline']['note']['en']}")
    _report(
        out,
        as_json,
        f"{out['ref']} ({out['algorithm']}, {out['status']}): {key} {out[key]}, "
        f"{verdict} the baseline ({out['baseline']['name']}: {key} {out['baseline'][key]}); "
        f"trained in {out['training_seconds']} s; version {out['version']}"
        + "".join(f"\n{n}" for n in notes),
    )


def _leakage_refused(exc: Any, as_json: bool) -> NoReturn:
    """Training refused for leakage: every finding (JSON on stdout with --json), exit 2."""
    import sys

    findings = [f.as_dict() for f in exc.findings]
    if as_json:
        from kith.core.serialize import dumps

        body = {"error": "leakage", "detail": exc.detail, "detail_zh": exc.message_zh}
        sys.stdout.write(dumps({**body, "leakage": findings}).decode() + "\n")
        raise typer.Exit(2)
    lines = [exc.detail, exc.message_zh]
    for f in findings:
        state = "blocking" if f["blocking"] else "warning"
        lines.append(f"  [{f['check']}, {state}] {f['message']['en']}")
        lines.append(f"      {f['message']['zh']}")
    _fail("\n".join(lines))


@model_app.command("predict")
def predict(
    version: Annotated[str, typer.Argument(help="Version id, NAME@N, or NAME (its champion).")],
    out: Annotated[Path, typer.Option("--out", help="Where to write the scored CSV.")],
    data: Annotated[Path | None, typer.Option("--data", help="Rows to score (classifier).")] = None,
    top: Annotated[int, typer.Option("--top", min=1, max=20, help="Factors per row.")] = 3,
    horizon: Annotated[
        int | None, typer.Option("--horizon", min=1, max=120, help="Forecast: periods ahead.")
    ] = None,
    tenant: TenantOpt = "default",
    as_json: JsonFlag = False,
) -> None:
    """Score rows (adds score, predicted class and top factors) or extend a forecast."""
    import pandas as pd

    from kith.intelligence.service import version_ref

    with open_container(migrated=True).uow() as uow:
        service = _service(uow, tenant)
        try:
            resolved = service.resolve(version)
            if resolved.kind == "forecast":
                _, result = service.forecast(version, horizon)
                scored = pd.DataFrame(
                    {
                        "period": [p.strftime("%Y-%m-%d") for p in result.future.index],
                        "forecast": result.future["forecast"].round(4),
                        "lower": result.future["lower"].round(4),
                        "upper": result.future["upper"].round(4),
                        "model_version": version_ref(resolved),
                    }
                )
            else:
                if data is None:
                    _fail("--data is required to score rows with a classifier")
                scored = service.predict(version, read_csv(data), top)
        except KithError as exc:
            _fail_kith(exc)
        ref, version_id = version_ref(resolved), resolved.id
    scored.to_csv(out, index=False)
    _report(
        {"version": version_id, "ref": ref, "rows": len(scored), "out": str(out)},
        as_json,
        f"wrote {len(scored)} rows scored by {ref} to {out}",
    )


@model_app.command("list")
def list_models(
    name: Annotated[str | None, typer.Option("--name", help="Only this model.")] = None,
    tenant: TenantOpt = "default",
    as_json: JsonFlag = False,
) -> None:
    """Every registered version with its metrics and champion/challenger status."""
    from kith.intelligence.service import version_out

    with open_container(migrated=True).uow() as uow:
        rows = [version_out(v) for v in _service(uow, tenant).repo.versions(name)]
    lines = [
        f"{r['ref']:<28} {r['kind']:<10} {r['algorithm']:<22} {r['status']:<10} "
        + " ".join(
            f"{k}={r['metrics'][k]}"
            for k in ("auc", "accuracy", "mase", "mape")
            if k in r["metrics"]
        )
        for r in rows
    ]
    _report(rows, as_json, "\n".join(lines) or "no models yet")


@model_app.command("promote")
def promote(
    version: Annotated[str, typer.Argument(help="Version id or NAME@N.")],
    tenant: TenantOpt = "default",
    as_json: JsonFlag = False,
) -> None:
    """Make a version the champion (the one scoring uses); the old champion retires."""
    from kith.intelligence.service import version_out

    with open_container(migrated=True).uow() as uow:
        try:
            promoted = _service(uow, tenant).promote(version)
        except KithError as exc:
            _fail_kith(exc)
        uow.commit()
        out = version_out(promoted)
    _report(out, as_json, f"{out['ref']} is now the champion")


@model_app.command("rollback")
def rollback(
    name: Annotated[str, typer.Argument(help="Model name.")],
    tenant: TenantOpt = "default",
    as_json: JsonFlag = False,
) -> None:
    """Put the previous champion back."""
    from kith.intelligence.service import version_out

    with open_container(migrated=True).uow() as uow:
        try:
            restored = _service(uow, tenant).rollback(name)
        except KithError as exc:
            _fail_kith(exc)
        uow.commit()
        out = version_out(restored)
    _report(out, as_json, f"rolled back: {out['ref']} is the champion again")


@model_app.command("drift")
def drift_check(
    version: Annotated[str, typer.Argument(help="Version id, NAME@N or NAME.")],
    data: DataOpt,
    tenant: TenantOpt = "default",
    as_json: JsonFlag = False,
) -> None:
    """PSI of each feature and of the score, new data against the training data."""
    with open_container(migrated=True).uow() as uow:
        try:
            check = _service(uow, tenant).check_drift(version, read_csv(data))
        except KithError as exc:
            _fail_kith(exc)
        uow.commit()
        out = {
            "psi": check.psi,
            "max_psi": check.max_psi,
            "alert": check.alert,
            "note": check.note,
            "rows": check.rows,
        }
    _report(out, as_json, f"max PSI {out['max_psi']}: {'ALERT' if out['alert'] else 'stable'}")


@model_app.command("train-builtin")
def train_builtin(
    tenant: TenantOpt = "default",
    as_json: JsonFlag = False,
) -> None:
    """Train deal win, lead conversion and churn on the workspace's records; score them."""
    from kith.intelligence.scoring.builtin import BuiltinModels

    with open_container(migrated=True).uow() as uow:
        try:
            outcomes = BuiltinModels(_service(uow, tenant)).run()
        except KithError as exc:
            _fail_kith(exc)
        uow.commit()
    rows = [o.as_dict() for o in outcomes]
    lines = [
        f"{r['kind']:<16} {r['status']:<8} {r.get('version') or ''} "
        + (f"auc={r['metrics']['auc']} " if r.get("metrics") else "")
        + f"scored={r.get('scored', 0)} band_changes={r.get('band_changes', 0)}"
        + (f" ({r['reason']})" if r.get("reason") else "")
        for r in rows
    ]
    _report(rows, as_json, "\n".join(lines))


@model_app.command("segments")
def segments(
    tenant: TenantOpt = "default",
    as_json: JsonFlag = False,
) -> None:
    """RFM segments and behavioural clusters of the customers who have ordered."""
    import pandas as pd
    from sqlalchemy import select

    from kith.core.clock import utcnow
    from kith.crm import models as m
    from kith.intelligence.segments.behaviour import clusters, rfm, summary

    with open_container(migrated=True).uow() as uow:
        service = _service(uow, tenant)
        rows = uow.session.execute(
            select(m.Order.contact_id, m.Order.ordered_at, m.Order.total).where(
                m.Order.tenant_id == service.tenant_id,
                m.Order.deleted_at.is_(None),
                m.Order.contact_id.is_not(None),
            )
        ).all()
    if not rows:
        _fail("no orders with a contact in this workspace; nothing to segment")
    orders = pd.DataFrame(rows, columns=["customer", "ordered_at", "total"])
    orders["ordered_at"] = pd.to_datetime(orders["ordered_at"], utc=True).dt.tz_localize(None)
    orders["total"] = pd.to_numeric(orders["total"], errors="coerce").fillna(0.0)
    table = rfm(orders, utcnow())
    labels, k, silhouette = clusters(table)
    table["cluster"] = labels
    segments_summary = summary(table)
    out = {
        "customers": len(table),
        "rfm_segments": segments_summary,
        "clusters": {
            "k": k,
            "silhouette": round(silhouette, 4),
            "sizes": {str(c): int(n) for c, n in table["cluster"].value_counts().items()},
        },
    }
    lines = [f"{name:<12} {s['customers']:>6.0f}" for name, s in segments_summary.items()]
    _report(out, as_json, "\n".join(lines) + f"\nclusters: k={k} silhouette={silhouette:.2f}")


@model_app.command("performance")
def performance(
    version: Annotated[str, typer.Argument(help="Version id, NAME@N or NAME (its champion).")],
    tenant: TenantOpt = "default",
    as_json: JsonFlag = False,
) -> None:
    """Live AUC / accuracy / Brier / calibration from outcomes, next to the offline figures."""
    from kith.intelligence.monitoring.performance import performance as live_performance

    with open_container(migrated=True).uow() as uow:
        try:
            out = live_performance(uow.session, _service(uow, tenant).resolve(version))
        except KithError as exc:
            _fail_kith(exc)
    live = out["live"]
    _report(
        out,
        as_json,
        f"{out['ref']}: {live['outcomes']} outcomes, live auc={live['auc']} "
        f"accuracy={live['accuracy']} brier={live['brier']} "
        f"(offline auc={out['offline']['auc']}){' DEGRADED' if out['degraded'] else ''}",
    )
