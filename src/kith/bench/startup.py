"""``kith bench startup``: how long the ``kith`` process takes to start, as a user sees it.

Each command runs as a fresh subprocess (``python -m kith ...``), ``runs`` times:
``kith --version``, ``kith --help``, ``kith plan "<the seed sentence>" --json`` over
a demo workspace (scale 0.05) and ``kith serve`` until ``GET /healthz`` answers
(app built, migrations checked, first request served). Everything runs in a
temporary ``KITH_HOME`` with a key generated for it: nothing in the caller's
environment is needed or used (``KITH_*`` variables are dropped). ``src`` measures
another checkout's code (its ``src`` directory first on ``PYTHONPATH``), which is
how the before/after figures in docs/benchmarks.md were taken.

Wall times (p50/p95) are what a user waits; ``cpu_p50_ms`` is the process's own CPU
time (user + system, from the children's rusage), which a busy machine stretches far
less — on a loaded machine compare those. ``serve``'s CPU includes its shutdown.
"""

from __future__ import annotations

import os
import resource
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

SEED = "把张总上次提到的物流延迟问题同步给供应链总监并预约下周三方会议"
AS_USER = "wang.qiang@kith.demo"
NOW = "2026-11-20T10:00:00+08:00"
PLAN_OPTIONS = ("--as", AS_USER, "--now", NOW, "--json")
SERVE_TIMEOUT_S = 120.0


def _env(home: Path, secret: str, src: Path | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KITH_")}
    env.update(KITH_HOME=str(home), KITH_SECRET_KEY=secret, KITH_MODE="production")
    if src is not None:
        env["PYTHONPATH"] = os.pathsep.join(
            [str(src), *filter(None, [os.environ.get("PYTHONPATH")])]
        )
    return env


def _prepare(home: Path, secret: str) -> None:
    """A demo workspace at scale 0.05 under ``home`` (SQLite), written with ``secret``."""
    from kith.bench.harness import demo_workspace
    from kith.db.crypto import use_keyring

    previous = os.environ.get("KITH_SECRET_KEY")
    os.environ["KITH_SECRET_KEY"] = secret
    use_keyring(None)  # the key ring the subprocesses derive from the same secret
    try:
        demo_workspace(home, mode="production", secret_key=secret).engine.dispose()
    finally:
        if previous is None:
            os.environ.pop("KITH_SECRET_KEY", None)
        else:
            os.environ["KITH_SECRET_KEY"] = previous
        use_keyring(None)


def _children_cpu_ms() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (usage.ru_utime + usage.ru_stime) * 1000


def _timed(argv: list[str], env: dict[str, str], cwd: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        argv, env=env, cwd=cwd, capture_output=True, text=True, check=False
    )
    elapsed = (time.perf_counter() - started) * 1000
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[2:])} exited {done.returncode}: {done.stderr[-2000:]}")
    return elapsed


def _serve(env: dict[str, str], cwd: Path) -> float:
    from kith.bench.harness import free_port

    port = free_port()
    argv = [sys.executable, "-m", "kith", "serve", "--port", str(port)]
    started = time.perf_counter()
    proc = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        while True:
            if proc.poll() is not None:
                err = proc.stderr.read().decode() if proc.stderr else ""
                raise RuntimeError(f"kith serve exited {proc.returncode}: {err[-2000:]}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
                    if r.status == 200:
                        return (time.perf_counter() - started) * 1000
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.perf_counter() - started > SERVE_TIMEOUT_S:
                raise RuntimeError(f"kith serve did not answer /healthz in {SERVE_TIMEOUT_S} s")
            time.sleep(0.01)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _summary(samples: list[float]) -> dict[str, Any]:
    from kith.core.stats import percentile

    return {
        "p50_ms": round(percentile(samples, 0.5), 1),
        "p95_ms": round(percentile(samples, 0.95), 1),
        "min_ms": round(min(samples), 1),
        "runs": len(samples),
    }


COMMANDS = ("--version", "--help", "plan", "serve")


def run(
    runs: int = 5, src: Path | None = None, commands: tuple[str, ...] = COMMANDS
) -> dict[str, Any]:
    """Start-up figures of each command in ``commands`` (see the module docstring)."""
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="kith-bench-startup-") as tmp:
        home = Path(tmp) / "home"
        home.mkdir()
        secret = secrets.token_urlsafe(32)
        prepare_started = time.perf_counter()
        if "plan" in commands or "serve" in commands:
            _prepare(home, secret)
        prepare_s = time.perf_counter() - prepare_started
        env = _env(home, secret, src)
        argvs: dict[str, list[str]] = {
            "--version": [sys.executable, "-m", "kith", "--version"],
            "--help": [sys.executable, "-m", "kith", "--help"],
            "plan": [sys.executable, "-m", "kith", "plan", SEED, *PLAN_OPTIONS],
        }
        samples: dict[str, list[float]] = {name: [] for name in commands}
        # CPU time (user + system) of each process: other work on a busy machine
        # stretches the wall time far more than the process's own CPU time.
        cpu: dict[str, list[float]] = {name: [] for name in commands}
        # Interleaved, so a burst of load on the machine does not land on one command.
        for _ in range(runs):
            for name in commands:
                cpu_before = _children_cpu_ms()
                if name == "serve":
                    samples[name].append(_serve(env, Path(tmp)))
                else:
                    samples[name].append(_timed(argvs[name], env, Path(tmp)))
                cpu[name].append(_children_cpu_ms() - cpu_before)
    labels = {
        "--version": "kith --version",
        "--help": "kith --help",
        "plan": "kith plan <seed sentence> --json",
        "serve": "kith serve until /healthz answers",
    }
    return {
        "benchmark": "startup",
        "python": sys.executable,
        "src": str(src) if src else None,
        "workspace_setup_s": round(prepare_s, 1),
        "commands": {
            labels[name]: {**_summary(samples[name]), "cpu_p50_ms": _summary(cpu[name])["p50_ms"]}
            for name in commands
        },
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "cores": os.cpu_count(),
        "targets_ms": {
            "kith --version": 300,
            "kith plan <seed sentence> --json": 1000,
            "kith serve until /healthz answers": 3000,
        },
    }
