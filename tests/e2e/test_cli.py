"""The `kith` command line, run as a real subprocess."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def kith(
    home: Path, *args: str, mode: str = "production", **env: str
) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("KITH_")}
    environment.update({"KITH_HOME": str(home), "KITH_MODE": mode, **env})
    return subprocess.run(
        [sys.executable, "-m", "kith", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )


def test_version() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "kith", "--version"], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip().startswith("kith ")


def test_init_refuses_an_admin_without_password_outside_demo_mode(tmp_path: Path) -> None:
    result = kith(tmp_path, "init", "--admin-email", "root@corp.cn")
    assert result.returncode == 2
    assert "admin password is required" in result.stderr
    weak = kith(tmp_path, "init", "--admin-email", "root@corp.cn", "--admin-password", "123")
    assert weak.returncode == 2
    assert "body.password" in weak.stderr


def test_init_then_add_users_with_json_output(tmp_path: Path) -> None:
    init = kith(
        tmp_path,
        "init",
        "--admin-email",
        "root@corp.cn",
        "--json",
        KITH_ADMIN_PASSWORD="s3cure-enough-pw",
    )
    assert init.returncode == 0, init.stderr
    assert json.loads(init.stdout)["admin_created"] is True
    assert (tmp_path / "kith.db").exists()
    again = kith(tmp_path, "init", "--admin-email", "root@corp.cn", "--json")
    assert json.loads(again.stdout)["admin_created"] is False
    added = kith(
        tmp_path,
        "user",
        "add",
        "li@corp.cn",
        "--name",
        "李娜",
        "--role",
        "sales",
        "--title",
        "供应链总监",
        "--json",
        KITH_NEW_USER_PASSWORD="an0ther-good-pw",
    )
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout)["roles"] == ["sales"]
    bad_role = kith(
        tmp_path,
        "user",
        "add",
        "x@corp.cn",
        "--name",
        "X",
        "--role",
        "wizard",
        "--password",
        "an0ther-good-pw",
    )
    assert bad_role.returncode == 2
    assert "roles.0" in bad_role.stderr


@pytest.mark.parametrize("args", [["user", "add"], ["init", "--bogus"]])
def test_usage_errors_exit_2(tmp_path: Path, args: list[str]) -> None:
    assert kith(tmp_path, *args).returncode == 2


def test_serve_refuses_production_without_secret(tmp_path: Path) -> None:
    result = kith(tmp_path, "serve", "--port", "0")
    assert result.returncode == 2
    assert "KITH_SECRET_KEY" in result.stderr


def test_export_guards_formulas_and_import_updates_only_given_fields(tmp_path: Path) -> None:
    home = tmp_path / "home"
    init = kith(home, "init", "--admin-email", "root@corp.cn", KITH_ADMIN_PASSWORD="s3cure-pw-ok")
    assert init.returncode == 0, init.stderr
    source = tmp_path / "contacts.csv"
    source.write_text(
        "external_id,name,title,city\n"
        'C-1,"=HYPERLINK(""http://evil.example"",""点我"")",=cmd|\' /C calc\'!A0,上海\n'
        "C-2,王芳,-12.5,北京\n",
        encoding="utf-8",
    )
    imported = kith(home, "import", "contacts", str(source), "--json")
    assert imported.returncode == 0, imported.stderr
    assert json.loads(imported.stdout)["created"] == 2

    exported = tmp_path / "export.csv"
    done = kith(home, "export", "contacts", str(exported), "--json")
    assert done.returncode == 0, done.stderr
    with exported.open(encoding="utf-8-sig", newline="") as stream:
        rows = {row["external_id"]: row for row in csv.DictReader(stream)}
    assert rows["C-1"]["name"] == '\'=HYPERLINK("http://evil.example","点我")'
    assert rows["C-1"]["title"] == "'=cmd|' /C calc'!A0"
    assert rows["C-2"]["title"] == "'-12.5"
    again = kith(home, "import", "contacts", str(exported), "--json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["unchanged"] == 2  # the guard is undone on import

    # `kith import --help`: empty cells leave fields unchanged; a row needs only its key.
    partial = tmp_path / "partial.csv"
    partial.write_text(
        f"id,name,city\n{rows['C-1']['id']},,杭州\n",
        encoding="utf-8",
    )
    by_key = tmp_path / "by_key.csv"
    by_key.write_text("external_id,city\nC-2,天津\n", encoding="utf-8")
    for path in (partial, by_key):
        update = kith(home, "import", "contacts", str(path), "--json")
        assert update.returncode == 0, update.stderr
        assert json.loads(update.stdout)["updated"] == 1
    done = kith(home, "export", "contacts", str(exported))
    with exported.open(encoding="utf-8-sig", newline="") as stream:
        after = {row["external_id"]: row for row in csv.DictReader(stream)}
    assert after["C-1"]["city"] == "杭州" and after["C-1"]["name"] == rows["C-1"]["name"]
    assert after["C-2"]["city"] == "天津" and after["C-2"]["name"] == "王芳"
