"""A progress display for long imports; silent when output is for a script or not a terminal."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from .console import err


@contextmanager
def row_progress(enabled: bool = True) -> Iterator:
    if not enabled or not err.is_terminal:
        yield None
        return
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                  TextColumn("{task.completed:,} 行"), TimeElapsedColumn(), console=err, transient=True) as p:
        tasks: dict[str, int] = {}

        def update(label: str, done: int, total: int | None) -> None:
            if label not in tasks:
                tasks[label] = p.add_task(label, total=total)
            p.update(tasks[label], completed=done)

        yield update
