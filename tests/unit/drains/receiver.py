"""Receivers on 127.0.0.1 for the drain tests: an HTTP server that records each request's
raw bytes (and answers with the statuses it is told), and a TCP server that records bytes."""

from __future__ import annotations

import socket
import threading
import time


class Recorder:
    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.data: list[bytes] = []
        self._stop = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        self.sock.settimeout(0.2)
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self.serve, args=(conn,), daemon=True).start()

    def serve(self, conn):
        raise NotImplementedError

    def close(self):
        self._stop.set()
        self.sock.close()

    def wait(self, count: int, timeout: float = 10.0) -> list[bytes]:
        deadline = time.monotonic() + timeout
        while len(self.data) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return list(self.data)


class HttpReceiver(Recorder):
    """Records every request whole (head and body, as sent); answers `statuses` in turn, then 200."""

    def __init__(self, statuses=()):
        self.statuses = list(statuses)
        super().__init__()

    def serve(self, conn):
        conn.settimeout(30)
        try:
            self._requests(conn)
        except OSError:
            pass   # the drain closed its kept-alive connection, or went quiet
        finally:
            conn.close()

    def _requests(self, conn):
        buffer = b""
        while True:
            while b"\r\n\r\n" not in buffer:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                buffer += chunk
            head, _, rest = buffer.partition(b"\r\n\r\n")
            length = int(next(l.split(b":", 1)[1] for l in head.split(b"\r\n")
                              if l.lower().startswith(b"content-length:")))
            while len(rest) < length:
                rest += conn.recv(65536)
            self.data.append(head + b"\r\n\r\n" + rest[:length])
            buffer = rest[length:]
            status = self.statuses.pop(0) if self.statuses else 200
            conn.sendall(b"HTTP/1.1 %d X\r\nContent-Length: 0\r\n\r\n" % status)




class TcpReceiver(Recorder):
    def serve(self, conn):
        with conn:
            while True:
                try:
                    chunk = conn.recv(65536)
                except OSError:
                    return
                if not chunk:
                    return
                self.data.append(chunk)

    def received(self) -> bytes:
        return b"".join(self.data)
