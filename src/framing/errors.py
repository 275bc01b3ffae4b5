"""The one exception type the command line turns into a one-line message.

Every error a user can cause (a missing file, a bad corpus row, a corrupt model)
is raised as :class:`FramingError` with the file and, where there is one, the
line, so the CLI can print ``framing: error: FILE:LINE: message`` and exit
non-zero instead of showing a traceback.
"""

from __future__ import annotations

from os import PathLike

__all__ = ["FramingError"]


class FramingError(Exception):
    """A problem with the user's input, explained in one line."""

    def __init__(self, message: str, path: str | PathLike | None = None, line: int | None = None):
        self.message = message
        self.path = None if path is None else str(path)
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = self.path if self.line is None else f"{self.path}:{self.line}"
            where += ": "
        return where + self.message
