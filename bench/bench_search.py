"""The lite search engine's numbers, in its sidecar container (issue: search).

  python bench/bench_search.py

ready   container start to green /_cluster/health
rss     resident memory of the engine after the bulk load and the searches
bulk    _bulk of 10,000 short documents (one request, refresh at the end)
search  p50/p99 of 1,000 two-word multi_match queries (title^2, body), one keep-alive client
"""

from __future__ import annotations

import http.client
import json
import random
import statistics
import time
import uuid

import docker

# A Zipf-distributed vocabulary of 5,000 made-up words: a few very common, most rare,
# as in real text (a 20-word vocabulary would make every query match most documents).
VOCABULARY = [f"w{i}" for i in range(5000)]
WEIGHTS = [1 / (rank + 1) for rank in range(len(VOCABULARY))]


def request(conn, method, path, body=None, ndjson=False):
    data = body if isinstance(body, (bytes, str)) or body is None else json.dumps(body)
    headers = {"Content-Type": "application/x-ndjson" if ndjson else "application/json"}
    conn.request(method, path, body=data, headers=headers)
    response = conn.getresponse()
    return response.status, json.loads(response.read() or b"null")


def main():
    client = docker.from_env()
    name = f"bench-search-{uuid.uuid4().hex[:6]}"
    started = time.perf_counter()
    container = client.containers.run("herosim/search-lite:trixie", detach=True, name=name,
                                      ports={"9200/tcp": ("127.0.0.1", None)}, labels={"io.herosim.app": name})
    try:
        container.reload()
        port = int(container.attrs["NetworkSettings"]["Ports"]["9200/tcp"][0]["HostPort"])
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                status, body = request(conn, "GET", "/_cluster/health")
                if status == 200 and body["status"] == "green":
                    break
            except (OSError, http.client.HTTPException, ValueError):
                time.sleep(0.01)
        ready = time.perf_counter() - started
        rng = random.Random(7)
        lines = []
        for i in range(10_000):
            lines.append(json.dumps({"index": {"_index": "posts", "_id": str(i)}}))
            lines.append(json.dumps({"title": " ".join(rng.choices(VOCABULARY, WEIGHTS, k=6)),
                                     "body": " ".join(rng.choices(VOCABULARY, WEIGHTS, k=40)), "n": i}))
        t0 = time.perf_counter()
        status, result = request(conn, "POST", "/_bulk?refresh=true", "\n".join(lines) + "\n", ndjson=True)
        bulk = time.perf_counter() - t0
        assert status == 200 and not result["errors"]
        mixes = {}
        for mix, weights in (("words drawn like the text (common words too)", WEIGHTS),
                             ("words drawn uniformly (content words)", None)):
            latencies = []
            for _ in range(1000):
                query = {"query": {"multi_match": {"query": " ".join(rng.choices(VOCABULARY, weights, k=2)),
                                                   "fields": ["title^2", "body"]}}, "size": 10}
                t0 = time.perf_counter()
                status, _ = request(conn, "POST", "/posts/_search", query)
                latencies.append((time.perf_counter() - t0) * 1000)
                assert status == 200
            latencies.sort()
            mixes[mix] = (statistics.median(latencies), latencies[int(len(latencies) * 0.99)])
        rss_kb = int(next(line.split()[1] for line in container.exec_run(["cat", "/proc/1/status"]).output.decode()
                          .splitlines() if line.startswith("VmRSS:")))
        print(f"ready {ready * 1000:.0f} ms | rss {rss_kb / 1024:.0f} MB | bulk 10,000 docs {bulk:.2f} s "
              f"({10_000 / bulk:.0f} docs/s)")
        for mix, (p50, p99) in mixes.items():
            print(f"search, {mix}: p50 {p50:.2f} ms, p99 {p99:.2f} ms")
    finally:
        container.remove(force=True, v=True)


if __name__ == "__main__":
    main()
