"""Progress reporting: a rich bar on stderr for the CLI, nothing for library callers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # rich (with pygments, ~0.25 s) only when a CLI import draws a bar
    import rich.progress
    from rich.console import Console


class Progress(Protocol):
    def start(self, total: int) -> None: ...

    def advance(self, rows: int) -> None: ...


class NoProgress:
    def start(self, total: int) -> None:
        pass

    def advance(self, rows: int) -> None:
        pass


class ProgressBar:
    """Rows done out of the total; drawn only on a terminal, so pipes and logs stay clean."""

    def __init__(self, label: str, console: Console) -> None:
        import rich.progress

        self.label = label
        self.bar = rich.progress.Progress(
            rich.progress.TextColumn("{task.description}"),
            rich.progress.BarColumn(),
            rich.progress.MofNCompleteColumn(),
            rich.progress.TimeRemainingColumn(),
            console=console,
            disable=not console.is_terminal,
        )
        self.task: rich.progress.TaskID | None = None

    def start(self, total: int) -> None:
        self.task = self.bar.add_task(self.label, total=total)

    def advance(self, rows: int) -> None:
        if self.task is not None:
            self.bar.advance(self.task, rows)


@contextmanager
def progress_bar(label: str) -> Iterator[ProgressBar]:
    from rich.console import Console

    bar = ProgressBar(label, Console(stderr=True))
    with bar.bar:
        yield bar
