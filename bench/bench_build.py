"""The slug compiler against a hand-written multi-stage Dockerfile, in one run (issue: builds).

  python bench/bench_build.py [--repeat 3]

Same app (the bundled microblog), same base images, pip on both sides (herosim runs it as
the buildpack does, with no download cache), layer cache on for both:
  cold        no cache at all
  code-only   a change to app.py
  dependency  one more line in requirements.txt
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from common import git_copy, hand_build, herosim, median, setup, timer, touch_code  # noqa: E402

LABEL = "io.herosim.app"


def add_dependency(path, line):
    with open(path / "requirements.txt", "a") as handle:
        handle.write(line + "\n")
    subprocess.run(["git", "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-qam", "dep"], cwd=path, check=True)


def main():
    args, work, client, tag = setup(3)
    hand_path, ours_path = git_copy("microblog", work / "hand"), git_copy("microblog", work / "ours")
    ca = os.environ.get("PIP_CERT", "/etc/ssl/certs/ca-certificates.crt")
    shutil.copy(ca, hand_path / "ca.pem")
    app, image = f"bench-build-{tag}", f"bench-hand-{tag}:latest"
    herosim("stack", "build")
    r = {}
    try:
        with timer() as t:
            hand_build(hand_path, image, no_cache=True)
        r["cold_hand"] = t["seconds"]
        cold_volume = f"bench-cold-cache-{tag}"
        with timer() as t:  # nothing cached at all: no layers, an empty tool cache
            herosim("build", ours_path, "-a", app, "--no-cache", env={"HEROSIM_CACHE_VOLUME": cold_volume})
        r["cold_herosim"] = t["seconds"]
        client.volumes.get(cold_volume).remove(force=True)
        code_hand, code_ours, dep_hand, dep_ours = [], [], [], []
        for i in range(args.repeat):
            touch_code(hand_path, f"h{i}")
            touch_code(ours_path, f"o{i}")
            with timer() as t:
                hand_build(hand_path, image)
            code_hand.append(t["seconds"])
            with timer() as t:
                herosim("build", ours_path, "-a", app)
            code_ours.append(t["seconds"])
        for _i, extra in enumerate(["python-dateutil==2.9.0.post0", "six==1.17.0", "idna==3.10"][:args.repeat]):
            add_dependency(hand_path, extra)
            add_dependency(ours_path, extra)
            with timer() as t:
                hand_build(hand_path, image)
            dep_hand.append(t["seconds"])
            with timer() as t:
                herosim("build", ours_path, "-a", app)
            dep_ours.append(t["seconds"])
        r.update(code_hand=median(code_hand), code_herosim=median(code_ours), dep_hand=median(dep_hand),
                 dep_herosim=median(dep_ours))
    finally:
        herosim("destroy", "-a", app, "--confirm", app, check=False)
        for image_ in client.images.list(filters={"label": f"{LABEL}={image.split(':')[0]}"}):
            client.images.remove(image_.id, force=True)
        shutil.rmtree(work, ignore_errors=True)
    print(f"{'build':40} {'by hand':>9} {'herosim':>9} {'ratio':>6}")
    for label, a, b in (("cold (no layer cache)", "cold_hand", "cold_herosim"),
                        ("code-only change", "code_hand", "code_herosim"),
                        ("one more dependency", "dep_hand", "dep_herosim")):
        print(f"{label:40} {r[a]:8.2f}s {r[b]:8.2f}s {r[b] / r[a]:6.2f}")
    print(f"dependency change vs herosim's own cold build: {r['dep_herosim'] / r['cold_herosim']:.2f}")
    print(json.dumps(r))


if __name__ == "__main__":
    main()
