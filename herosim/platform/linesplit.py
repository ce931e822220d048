"""Output that arrives in chunks, cut into lines (pure). A line longer than the bound is cut
there, as Logplex cuts log lines (10,000 bytes): nothing a process prints can make the
buffer grow without limit."""

from __future__ import annotations

from herosim.const import LOG_CHUNK_BYTES


class LineSplitter:
    def __init__(self, limit: int = LOG_CHUNK_BYTES):
        self.limit = limit
        self._partial: dict[int, bytes] = {}

    def feed(self, stream: int, data: bytes) -> list[str]:
        """The complete lines `data` ends (per stream: stdout and stderr do not mix)."""
        *lines, rest = (self._partial.get(stream, b"") + data).split(b"\n")
        while len(rest) > self.limit:
            lines.append(rest[:self.limit])
            rest = rest[self.limit:]
        self._partial[stream] = rest
        return [line.decode("utf-8", errors="replace").rstrip("\r") for line in lines]

    def flush(self) -> list[tuple[int, str]]:
        """What is left without a final newline, per stream, once the output ended."""
        out = [(stream, rest.decode("utf-8", errors="replace").rstrip("\r"))
               for stream, rest in sorted(self._partial.items()) if rest]
        self._partial.clear()
        return out
