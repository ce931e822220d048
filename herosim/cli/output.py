"""Everything herosim prints: buildpack-style steps, Heroku CLI lines, log lines.

Nothing else writes to the terminal (a unit test holds the CLI to it); colour only when the
stream is a TTY. As Heroku's CLI writes them, data (listings, values, URLs, JSON) goes to
stdout and notices (progress, warnings, errors) to stderr.
"""

from __future__ import annotations

import json as json_
import sys
import threading
from collections.abc import Iterable
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
        self._transcript_on_err = False
        self._dyno_colours: dict[str, str] = {}
        self._lock = threading.Lock()

    @property
    def out(self) -> TextIO:
        return self._out or sys.stdout

    @property
    def err(self) -> TextIO:
        return self._err or sys.stderr

    @property
    def transcript(self) -> TextIO:
        """Where steps, tool output and log lines go: stdout, unless `transcript_to_err()`."""
        return self.err if self._transcript_on_err else self.out

    def transcript_to_err(self) -> None:
        """Steps, tool output and log lines to stderr, so that stdout carries the data alone
        (`up -d --json`)."""
        self._transcript_on_err = True

    @property
    def colour(self) -> bool:
        return self.transcript.isatty() if self._colour is None else self._colour

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

    def data(self, text: str = "", end: str = "\n") -> None:
        """What a command answers (a listing, a value, a URL): stdout, like Heroku's CLI."""
        self._write(text, stream=self.out, end=end)

    def lines(self, lines: Iterable[str]) -> None:
        """Data, a line each."""
        for line in lines:
            self.data(line)

    def json(self, value: object, *, sort_keys: bool = False) -> None:
        """Data as JSON, indented by two as Heroku's CLI prints it with --json."""
        self.data(json_.dumps(value, indent=2, sort_keys=sort_keys))

    def info(self, text: str = "") -> None:
        """A line that is not data (progress, notices): stderr, like Heroku's CLI."""
        self._write(text, stream=self.err)

    def raw(self, stream: int, data: bytes) -> None:
        """A container's bytes as it wrote them (1: stdout, 2: stderr): a one-off dyno, psql."""
        target = self.out if stream == 1 else self.err
        with self._lock:
            buffer = getattr(target, "buffer", None)
            if buffer is None:   # a text stream with no bytes under it (a test's StringIO)
                target.write(data.decode(errors="replace"))
            else:
                target.flush()   # text written before goes first
                buffer.write(data)
                buffer.flush()

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

    def _write(self, text: str, stream: TextIO | None = None, end: str = "\n") -> None:
        stream = stream or self.transcript
        with self._lock:
            stream.write(text + end)
            stream.flush()
