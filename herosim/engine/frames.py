"""A byte stream to an address inside the engine's network, carried by the engine's API: an exec
of a tiny relay (attached stdin, no tty) whose stdout comes back in Docker's 8-byte frames.

Pure: the relay's command and the frames' decoder; the sockets are dialer.py's and the
router's (router/tunnel.py)."""

from __future__ import annotations

import struct

# Perl, because every image herosim starts is Debian's and perl-base is essential there (the
# run stacks have no python3 outside the slug). One connection to host:port (its arguments, or
# without them the first line of stdin, "host port\n": a relay started ahead of need, so an
# exec's cost is off the request's path); stdin to it, it to stdout; stdin's end is a
# half-close, the target's end exits (which ends the exec's stream).
RELAY = r"""
use IO::Socket::INET; use IO::Select;
my ($host, $port) = @ARGV;
unless (defined $port) {
  my $line = '';
  while (sysread(STDIN, my $c, 1)) { last if $c eq "\n"; $line .= $c; exit 4 if length $line > 300; }
  ($host, $port) = split / /, $line;
  exit 4 unless $port;
}
my $s = IO::Socket::INET->new(PeerAddr => $host, PeerPort => $port, Proto => 'tcp') or exit 3;
binmode STDIN; binmode STDOUT; $s->autoflush(1);
my $sel = IO::Select->new(\*STDIN, $s);
sub out {
  my ($h, $b) = @_;
  while (length $b) { my $n = syswrite($h, $b); exit 0 unless defined $n; substr($b, 0, $n) = ''; }
}
while (my @ready = $sel->can_read) {
  for my $h (@ready) {
    my $n = sysread($h, my $buf, 65536);
    if ($h == $s) { exit 0 unless $n; out(\*STDOUT, $buf); }
    elsif (!$n) { $sel->remove(\*STDIN); shutdown($s, 1); }
    else { out($s, $buf); }
  }
}
"""

HEADER = 8
STDOUT, STDERR = 1, 2
MAX_FRAME = 1 << 24      # a frame longer than this is not Docker's: the stream is broken
MAX_STDERR = 4096        # what is kept of the relay's own complaints


def relay_command(host: str | None = None, port: int | None = None) -> list[str]:
    """The relay's argv: the target's address only (never a secret), or nothing (it reads
    `target_line()` first)."""
    return ["perl", "-e", RELAY, *([host, str(port)] if host and port else [])]


def target_line(host: str, port: int) -> bytes:
    return f"{host} {port}\n".encode()


class FrameError(ValueError):
    pass


class Frames:
    """Docker's multiplexed stream (`[stream, 0, 0, 0, size(4, big-endian)]` then `size`
    bytes) decoded as it arrives: `feed()` returns the stdout bytes of what is complete; stderr
    is kept (bounded) for the error message. Holds at most one frame header and the part of a
    frame not returned yet."""

    def __init__(self):
        self._buffer = bytearray()
        self._left = 0           # bytes of the current frame still to come
        self._stream = STDOUT
        self.stderr = bytearray()

    def feed(self, data: bytes) -> bytes:
        self._buffer += data
        out = bytearray()
        while self._buffer:
            if self._left == 0:
                if len(self._buffer) < HEADER:
                    break
                stream, size = self._buffer[0], struct.unpack(">I", self._buffer[4:8])[0]
                if stream not in (0, STDOUT, STDERR) or any(self._buffer[1:4]) or size > MAX_FRAME:
                    raise FrameError(f"not a Docker stream frame: {bytes(self._buffer[:8])!r}")
                del self._buffer[:HEADER]
                self._stream, self._left = stream, size
                continue
            take = bytes(self._buffer[:self._left])
            del self._buffer[:len(take)]
            self._left -= len(take)
            if self._stream == STDERR:
                self.stderr += take[:max(0, MAX_STDERR - len(self.stderr))]
            else:
                out += take
        return bytes(out)

    @property
    def clean(self) -> bool:
        """At a frame boundary with nothing held (an end of stream here loses nothing)."""
        return not self._buffer and self._left == 0


def frame(data: bytes, stream: int = STDOUT) -> bytes:
    """One frame (what the engine sends; the tests' fake engines use it)."""
    return bytes([stream, 0, 0, 0]) + struct.pack(">I", len(data)) + data
