"""The one progress bar for long work (downloads, imports, counting): bytes done, on stderr.

It draws only where stderr is a terminal; in a pipe, a log or a test it is disabled and costs
nothing (rich's progress module is not even imported: 25 ms of a command's start), and stdout
(the results, the JSON) never sees it.
"""

from __future__ import annotations

from typing import Any, Optional

from rnncli.terminal import Environment


class ByteProgress:
    """A bar per named stage (``download``, ``parse``, a file name), advanced by bytes.

    ``label`` is the text column's format (``"counting {task.description}"``); ``time_left``
    adds the estimated time remaining; ``transient`` erases the bars when the work is done;
    ``counts`` shows ``done/total`` items (analogy questions) instead of bytes and speed.
    Use it as a context manager, and :meth:`update` as the library's progress callback.
    """

    def __init__(
        self,
        env: Environment,
        label: str = "{task.description}",
        *,
        time_left: bool = False,
        transient: bool = False,
        counts: bool = False,
    ) -> None:
        self.enabled = env.stderr_terminal
        self.progress: Any = None
        self._tasks: dict[str, Any] = {}
        if not self.enabled:
            return
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            MofNCompleteColumn,
            Progress,
            ProgressColumn,
            TextColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )

        columns: list[ProgressColumn] = [TextColumn(label), BarColumn()]
        if counts:
            columns.append(MofNCompleteColumn())
        else:
            columns += [DownloadColumn(), TransferSpeedColumn()]
        if time_left:
            columns.append(TimeRemainingColumn())
        self.progress = Progress(*columns, console=env.stderr_console(), transient=transient)

    def update(
        self, stage: str, done: int, total: Optional[int], description: Optional[str] = None
    ) -> None:
        """``done`` of ``total`` bytes (None: unknown) of ``stage``; its bar starts on first use."""
        if self.progress is None:
            return
        task = self._tasks.get(stage)
        if task is None:
            self._tasks[stage] = self.progress.add_task(
                stage if description is None else description, total=total, completed=done
            )
        else:
            self.progress.update(task, completed=done, total=total)

    def __enter__(self) -> ByteProgress:
        if self.progress is not None:
            self.progress.start()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        if self.progress is not None:
            self.progress.stop()
