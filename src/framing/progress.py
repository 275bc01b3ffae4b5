"""Progress on stderr for long runs (fine-tuning), in the style of ``framing predict``'s bar.

On a terminal, a rich bar per stage; elsewhere (a log file, CI), a plain line at
every tenth of a stage, so a log shows how far a long run got without redraws.
"""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from typing import Callable, Iterator

__all__ = ["training_progress"]


@contextmanager
def training_progress(enabled: bool | None = None) -> Iterator[Callable[[str, int, int, int, float], None]]:
    """A callback ``progress(stage, epoch, step, total_steps, loss)`` drawing one bar per stage:
    the stage, epoch, step, loss, and the time left in that stage."""
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        yield _plain_lines()
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    bars = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TextColumn("epoch {task.fields[epoch]}  loss {task.fields[loss]:.3f}"),
                    TimeElapsedColumn(), TimeRemainingColumn(), console=Console(file=sys.stderr))
    tasks: dict[str, int] = {}
    last = [0.0]

    def update(stage: str, epoch: int, step: int, total: int, loss: float) -> None:
        if stage not in tasks:
            tasks[stage] = bars.add_task(stage, total=total, epoch=1, loss=float("nan"))
        now = time.monotonic()
        if step == total or now - last[0] > 0.2:  # redraws cost little, but not every step
            bars.update(tasks[stage], completed=step, epoch=epoch + 1, loss=loss)
            last[0] = now

    with bars:
        yield update


def _plain_lines() -> Callable[[str, int, int, int, float], None]:
    started: dict[str, float] = {}

    def update(stage: str, epoch: int, step: int, total: int, loss: float) -> None:
        now = time.monotonic()
        t0 = started.setdefault(stage, now)
        if step == total or step % max(1, total // 10) == 0:
            left = (now - t0) / step * (total - step)
            print(f"{stage}: epoch {epoch + 1}, step {step}/{total}, loss {loss:.3f}, "
                  f"{(now - t0) / 60:.1f} min, ~{left / 60:.1f} min left", file=sys.stderr, flush=True)

    return update
