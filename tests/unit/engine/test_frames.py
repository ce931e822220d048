"""Docker's multiplexed stream, decoded as it arrives, byte for byte; the relay's command."""

import shutil
import socket
import subprocess
import threading

import pytest

from herosim.engine.frames import FrameError, Frames, frame, relay_command, target_line


def test_frames_split_anywhere_give_the_same_bytes():
    stream = frame(b"HTTP/1.1 200 OK\r\n") + frame(b"oops", stream=2) + frame(b"") + frame(b"body" * 1000)
    expected = b"HTTP/1.1 200 OK\r\n" + b"body" * 1000
    for cut in range(1, 40):
        frames, out = Frames(), b""
        for start in range(0, len(stream), cut):
            out += frames.feed(stream[start:start + cut])
        assert out == expected
        assert frames.stderr == b"oops"
        assert frames.clean


def test_a_partial_frame_is_held_not_lost():
    frames = Frames()
    data = frame(b"abcdef")
    assert frames.feed(data[:5]) == b""
    assert frames.feed(data[5:10]) == b"ab"
    assert not frames.clean
    assert frames.feed(data[10:]) == b"cdef"
    assert frames.clean


def test_what_is_not_a_frame_is_refused():
    with pytest.raises(FrameError):
        Frames().feed(b"HTTP/1.1 500 Internal Server Error\r\n")
    with pytest.raises(FrameError):
        Frames().feed(bytes([1, 0, 0, 0, 0xFF, 0, 0, 0]))   # 4 GB: not Docker's


def test_stderr_kept_is_bounded():
    frames = Frames()
    frames.feed(frame(b"x" * 10000, stream=2) * 3)
    assert len(frames.stderr) == 4096


@pytest.mark.parametrize("ahead", [False, True], ids=["argv", "target-line"])
def test_the_relay_carries_both_ways_and_ends_with_the_target(ahead):
    """The relay itself (perl, as in every stack image), against a server on this machine."""
    if shutil.which("perl") is None:
        pytest.skip("perl is not installed on this machine")
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        got = []

        def serve():
            conn, _ = listener.accept()
            with conn:
                data = b""
                while not data.endswith(b"\n"):
                    data += conn.recv(100)
                got.append(data)
                conn.sendall(data.upper())

        server = threading.Thread(target=serve)
        server.start()
        port = listener.getsockname()[1]
        if ahead:   # started before its target is known: the first line names it
            command, given = relay_command(), target_line("127.0.0.1", port) + b"hello relay\n"
        else:
            command, given = relay_command("127.0.0.1", port), b"hello relay\n"
            assert command[3:] == ["127.0.0.1", str(port)]   # no secret, ever
        result = subprocess.run(command, input=given, capture_output=True, timeout=10)
        server.join()
    assert got == [b"hello relay\n"]
    assert result.stdout == b"HELLO RELAY\n"
    assert result.returncode == 0


def test_the_relay_exits_3_when_nothing_listens():
    if shutil.which("perl") is None:
        pytest.skip("perl is not installed on this machine")
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        port = listener.getsockname()[1]
    assert subprocess.run(relay_command("127.0.0.1", port), capture_output=True, timeout=10).returncode == 3
