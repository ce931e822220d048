"""The app's log under load: many writer threads and processes, trims racing them, and a
reader that must see every line exactly once (issue 19, point 2: a trim by one process made
another's writer die with EBADF and its lines stop for good)."""

import multiprocessing
import os
import re
import threading
import time

from herosim.platform.logplex import Logplex

KEEP = 1000
LINES = 1000
PAD = "x" * 160
LINE_RE = re.compile(r"w(\d+) n(\d+) ")


def _write(path, writer: int, plex: Logplex | None = None) -> None:
    # The writers yield to the reader: a reader starved for longer than KEEP lines take to write
    # loses lines to a trim (as a slow `logs --tail` does), which is not what this test is about.
    os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
    plex = plex or Logplex(path, keep=KEEP)
    for i in range(LINES):
        plex.emit("app", f"web.{writer}", f"w{writer} n{i} {PAD}")


def _process_writer(path, writer: int, failures) -> None:
    try:
        _write(path, writer)
    except BaseException as exc:  # noqa: BLE001 - reported to the parent
        failures.put(f"w{writer}: {exc!r}")
        raise


def _follow(path, done, out, expected: int) -> None:
    """Every line the log shows, until all were seen (or, some never coming, `done`)."""
    seen = []
    for line in Logplex(path, keep=KEEP).follow(stop=done.is_set, poll=0.002):
        seen.append(line.message[:40])
        if len(seen) >= expected:
            break
    out.put(seen)


def test_many_writers_and_trims_lose_no_line(tmp_path):
    path = tmp_path / "logplex.log"
    ctx = multiprocessing.get_context("fork")
    failures, results, done = ctx.Queue(), ctx.Queue(), ctx.Event()
    path.touch()
    reader = ctx.Process(target=_follow, args=(path, done, results, 8 * LINES))
    reader.start()
    time.sleep(0.3)  # the reader is at the end of the (empty) log

    processes = [ctx.Process(target=_process_writer, args=(path, n, failures)) for n in range(4)]
    shared = Logplex(path, keep=KEEP)
    errors = []

    def thread_writer(n, plex=None):
        try:
            _write(path, n, plex)
        except BaseException as exc:  # noqa: BLE001
            errors.append(f"w{n}: {exc!r}")

    threads = [threading.Thread(target=thread_writer, args=(n, shared if n < 6 else None)) for n in range(4, 8)]
    for worker in [*processes, *threads]:
        worker.start()
    for worker in [*processes, *threads]:
        worker.join(120)
    while not failures.empty():
        errors.append(failures.get())
    gave_up = threading.Timer(60, done.set)   # the reader catches up (on a busy machine too), or lines are lost
    gave_up.start()
    seen = results.get(timeout=90)
    gave_up.cancel()
    reader.join(30)

    assert errors == []
    assert [p.exitcode for p in processes] == [0, 0, 0, 0]
    counted = {}
    for message in seen:
        match = LINE_RE.match(message)
        assert match, message
        key = (int(match[1]), int(match[2]))
        counted[key] = counted.get(key, 0) + 1
    missing = [(w, i) for w in range(8) for i in range(LINES) if (w, i) not in counted]
    assert missing == [], f"{len(missing)} lines never reached the log, e.g. {missing[:5]}"
    assert [k for k, n in counted.items() if n > 1] == []
    assert len(seen) == 8 * LINES

    # What the file keeps is whole lines, and for each writer the newest of its lines, with no gap.
    kept = Logplex(path, keep=KEEP).tail(10 * KEEP)
    assert KEEP <= len(kept) <= 2 * KEEP
    by_writer: dict[int, list[int]] = {}
    for line in kept:
        match = LINE_RE.match(line.message)
        assert match and line.message.endswith(PAD), line.message[:80]
        by_writer.setdefault(int(match[1]), []).append(int(match[2]))
    for numbers in by_writer.values():
        assert numbers == list(range(numbers[0], LINES))
