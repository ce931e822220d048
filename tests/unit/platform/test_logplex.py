import datetime as dt
import threading

from herosim.platform.logplex import Logplex

T0 = dt.datetime(2026, 11, 28, 4, 38, 58, 998605, tzinfo=dt.timezone.utc)


def clock():
    return T0


def test_emit_and_tail(tmp_path):
    plex = Logplex(tmp_path / "log", clock=clock)
    plex.platform("web.1", "State changed from starting to up")
    plex.emit("app", "web.1", "line one\nline two")
    lines = [l.render() for l in plex.tail(100)]
    assert lines == [
        "2026-11-28T04:38:58.998605+00:00 heroku[web.1]: State changed from starting to up",
        "2026-11-28T04:38:58.998605+00:00 app[web.1]: line one",
        "2026-11-28T04:38:58.998605+00:00 app[web.1]: line two",
    ]
    assert [l.message for l in plex.tail(1)] == ["line two"]
    assert [l.source for l in plex.tail(10, lambda l: l.source == "heroku")] == ["heroku"]


def test_keeps_only_the_last_1500_lines(tmp_path):
    plex = Logplex(tmp_path / "log", keep=1500, clock=clock)
    for i in range(4000):
        plex.emit("app", "web.1", f"line {i} " + "x" * 150)
    kept = plex.tail(5000)
    assert len(kept) <= 3000
    assert kept[-1].message.startswith("line 3999 ")
    assert len(plex.tail(1500)) == 1500


def test_follow_sees_new_lines_across_a_trim(tmp_path):
    plex = Logplex(tmp_path / "log", keep=10, clock=clock)
    plex.emit("app", "web.1", "before")
    seen, done = [], threading.Event()

    def reader():
        for line in plex.follow(stop=done.is_set, poll=0.01):
            seen.append(line.message)
            if line.message == "last":
                done.set()

    thread = threading.Thread(target=reader)
    thread.start()
    import time
    time.sleep(0.1)
    for i in range(300):
        plex.emit("app", "web.1", f"n{i} " + "y" * 100)
    plex.emit("app", "web.1", "last")
    thread.join(timeout=5)
    assert "before" not in seen
    assert seen[-1] == "last"
    assert seen == sorted(set(seen), key=seen.index)  # no duplicates
