"""What long-running verbs report while they work (a build's steps, a provisioning), in the
buildpack's shape. The CLI's Printer implements it; tests pass a recorder."""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    def step(self, message: str) -> None:
        """`-----> message`"""

    def detail(self, line: str) -> None:
        """A line of a tool's output, indented under its step."""

    def warn(self, summary: str, *lines: str) -> None:
        """A warning block on stderr."""

    def info(self, text: str) -> None:
        """A notice that is not data (stderr)."""

    def block(self, lines: list[str]) -> None:
        """The buildpack's warning or note: a block of ` !     ` lines between blank lines (stderr)."""


class Recorder:
    """A Progress that keeps the lines (tests, and callers that print later)."""

    def __init__(self):
        self.lines: list[str] = []

    def step(self, message: str) -> None:
        self.lines.append("-----> " + message)

    def detail(self, line: str) -> None:
        self.lines.append("       " + line)

    def warn(self, summary: str, *lines: str) -> None:
        self.lines += [" !     Warning: " + summary, *(" !     " + line for line in lines)]

    def info(self, text: str) -> None:
        self.lines.append(text)

    def block(self, lines: list[str]) -> None:
        self.lines += ["", *(" !     " + line for line in lines), ""]
