"""`git push heroku main` against `herosim up -d`, for the same code-only change, in one run.

  python bench/bench_push.py [--repeat 3]

One app made as the tutorials make it (apps:create in the microblog's repository, the
`heroku` remote), warmed by a first push. Each round changes app.py twice: once committed
and pushed, once left in the working tree and deployed with `herosim up -d` (the app the
remote names); each is timed from the command's start to the first 200 that shows the change.
"""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request

from common import git_copy, herosim, median, setup, sh

GIT = ["git", "-c", "user.name=bench", "-c", "user.email=bench@localhost"]


def first_200_with(url: str, marker: str, start: float, timeout: float = 300) -> float:
    while time.perf_counter() - start < timeout:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200 and marker in response.read().decode():
                    return time.perf_counter() - start
        except OSError:
            pass
        time.sleep(0.02)
    raise SystemExit(f"{url} never showed {marker}")


def change(path, original: str, marker: str) -> None:
    """app.py as it was, with `marker` in the answer of GET /."""
    (path / "app.py").write_text(original.replace('return jsonify(app="microblog",',
                                                  f'return jsonify(app="microblog", marker="{marker}",'))


def here(path, *args) -> subprocess.CompletedProcess:
    """herosim run in the app's repository (the `heroku` remote names the app)."""
    result = subprocess.run([sys.executable, "-m", "herosim", *args], cwd=path, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"herosim {' '.join(args)} failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
    return result


def main() -> None:
    args, work, client, tag = setup(repeat_default=3)
    path = git_copy("microblog", work)
    subprocess.run(GIT + ["branch", "-m", "main"], cwd=path, check=True)
    name = f"bench-push-{tag}"
    try:
        here(path, "apps:create", name)
        url = here(path, "apps:info", "--shell").stdout.split("web_url=")[1].split()[0]
        here(path, "addons:create", "heroku-postgresql:essential-0")   # `up` would provision it by itself
        sh("git", "push", "heroku", "main", cwd=path)      # the first build, not measured
        original = (path / "app.py").read_text()
        pushes, ups = [], []
        for round_ in range(args.repeat):
            change(path, original, f"push-{round_}")
            subprocess.run(GIT + ["commit", "-qam", f"push {round_}"], cwd=path, check=True)
            start = time.perf_counter()
            sh("git", "push", "heroku", "main", cwd=path)
            pushes.append(first_200_with(url, f"push-{round_}", start))
            change(path, original, f"up-{round_}")          # in the working tree only: what `up` builds
            start = time.perf_counter()
            here(path, "up", "-d")
            ups.append(first_200_with(url, f"up-{round_}", start))
            subprocess.run(GIT + ["checkout", "-q", "--", "app.py"], cwd=path, check=True)
        print(f"{'code-only change':<22}{'median s':>10}")
        print(f"{'git push heroku main':<22}{median(pushes):>10.1f}")
        print(f"{'herosim up -d':<22}{median(ups):>10.1f}")
        print(f"{'push / up':<22}{median(pushes) / median(ups):>10.2f}")
    finally:
        herosim("destroy", "-a", name, "--confirm", name, check=False)


if __name__ == "__main__":
    sys.exit(main())
