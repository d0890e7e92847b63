"""Progress on the command line for long runs (rich), ending with a summary the caller prints."""

from __future__ import annotations

from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


@contextmanager
def progress_bar(label: str, total: int | None, *, stream=None):
    """Yield ``advance_to(n)``; shows a bar with count and elapsed time on stderr (plain when not a terminal)."""
    console = Console(file=stream, stderr=stream is None)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=False) as bar:
        task = bar.add_task(label, total=total)

        def advance_to(done) -> None:
            if isinstance(done, int):
                bar.update(task, completed=done)
            else:  # a named stage finished
                bar.update(task, description=f"{label}：{done} 完成")

        yield advance_to
        if total is not None:
            bar.update(task, completed=total)
