"""Everything herosim prints: buildpack-style steps, Heroku CLI lines, log lines.

Nothing else writes to the terminal; colour only when the stream is a TTY.
"""

from __future__ import annotations

import sys
import threading
from typing import TextIO

from herosim.platform.logline import LogLine

STEP = "-----> "
INDENT = " " * 7
BANG = " !     "

# One colour per dyno, in the order honcho uses.
_COLOURS = ["36", "33", "32", "35", "34", "31", "96", "93", "92", "95", "94", "91"]


class Printer:
    """Writes user-facing text. Tests pass an io.StringIO and read it back."""

    def __init__(self, out: TextIO | None = None, err: TextIO | None = None,
                 colour: bool | None = None):
        self._out = out      # None: whatever sys.stdout is when a line is written
        self._err = err
        self._colour = colour
        self._dyno_colours: dict[str, str] = {}
        self._lock = threading.Lock()

    @property
    def out(self) -> TextIO:
        return self._out or sys.stdout

    @out.setter
    def out(self, stream: TextIO) -> None:
        self._out = stream

    @property
    def err(self) -> TextIO:
        return self._err or sys.stderr

    @property
    def colour(self) -> bool:
        return self.out.isatty() if self._colour is None else self._colour

    # -- the buildpack's shape ---------------------------------------------
    def step(self, message: str) -> None:
        self._write(STEP + message)

    def detail(self, line: str) -> None:
        self._write(INDENT + line.rstrip("\r\n") if line.strip() else "")

    def warn(self, summary: str, *lines: str) -> None:
        self._write(BANG + "Warning: " + summary, stream=self.err)
        for line in lines:
            self._write(BANG + line if line else BANG.rstrip(), stream=self.err)

    def block(self, lines: list[str]) -> None:
        """A warning or note of the buildpack: ` !     ` lines between blank lines, on stderr."""
        self._write("", stream=self.err)
        for line in lines:
            self._write((BANG + line).rstrip() if line else BANG, stream=self.err)
        self._write("", stream=self.err)

    # -- Heroku CLI lines --------------------------------------------------
    def line(self, text: str = "") -> None:
        self._write(text)

    def info(self, text: str) -> None:
        """A line that is not data (progress, notices): stderr, like Heroku's CLI."""
        self._write(text, stream=self.err)

    # -- logs ----------------------------------------------------------------
    def log(self, line: LogLine | str) -> None:
        if isinstance(line, str):
            self._write(line)
            return
        text = line.render()
        if self.colour:
            head, _, message = text.partition("]: ")
            text = f"\033[{self._colour_for(line)}m{head}]:\033[0m {message}"
        self._write(text)

    def _colour_for(self, line: LogLine) -> str:
        key = f"{line.source}[{line.dyno}]"
        if key not in self._dyno_colours:
            self._dyno_colours[key] = _COLOURS[len(self._dyno_colours) % len(_COLOURS)]
        return self._dyno_colours[key]

    def _write(self, text: str, stream: TextIO | None = None) -> None:
        stream = stream or self.out
        with self._lock:
            stream.write(text + "\n")
            stream.flush()
