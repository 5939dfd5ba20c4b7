"""The lazy root group: ``kith --help`` lists what the loaded commands say, and a
command runs the same whether or not its module was imported before."""

from __future__ import annotations

import typer
from typer.testing import CliRunner

from kith.cli import LAZY_COMMANDS, app, load_command


def _first_paragraph(text: str | None) -> str:
    return (text or "").split("\n\n")[0].strip()


def test_static_help_table_matches_the_loaded_commands() -> None:
    for name, (help_text, _loader) in LAZY_COMMANDS.items():
        command = load_command(name)
        assert command.name == name
        assert _first_paragraph(command.help) == help_text, name


def test_help_lists_every_command_in_order() -> None:
    result = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    listed = [
        line.strip("│ ").split()[0]
        for line in result.output.splitlines()
        if line.startswith("│ ") and not line.startswith("│ --")
        and line.strip("│ ") and not line.strip("│ ").startswith(" ")
    ]  # fmt: skip
    for name, (help_text, _loader) in LAZY_COMMANDS.items():
        assert name in listed, name
        assert help_text.split("\n")[0] in result.output, name
    assert listed[:3] == ["init", "serve", "demo"]
    assert {"init", "serve", "user"} <= set(listed)


def test_group_and_command_run_through_the_lazy_group() -> None:
    runner = CliRunner()
    events = runner.invoke(app, ["events", "--help"])
    assert events.exit_code == 0, events.output
    # the command another context adds to the events group is there, once
    assert events.output.count("│ send ") == 1
    bench = runner.invoke(app, ["bench", "--help"])
    assert bench.exit_code == 0 and "language" in bench.output and "startup" in bench.output
    plan = runner.invoke(app, ["plan", "--help"])
    assert plan.exit_code == 0 and "--as" in plan.output
    unknown = runner.invoke(app, ["plna"])
    assert unknown.exit_code == 2 and "plan" in unknown.output  # suggestion from the table
    assert isinstance(typer.main.get_command(app), typer.core.TyperGroup)
