"""What Heroku's Metrics tab shows, built from what herosim already knows: router lines
(service time, status, H-codes), dyno memory and load from the containers' cgroups, R- and
L-codes, and releases, restarts, config changes and scaling as events.

`cgroup` and `loadavg` read and damp the dynos' figures; `samples` is log-runtime-metrics'
line; `routerline` and `events` turn log lines into observations; `rollup` keeps them at
Heroku's resolutions for its windows (pure, on an injected clock); `collector` runs in the
dyno manager and keeps them on disk; `view` is what `herosim metrics --json` and the
dashboard show."""
