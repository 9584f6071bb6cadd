"""Progress bars for long work: rows of a sheet, workbooks written. Shown on a terminal only,
never with --json or when output goes to a file or a pipe."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TaskProgressColumn, TextColumn,
                           TimeElapsedColumn, TimeRemainingColumn)

from zjsafety.commands.render import err


@contextmanager
def progress_bar(enabled: bool = True) -> Iterator:
    """Yields update(label, done, total): one bar per label, with the total and time left when
    the total is known; None when there is nothing to show."""
    if not enabled or not err.is_terminal:
        yield None
        return
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TaskProgressColumn(),
                  TextColumn("已用"), TimeElapsedColumn(), TextColumn("剩余"), TimeRemainingColumn(),
                  console=err, transient=True) as p:
        tasks: dict[str, int] = {}

        def update(label: str, done: int, total: int | None) -> None:
            if label not in tasks:
                tasks[label] = p.add_task(label, total=total)
            p.update(tasks[label], completed=done, total=total)

        yield update
