"""Logplex's framing, byte for byte, on Heroku's own examples."""

import datetime as dt

from herosim.drains import frames
from herosim.drains.buffer import MessageBuffer
from herosim.platform.logline import LogLine

WHEN = dt.datetime(2012, 11, 30, 6, 45, 29, 123456, tzinfo=dt.timezone.utc)


def test_http_frame_is_octet_counted_rfc5424_without_structured_data():
    # a frame as Heroku's drains deliver it (quoted by drain receivers' tests), count and all
    when = dt.datetime(2016, 10, 15, 8, 59, 8, 723822, tzinfo=dt.timezone.utc)
    line = LogLine(when, "heroku", "web.1", "State changed from up to down")
    assert frames.frame(frames.http_message(line)) == (
        b"89 <45>1 2016-10-15T08:59:08.723822+00:00 host heroku web.1 - State changed from up to down\n")


def test_the_count_includes_the_newline_as_in_herokus_example():
    # Dev Center's "83 <40>1 2012-11-30T06:45:29+00:00 host app web.3 - State changed from starting to up"
    message = b"<40>1 2012-11-30T06:45:29+00:00 host app web.3 - State changed from starting to up\n"
    assert frames.frame(message).startswith(b"83 <40>1 ")


def test_priorities_of_app_router_platform_and_sample_lines():
    assert frames.priority(LogLine(WHEN, "app", "web.1", "hi")) == 190
    assert frames.priority(LogLine(WHEN, "app", "api", "Deploy 1 by user a")) == 190
    assert frames.priority(LogLine(WHEN, "heroku", "router", "at=info")) == 134
    assert frames.priority(LogLine(WHEN, "heroku", "web.1", "source=web.1 dyno=heroku.1.x sample#load_avg_1m=0.00")) == 134
    assert frames.priority(LogLine(WHEN, "heroku", "web.1", "Starting process")) == 45


def test_syslog_frame_puts_the_token_in_the_hostname_and_nil_msgid_and_sd():
    line = LogLine(WHEN, "app", "web.1", "héllo")
    message = "<190>1 2012-11-30T06:45:29.123456+00:00 d.abc app web.1 - - héllo\n".encode()
    assert frames.frame(frames.syslog_message(line, "d.abc")) == b"%d " % len(message) + message


def test_overflow_frames_are_logplex_l10():
    since = dt.datetime(2024, 1, 2, 3, 4, 5, 999, tzinfo=dt.timezone.utc)
    now = since + dt.timedelta(seconds=7)
    text = b"<172>1 2024-01-02T03:04:12+00:00 host heroku logplex - Error L10 (output buffer overflow): " \
           b"3 messages dropped since 2024-01-02T03:04:05+00:00."
    assert frames.http_overflow(3, since, now) == b"%d %s" % (len(text), text)
    tls = frames.syslog_overflow(3, since, now, "d.t")
    assert tls.endswith(b" d.t heroku logplex - - Error L10 (output buffer overflow): 3 messages dropped since "
                        b"2024-01-02T03:04:05+00:00.\n")


def test_buffer_drops_the_oldest_and_counts_from_the_first_loss():
    clock = iter([WHEN, WHEN + dt.timedelta(seconds=1)])
    buffer = MessageBuffer(size=3, clock=lambda: next(clock))
    for i in range(5):
        buffer.push(b"m%d" % i)
    batch = buffer.take(1000)
    assert batch.frames == (b"m2", b"m3", b"m4")
    assert (batch.lost, batch.lost_since) == (2, WHEN)
    assert buffer.take(1000).lost == 0


def test_buffer_batches_up_to_the_target_bytes_and_at_least_one_frame():
    buffer = MessageBuffer()
    for size in (40, 40, 40):
        buffer.push(b"x" * size)
    assert buffer.take(100).count == 2
    buffer.push(b"y" * 500)
    assert buffer.take(100).count == 1   # the 40 left
    assert buffer.take(100).frames == (b"y" * 500,)  # too big for a batch alone: sent alone


def test_buffer_shrinks_to_ten_dropping_the_oldest():
    buffer = MessageBuffer()
    for i in range(30):
        buffer.push(b"%d" % i)
    buffer.resize(10)
    batch = buffer.take(10_000)
    assert batch.frames[0] == b"20" and batch.count == 10 and batch.lost == 20
