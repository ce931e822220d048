"""log-runtime-metrics' two lines per dyno, as Heroku writes them under `heroku[web.1]`
(Dev Center: log-runtime-metrics; `memory_quota` as current dynos add it):

    source=web.1 dyno=heroku.2808254.d97d0ea7-… sample#load_avg_1m=2.46 sample#load_avg_5m=1.06 sample#load_avg_15m=0.99
    source=web.1 dyno=heroku.2808254.d97d0ea7-… sample#memory_total=21.00MB sample#memory_rss=21.22MB …

`memory_total` is RSS + cache + swap, in MB (2^20 bytes) with two decimals."""

from __future__ import annotations

import uuid

from herosim.metrics.cgroup import Figures
from herosim.metrics.loadavg import LoadAverage
from herosim.platform.metadata import LOG_RUNTIME_METRICS as FEATURE  # noqa: F401 - the labs feature

INTERVAL = 20.0  # seconds: "at an approximate frequency of once every 20 seconds"
MB = 1024 * 1024


def app_number(app_id: str) -> int:
    """Heroku's dyno field carries the app's numeric id; herosim's app id is a UUID, so this is
    a stable number made from it."""
    try:
        return uuid.UUID(app_id).int % 1_000_000_000
    except ValueError:
        return 0


def dyno_field(app_id: str, dyno_uuid: str) -> str:
    return f"heroku.{app_number(app_id)}.{dyno_uuid}"


def load_line(source: str, dyno: str, load: LoadAverage) -> str:
    return (f"source={source} dyno={dyno} sample#load_avg_1m={load.m1:.2f} sample#load_avg_5m={load.m5:.2f} "
            f"sample#load_avg_15m={load.m15:.2f}")


def memory_line(source: str, dyno: str, figures: Figures, quota_mb: int) -> str:
    total = figures.rss + figures.cache + figures.swap
    return (f"source={source} dyno={dyno} sample#memory_total={total / MB:.2f}MB "
            f"sample#memory_rss={figures.rss / MB:.2f}MB "
            f"sample#memory_cache={figures.cache / MB:.2f}MB sample#memory_swap={figures.swap / MB:.2f}MB "
            f"sample#memory_pgpgin={figures.pgpgin}pages sample#memory_pgpgout={figures.pgpgout}pages "
            f"sample#memory_quota={quota_mb:.2f}MB")
