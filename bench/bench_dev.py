"""The edit-reload loop and per-worker databases, in one run (issue: the fast loop).

  python bench/bench_dev.py [--repeat 5]

save -> 200   a saved edit of app.py until the first 200 that carries the new code, median:
              `heroku local` as its users run it (`herosim local -f Procfile.dev`: honcho on this
              machine, `gunicorn --reload`, the bench's own Python), `herosim dev` with
              Heroku's restart (`web: gunicorn app:app`), `herosim dev` when the web command
              reloads by itself (`gunicorn --reload`: a file sync, no restart), and `herosim up`
              of the same change (a commit, the code-only build, a release, the restart)
clone         the plugin's copy of a migrated database (`CREATE DATABASE … TEMPLATE`, through
              the add-on's container as the plugin does it) against the full migration it
              spares (Django's `manage.py migrate` of the Getting Started app in a one-off dyno,
              on an emptied database), median of the repeats
Needs gunicorn and Flask in the Python that runs it (the host side of `heroku local`).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from common import free_port, git_copy, herosim, median, setup, sh


def version_at(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return json.loads(answer.read()).get("version") if answer.status == 200 else None
    except (OSError, ValueError):
        return None


def until_version(url: str, version: str, timeout: float = 180) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if version_at(url) == version:
            return time.perf_counter() - started
        time.sleep(0.02)
    raise SystemExit(f"{url} never served version {version}")


def edit(path: Path, version: str) -> None:
    app = path / "app.py"
    text = app.read_text()
    start = text.index('VERSION = "') + len('VERSION = "')
    app.write_text(text[:start] + version + text[text.index('"', start):])


def save_to_200(path: Path, url: str, tag: str, repeat: int, pause: float, before=None) -> list[float]:
    samples = []
    for index in range(repeat):
        time.sleep(pause)   # a developer reads the page before the next save (a reloader settles too)
        version = f"{tag}{index}"
        started = time.perf_counter()
        edit(path, version)
        if before is not None:
            before(version)
        until_version(url, version)
        samples.append(time.perf_counter() - started)
    return samples


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(120)
    except subprocess.TimeoutExpired:
        process.kill()


def heroku_local(work: Path, repeat: int) -> list[float]:
    path = git_copy("dev_flask", work / "local")
    (path / "Procfile.dev").write_text("web: gunicorn --reload app:app\n")
    port = free_port()
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    process = subprocess.Popen([sys.executable, "-m", "herosim", "local", "-f", "Procfile.dev", "-p", str(port)],
                               cwd=path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        until_version(f"http://127.0.0.1:{port}/", "one", 60)
        return save_to_200(path, f"http://127.0.0.1:{port}/", "local", repeat, 2.0)
    finally:
        stop(process)


def herosim_dev(work: Path, app: str, repeat: int) -> tuple[list[float], list[float], Path, int]:
    path = git_copy("dev_flask", work / "dev")
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    with open(work / "dev.out", "w") as log:   # the child keeps its own copy of the descriptor
        process = subprocess.Popen([sys.executable, "-m", "herosim", "dev", "-a", app, "--port", str(port)],
                                   cwd=path, stdout=log, stderr=subprocess.STDOUT)
    try:
        until_version(url, "one", 900)
        restarts = save_to_200(path, url, "dev", repeat, 2.0)
        (path / "Procfile").write_text("web: gunicorn app:app --reload\n")
        deadline = time.monotonic() + 600
        while "built and released" not in (work / "dev.out").read_text() and time.monotonic() < deadline:
            time.sleep(0.5)
        reloads = save_to_200(path, url, "reload", repeat, 3.0)
    finally:
        stop(process)
    (path / "Procfile").write_text("web: gunicorn app:app\n")
    return restarts, reloads, path, port


def herosim_up(path: Path, app: str, port: int, repeat: int) -> list[float]:
    def push(version: str) -> None:
        sh("git", "-c", "user.name=bench", "-c", "user.email=bench@localhost", "commit", "-qam", version, cwd=path)
        herosim("up", "-d", path, "-a", app, "--port", port)
    sh("git", "-c", "user.name=bench", "-c", "user.email=bench@localhost", "commit", "-qam", "dev", cwd=path)
    herosim("up", "-d", path, "-a", app, "--port", port)
    return save_to_200(path, f"http://127.0.0.1:{port}/", "up", repeat, 0.5, before=push)


def clone_against_migration(work: Path, app: str, repeat: int) -> tuple[list[float], list[float]]:
    from herosim.testing.app import _api
    from herosim.testing.databases import AppDatabases
    path = git_copy("django_getting_started", work / "django")
    herosim("up", "-d", path, "-a", app, "--port", free_port())   # the release phase migrates
    databases = AppDatabases(_api(app))
    databases.make_template()
    clones = [databases.clone(databases.name_for(f"bench{i}")) for i in range(repeat)]
    migrations = []
    for _ in range(repeat):
        herosim("pg:reset", "-a", app, "--confirm", app)
        started = time.perf_counter()
        herosim("run", "-a", app, "--", "./manage.py", "migrate", "--no-input")
        migrations.append(time.perf_counter() - started)
    return clones, migrations


def main() -> None:
    args, work, _, tag = setup(repeat_default=5)
    apps = [f"bench-dev-{tag}", f"bench-pg-{tag}"]
    try:
        local = heroku_local(work, args.repeat)
        restarts, reloads, path, port = herosim_dev(work, apps[0], args.repeat)
        ups = herosim_up(path, apps[0], port, args.repeat)
        clones, migrations = clone_against_migration(work, apps[1], args.repeat)
    finally:
        for app in apps:
            herosim("destroy", "-a", app, "--confirm", app, check=False)
    base = median(local)
    print(f"save -> first 200 with the new code (median of {args.repeat})")
    print(f"{'':50} {'seconds':>8} {'x heroku local':>15}")
    for label, samples in (("heroku local (honcho, gunicorn --reload, host)", local),
                           ("herosim dev, Heroku's restart", restarts),
                           ("herosim dev, gunicorn --reload (file sync)", reloads),
                           ("herosim up (commit, code-only build, release)", ups)):
        print(f"{label:50} {median(samples):8.2f} {median(samples) / base:15.1f}")
    print()
    print(f"per-worker database (median of {args.repeat})")
    print(f"{'template clone (CREATE DATABASE ... TEMPLATE)':50} {median(clones):8.3f}")
    print(f"{'full migration (manage.py migrate, one-off dyno)':50} {median(migrations):8.3f}")
    print(f"{'migration / clone':50} {median(migrations) / median(clones):8.1f}")


if __name__ == "__main__":
    main()
