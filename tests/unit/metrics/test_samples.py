"""log-runtime-metrics' lines, the cgroup figures they come from, and the load average's damping."""

import math

from herosim.metrics import cgroup, samples
from herosim.metrics.loadavg import LoadAverage


def test_lines_have_herokus_shape():
    figures = cgroup.Figures(rss=34 * 1048576 + 345_000, cache=83_886, swap=0, pgpgin=9, pgpgout=0, runnable=1)
    dyno = samples.dyno_field("6f1c1c8e-3b56-4bb5-9a3b-0d6f0c9d1e2a", "7f9b14bc-1d3b-47f4-91c1-704964b8793f")
    assert dyno.startswith("heroku.") and dyno.endswith(".7f9b14bc-1d3b-47f4-91c1-704964b8793f")
    assert samples.memory_line("web.1", dyno, figures, 512) == (
        f"source=web.1 dyno={dyno} sample#memory_total=34.41MB sample#memory_rss=34.33MB "
        "sample#memory_cache=0.08MB sample#memory_swap=0.00MB sample#memory_pgpgin=9pages "
        "sample#memory_pgpgout=0pages sample#memory_quota=512.00MB")
    assert samples.load_line("web.1", dyno, LoadAverage(2.456, 1.06, 0.994)) == (
        f"source=web.1 dyno={dyno} sample#load_avg_1m=2.46 sample#load_avg_5m=1.06 sample#load_avg_15m=0.99")


def test_load_average_damps_as_the_kernels():
    load = LoadAverage()
    for _ in range(12):            # one minute of one runnable task, sampled every 5 s
        load = load.update(1, 5.0)
    assert math.isclose(load.m1, 1 - math.exp(-1), rel_tol=1e-9)
    assert load.m5 < load.m1 and load.m15 < load.m5
    assert load.update(0, 0) == load


def _tree(tmp_path, v2: bool):
    proc, root = tmp_path / "proc", tmp_path / "sys"
    (proc / "42").mkdir(parents=True)
    for tid, state in (("42", "S"), ("43", "R"), ("44", "R")):
        (proc / tid).mkdir(exist_ok=True)
        (proc / tid / "stat").write_text(f"{tid} (gunicorn: a) b) {state} 1 2 3\n")
    if v2:
        (proc / "42" / "cgroup").write_text("0::/docker/abc\n")
        folder = root / "docker" / "abc"
        folder.mkdir(parents=True)
        (folder / "memory.stat").write_text("anon 1048576\nfile 2097152\npgfault 7\n")
        (folder / "memory.swap.current").write_text("4096\n")
        (folder / "cgroup.threads").write_text("42\n43\n44\n")
    else:
        (proc / "42" / "cgroup").write_text("8:pids:/docker/abc\n4:memory:/docker/abc\n0::/docker/abc\n")
        (root / "memory" / "docker" / "abc").mkdir(parents=True)
        (root / "memory" / "docker" / "abc" / "memory.stat").write_text(
            "cache 10\nrss 20\ntotal_cache 2097152\ntotal_rss 1048576\ntotal_swap 4096\n"
            "total_pgpgin 348836\ntotal_pgpgout 343403\n")
        (root / "pids" / "docker" / "abc").mkdir(parents=True)
        (root / "pids" / "docker" / "abc" / "tasks").write_text("42\n43\n44\n")
    return proc, root


def test_cgroup_v1_gives_herokus_own_figures(tmp_path):
    proc, root = _tree(tmp_path, v2=False)
    assert cgroup.read(42, root=root, proc=proc) == cgroup.Figures(1048576, 2097152, 4096, 348836, 343403, 2)


def test_cgroup_v2_has_no_page_counters(tmp_path):
    proc, root = _tree(tmp_path, v2=True)
    assert cgroup.read(42, root=root, proc=proc) == cgroup.Figures(1048576, 2097152, 4096, 0, 0, 2)


def test_a_vanished_process_reads_nothing(tmp_path):
    assert cgroup.read(99, root=tmp_path, proc=tmp_path) is None
