"""Metrics rollups on a fake clock: Heroku's windows at their resolutions, bounded rings,
percentiles from merged histograms, events on the timeline."""

import datetime as dt

from herosim.metrics import events, histogram, view
from herosim.metrics.collector import Collector, load
from herosim.metrics.rollup import TIERS, Rollups
from herosim.platform.logline import LogLine

T0 = 1_800_000_000.0  # a whole multiple of 2 h: buckets start on it


def line(t: float, source: str, dyno: str, message: str) -> LogLine:
    return LogLine(dt.datetime.fromtimestamp(t, dt.timezone.utc), source, dyno, message)


def router(t: float, service: int, status: int, code: str = "") -> LogLine:
    head = f'at=error code={code} desc="x"' if code else "at=info"
    return line(t, "heroku", "router", f'{head} method=GET path="/" host=a request_id=r fwd="1.2.3.4" dyno=web.1 '
                                       f"connect=0ms service={service}ms status={status} bytes=10 protocol=http1.1 tls=false")


def test_percentiles_of_a_minute_are_within_the_histograms_error():
    rollups = Rollups()
    for ms in range(1, 1001):   # 1 … 1000 ms, one request each
        events.observe(rollups, router(T0 + ms / 100, ms, 200))
    data = view.build(rollups, "2h", "web", now=T0 + 30)
    point = data["points"][-1]
    rt = point["response_time_ms"]
    assert abs(rt["p50"] - 500) <= 500 * 0.045 and abs(rt["p95"] - 950) <= 950 * 0.045
    assert abs(rt["p99"] - 990) <= 990 * 0.045 and rt["max"] == 1000
    assert point["status"]["2xx"] == 1000 and point["throughput_rpm"]["2xx"] == 1000.0
    assert len(data["points"]) == 120 and data["resolution_s"] == 60


def test_each_window_has_herokus_resolution():
    assert {name: view.window(name, T0).resolution for name in view.WINDOWS} == {
        "2h": 60, "24h": 600, "48h-24h": 600, "72h-48h": 600, "72h": 3600, "7d": 7200}
    assert [(t.resolution, t.count) for t in TIERS] == [(60, 120), (600, 432), (3600, 72), (7200, 84)]


def test_an_h12_counts_as_a_5xx_an_error_and_a_30s_response():
    rollups = Rollups()
    events.observe(rollups, router(T0, 12, 200))
    events.observe(rollups, router(T0 + 1, 30000, 503, code="H12"))
    events.observe(rollups, line(T0 + 2, "heroku", "router", 'at=error code=H10 desc="App crashed" method=GET path="/" '
                                 'host=a request_id=r fwd="x" dyno= connect= service= status=503 bytes= protocol=http1.1 tls=false'))
    summary = view.build(rollups, "2h", "web", now=T0 + 5)["summary"]
    assert summary["status"]["5xx"] == 2 and summary["status"]["2xx"] == 1
    assert summary["errors"] == {"H10": 1, "H12": 1}
    assert summary["response_time_ms"]["max"] == 30000


def test_windows_read_their_own_tier_and_old_data_leaves_the_short_ones():
    rollups = Rollups()
    events.observe(rollups, router(T0, 100, 200))
    later = T0 + 3 * 3600      # 3 hours later: out of the 2 h window, in the 24 h one
    assert view.build(rollups, "2h", "web", now=later)["summary"]["requests"] == 0
    assert view.build(rollups, "24h", "web", now=later)["summary"]["requests"] == 1
    assert view.build(rollups, "48h-24h", "web", now=T0 + 30 * 3600)["summary"]["requests"] == 1
    assert view.build(rollups, "7d", "web", now=T0 + 6 * 86400)["summary"]["requests"] == 1


def test_rings_stay_bounded_whatever_the_time_span():
    rollups = Rollups()
    for minute in range(0, 20 * 24 * 60, 7):   # 20 days of traffic, every 7 minutes
        rollups.request(T0 + minute * 60, 200, 5)
    for tier in TIERS:
        assert len(rollups.buckets(tier.name, "web")) <= tier.count + 1


def test_memory_and_load_are_means_and_maxima_per_process_type():
    rollups = Rollups()
    rollups.memory(T0, "web", 100, 90, 0, 512)
    rollups.memory(T0 + 20, "web", 300, 250, 10, 512)
    rollups.load(T0, "web", 0.5)
    rollups.load(T0 + 20, "web", 1.5)
    rollups.memory(T0, "worker", 50, 50, 0, 1024)
    summary = view.build(rollups, "2h", "web", now=T0 + 30)["summary"]
    assert summary["memory_mb"] == {"total_mean": 200.0, "total_max": 300.0, "rss_mean": 170.0, "swap_mean": 5.0,
                                    "quota": 512.0}
    assert summary["load"] == {"mean": 1.0, "max": 1.5}
    assert view.build(rollups, "2h", "worker", now=T0 + 30)["summary"]["memory_mb"]["quota"] == 1024.0
    assert view.build(rollups, "2h", "web", now=T0)["process_types"] == ["web", "worker"]


def test_events_deploys_config_scaling_restarts_crashes_and_error_codes():
    rollups = Rollups()
    for t, source, dyno, message in [
        (T0, "app", "api", "Deploy 3f2a9c1b by user dev@example.com"),
        (T0, "app", "api", "Release v3 created by user dev@example.com"),
        (T0 + 1, "app", "api", "Set SECRET config vars by user dev@example.com"),
        (T0 + 1, "app", "api", "Release v4 created by user dev@example.com"),
        (T0 + 2, "app", "api", "Scaled to web@2:Basic by user dev@example.com"),
        (T0 + 3, "heroku", "web.1", "Restarting"),
        (T0 + 4, "heroku", "web.2", "State changed from up to crashed"),
        (T0 + 5, "heroku", "worker.1", "Error R14 (Memory quota exceeded)"),
        (T0 + 6, "heroku", "web.1", "State changed from starting to up"),
        (T0 + 7, "app", "web.1", "Error R14 in my own output is not Heroku's"),
    ]:
        events.observe(rollups, line(t, source, dyno, message))
    data = view.build(rollups, "2h", "web", now=T0 + 10)
    assert [(e["kind"], e["text"], e.get("release")) for e in data["events"]] == [
        ("deploy", "Deploy 3f2a9c1b", "v3"), ("config", "Set SECRET config vars", "v4"),
        ("scale", "Scaled to web@2:Basic", None), ("restart", "web.1: Restarting", None),
        ("crash", "web.2 crashed", None)]
    assert view.build(rollups, "2h", "worker", now=T0 + 10)["summary"]["errors"] == {"R14": 1}
    assert data["events"][0]["t"] == view.iso(T0)


def test_the_collector_keeps_its_rollups_on_disk_privately(tmp_path):
    clock = [T0]
    collector = Collector(tmp_path / "metrics.json", clock=lambda: clock[0])
    collector.line(router(T0, 40, 200))
    collector.memory("web", 60, 58, 0, 512)
    collector.flush()
    clock[0] += 1
    collector.line(router(T0 + 1, 40, 404))
    collector.flush()   # within 2 s of the last write: not yet
    rollups, updated = load(tmp_path / "metrics.json")
    assert updated == T0 and view.build(rollups, "2h", "web", now=T0 + 5)["summary"]["requests"] == 1
    collector.flush(force=True)
    rollups, updated = load(tmp_path / "metrics.json")
    assert view.build(rollups, "2h", "web", now=T0 + 5)["summary"]["status"]["4xx"] == 1
    assert (tmp_path / "metrics.json").stat().st_mode & 0o777 == 0o600


def test_a_path_holding_status_fields_cannot_mislead_the_parser():
    from herosim.metrics import routerline
    message = ('at=info method=GET path="/x dyno=web.9 connect=1ms service=9ms status=500 bytes=1" host=a '
               'request_id=r fwd="f" dyno=web.1 connect=0ms service=7ms status=201 bytes=3 protocol=http1.1 tls=false')
    assert routerline.parse(message) == routerline.RouterFigures(201, 7, None)


def test_histogram_bins_merge_and_read_back():
    a, b = {}, {}
    histogram.add(a, 3)
    histogram.add(b, 3000)
    histogram.merge(a, b)
    assert histogram.percentile(a, 0.5) == 3 and abs(histogram.percentile(a, 1.0) - 3000) < 3000 * 0.09
    assert histogram.percentile(a, 1.0, ceiling=3000) == 3000
