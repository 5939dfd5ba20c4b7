"""Start-up stays cheap: ``kith --version``/``--help`` and a server's app do not import
the heavy libraries (pandas, scikit-learn, LightGBM, statsmodels, skops, jieba, bm25s,
pypinyin, ...) nor the context command modules. A behaviour check on which modules a
fresh interpreter imports (``-X importtime``), not a timing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from kith.core.lazy import HEAVY_MODULES

SRC = str(Path(__file__).resolve().parents[2] / "src")


def _imported(code: str, tmp_path: Path) -> set[str]:
    """Every module a fresh interpreter imports while running ``code``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KITH_")}
    env["PYTHONPATH"] = os.pathsep.join([SRC, *filter(None, [env.get("PYTHONPATH")])])
    env["KITH_HOME"] = str(tmp_path)
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        env=env, cwd=tmp_path, capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    names = {
        line.rsplit("|", 1)[1].strip()
        for line in done.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    assert "kith" in names  # the probe works: it sees kith itself
    return names


def _heavy(names: set[str]) -> set[str]:
    return {n for n in names if n.split(".")[0] in HEAVY_MODULES}


def test_version_imports_no_heavy_library_and_no_context(tmp_path: Path) -> None:
    names = _imported(
        "import sys; sys.argv = ['kith', '--version']\n"
        "from kith.cli import main\n"
        "try:\n    main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n",
        tmp_path,
    )
    assert "kith.cli" in names
    assert _heavy(names) == set()
    # nor the context command modules, the composition root or the settings
    for lazy in ("kith.bootstrap", "kith.language.command", "kith.bench.command",
                 "kith.agents.command", "kith.intelligence.command", "sqlalchemy"):  # fmt: skip
        assert lazy not in names


def test_help_lists_every_command_without_importing_them(tmp_path: Path) -> None:
    names = _imported(
        "import sys; sys.argv = ['kith', '--help']\n"
        "from kith.cli import main\n"
        "try:\n    main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n",
        tmp_path,
    )
    assert _heavy(names) == set()
    assert "kith.bootstrap" not in names and "kith.language.command" not in names


def test_server_app_builds_without_heavy_libraries(tmp_path: Path) -> None:
    """What a ``kith serve`` worker does before its first request: settings, container
    (wired: every tool, consumer and job module), migrations, the app."""
    names = _imported(
        "from kith.core.settings import Settings\n"
        "from kith.bootstrap import build_container, migrate\n"
        "from kith.app import create_app\n"
        f"url = 'sqlite:///{tmp_path / 'kith.db'}'\n"
        f"c = build_container(Settings(home={str(tmp_path)!r}, database_url=url, mode='test'))\n"
        "migrate(c)\n"
        "app = create_app(c)\n"
        "assert app.routes\n",
        tmp_path,
    )
    assert {"kith.app", "kith.bootstrap", "kith.agents.memory"} <= names
    assert _heavy(names) == set()
