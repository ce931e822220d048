import datetime as dt

from herosim.platform import logline
from herosim.platform.logline import LogLine

WHEN = dt.datetime(2022, 3, 12, 22, 17, 50, 145329, tzinfo=dt.timezone.utc)


def test_renders_herokus_format():
    line = LogLine(WHEN, "heroku", "web.1", "State changed from starting to up")
    assert line.render() == "2022-03-12T22:17:50.145329+00:00 heroku[web.1]: State changed from starting to up"


def test_parse_round_trips():
    text = "2022-03-12T22:17:50.145329+00:00 app[worker.3]: hello: world [x]"
    parsed = logline.parse(text)
    assert parsed == LogLine(WHEN, "app", "worker.3", "hello: world [x]")
    assert parsed.render() == text
    assert parsed.process_type == "worker"
    assert logline.parse("not a log line") is None


def test_docker_timestamps_keep_microseconds():
    assert logline.parse_docker_timestamp("2022-03-12T22:17:50.145329871Z") == WHEN
    assert logline.parse_docker_timestamp("2022-03-12T22:17:50Z") == WHEN.replace(microsecond=0)


def test_long_lines_split_in_10000_byte_chunks_without_breaking_characters():
    assert [len(c) for c in logline.chunks("a" * 25000)] == [10000, 10000, 5000]
    pieces = logline.chunks("é" * 6000)  # 2 bytes each
    assert [len(p.encode()) for p in pieces] == [10000, 2000]
    assert "".join(pieces) == "é" * 6000


def test_filters_match_heroku_logs_flags():
    line = LogLine(WHEN, "app", "web.2", "x")
    assert logline.matches(line, source="app", process_type="web")
    assert not logline.matches(line, source="heroku")
    assert not logline.matches(line, dyno="web.1")
    assert logline.matches(line, dyno="web.2")
