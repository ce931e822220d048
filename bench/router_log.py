"""The router's log line per request, which nginx's access log matches: is the router's log
thread still writing, and what one line costs it.

The router makes and appends its `heroku[router]` lines on a thread of its own (herosim's
BufferedEmitter); should that thread stop, the router's figures lose that cost, so the bench
says so, and measures the cost here, in-process, as the thread spends it (batches of lines,
as every 50 ms under load)."""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from common import ROOT

BATCH = 20
LINES = 20000


def log_thread_alive(pid: int) -> bool:
    """The router process has its main thread, its event-loop thread and its log thread."""
    try:
        return len(list(Path(f"/proc/{pid}/task").iterdir())) >= 3
    except OSError:
        return False


def thread_failures(home: Path, app: str) -> list[str]:
    """Threads of the dyno manager or its router that died, as the manager's log kept their
    tracebacks (`Exception in thread log-router:` ...): `name: error (where)` each."""
    try:
        text = (home / "apps" / app / "manager.log").read_text(errors="replace")
    except OSError:
        return []
    found = []
    for block in text.split("Exception in thread ")[1:]:
        lines = [line.strip() for line in block.strip().splitlines() if line.strip()]
        name = lines[0].rstrip(":")
        error = next((line for line in lines[1:] if not line.startswith(("File ", "Traceback")) and ":" in line
                      and line.split(":")[0].replace(".", "").isalnum()), lines[-1])
        where = next((line for line in reversed(lines) if line.startswith("File ")), "")
        found.append(f"{name}: {error} ({where})")
    return found


def cost_per_line_us(lines: int = LINES) -> float:
    """CPU microseconds the log thread spends per router line: made from its fields, stamped,
    appended to an app's log file (trims included, as the file grows past its gate)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(1, str(ROOT))   # this checkout's herosim, as `python -m herosim` from its root
    from herosim.platform.logplex import Logplex
    from herosim.runtime.router.lines import router_line
    fields = {"method": "GET", "path": "/", "host": "127.0.0.1:5000", "request_id": "5d2a1c4e-7b0f-4c3e-9a51-0c8f",
              "fwd": "127.0.0.1", "dyno": "web.1", "connect": 0, "service": 3, "status": 200, "bytes_": 46,
              "tls": False}
    with tempfile.TemporaryDirectory(prefix="herosim-bench-log-") as where:
        emitter = Logplex(Path(where) / "logplex.log").buffered("heroku", "router", interval=3600)
        spent = 0.0
        for _ in range(lines // BATCH):
            for _ in range(BATCH):
                emitter.defer(router_line, **fields)
            start = time.thread_time()
            emitter.flush()
            spent += time.thread_time() - start
    return spent * 1e6 / lines
