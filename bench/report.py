"""bench_router's tables (printing only)."""

from __future__ import annotations

NAMES = {"direct": "direct (the dyno)", "router": "router HTTP", "router_tls": "router HTTPS",
         "nginx": "nginx HTTP", "nginx_tls": "nginx HTTPS"}


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}" if b else "n/a"


def print_hello(case: dict, args) -> None:
    many, one = case["many"], case["one"]
    print(f"hello GET / (near-free handler), {args.connections} keep-alive clients, {args.seconds} s per run, "
          f"median of 2 runs; nginx worker_processes {args.nginx_workers}")
    print(f"{'':20} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'proxy CPU us/req':>17} {'errors':>7} "
          f"{'1 client p50 ms':>16}")
    for name, label in NAMES.items():
        m, o = many[name], one[name]
        cpu = f"{m.cpu_us:.0f}" if m.cpu_us else "-"
        print(f"{label:20} {m.rps:8.0f} {m.p50:8.2f} {m.p99:8.2f} {cpu:>17} {m.errors + m.non2xx:7.0f} {o.p50:16.3f}")
    d = many["direct"]
    for proto, r, n in (("HTTP", "router", "nginx"), ("HTTPS", "router_tls", "nginx_tls")):
        print(f"{proto:5}: router/nginx req/s {_ratio(many[r].rps, many[n].rps)}, "
              f"router/direct req/s {_ratio(many[r].rps, d.rps)}, nginx/direct req/s {_ratio(many[n].rps, d.rps)}, "
              f"router/nginx CPU per request {_ratio(many[r].cpu_us, many[n].cpu_us)}, "
              f"p50 added at 1 client: router {one[r].p50 - one['direct'].p50:+.3f} ms, "
              f"nginx {one[n].p50 - one['direct'].p50:+.3f} ms")


def print_first(first: dict, count: int) -> None:
    print(f"first request on a new connection (connect [+ TLS handshake] + GET, {count} sequential, taking turns): "
          "median / p90 ms")
    for name, label in NAMES.items():
        f = first[name]
        print(f"  {label:20} {f.p50:7.2f} / {f.p90:6.2f}  {f.protocol}")
    for proto, r, n in (("HTTP", "router", "nginx"), ("HTTPS", "router_tls", "nginx_tls")):
        print(f"  {proto:5} router/nginx {_ratio(first[r].p50, first[n].p50)}")
    print(f"  TLS's part (HTTPS - HTTP median): router {first['router_tls'].p50 - first['router'].p50:+.2f} ms, "
          f"nginx {first['nginx_tls'].p50 - first['nginx'].p50:+.2f} ms")


def print_microblog(many: dict) -> None:
    d, t = many["direct"], many["router"]
    print("microblog GET /posts (Postgres), keep-alive clients as above")
    print(f"  direct {d.rps:.0f} req/s p50 {d.p50:.2f} ms p99 {d.p99:.1f} ms; router {t.rps:.0f} req/s "
          f"p50 {t.p50:.2f} ms p99 {t.p99:.1f} ms (router CPU {t.cpu_us:.0f} us/req); "
          f"router/direct req/s {_ratio(t.rps, d.rps)}, added p50 {t.p50 - d.p50:+.2f} ms")


def print_log(log: dict) -> None:
    alive = ", ".join(f"after {part}: {'writing' if ok else 'STOPPED'}" for part, ok in log["alive"].items())
    print(f"router's log thread ({alive}); one router line costs it {log['line_cpu_us']:.0f} us CPU "
          "(in-process, as it makes and appends them)")
    if not all(log["alive"].values()):
        print("  it stopped: from then on the router wrote no log line, so its figures lack "
              f"~{log['line_cpu_us']:.0f} us per request that nginx's access log does pay")
    for failure in log["failures"]:
        print(f"  a thread died (the dyno manager's log): {failure}")
