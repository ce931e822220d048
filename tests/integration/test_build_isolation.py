"""One app's build cannot reach another's (issue 19): an app whose hooks try to write to every
place they can reach, then another app's build, which must run nothing of the first; and links
a hook plants towards a file of this machine are never read through (the slug keeps them as links)."""

import re
import subprocess
import sys

import uv

from tests.support import LABEL_APP, app_name, commit_all, git_app, herosim, transcript

VICTIM_POST_COMPILE = """#!/usr/bin/env bash
uv --version
found=$(for m in $(awk '{print $5}' /proc/self/mountinfo | grep -vE '^/$|^/(proc|sys|dev)(/|$)'); do
	[ -d "$m" ] && grep -rl HOSTILE "$m" 2>/dev/null; done)
echo "hostile files: ${found:-none}"
"""
CANARY = "CANARY_KEY_5e1d"


def locked(path):
    subprocess.run([uv.find_uv_bin(), "lock", "--python", sys.executable], cwd=path, check=True, capture_output=True,
                   timeout=300)
    commit_all(path, "lock")
    return path


def test_a_hostile_build_leaves_nothing_another_apps_build_runs(client, herosim_home, tmp_path):
    secret = tmp_path / "machine" / "credentials"
    secret.parent.mkdir()
    secret.write_text(f"{CANARY}=v4lue-9c2e7b\n")
    hostile, victim = app_name("hostile"), app_name("victim")
    try:
        herosim("config:set", f"HOST_SECRET={secret}", "-a", hostile, check=True)
        first = transcript("build", locked(git_app("build_isolation", tmp_path / "a")), "-a", hostile)
        assert first.returncode == 0, first.stdout[-3000:]
        out = first.stdout
        assert re.search(r"^       trying /\S+/uv-0\.12\.5-\S+$", out, re.M), out   # uv's folder was on its PATH...
        assert "wrote " not in out and "replaced " not in out, out         # ...and nothing it reached was writable
        assert CANARY not in out and "v4lue-9c2e7b" not in out                  # the planted .env was not read
        slug = out.strip().splitlines()[-1]
        linked = client.containers.run(slug, ["readlink", "/app/leak", "/app/.env"], entrypoint=[], remove=True)
        assert linked.decode().split() == [str(secret), str(secret)]       # links, not the file's content
        leaked = client.containers.run(slug, ["bash", "-c", "grep -rl v4lue-9c2e7b / --exclude-dir={proc,sys,dev} || true"],
                                       entrypoint=[], remove=True)
        assert leaked == b""

        path = git_app("build_isolation", tmp_path / "b", extra={"bin/post_compile": VICTIM_POST_COMPILE})
        (path / "bin" / "pre_compile").unlink()
        second = transcript("build", locked(path), "-a", victim)
        assert second.returncode == 0, second.stdout[-3000:]
        assert "HOSTILE" not in second.stdout.replace("hostile files: none", ""), second.stdout
        assert "       uv 0.12.5" in second.stdout and "       hostile files: none" in second.stdout
        # its own install, not the other app's layer (same inputs: another app's layer is never used)
        assert client.images.list(filters={"label": [f"{LABEL_APP}={victim}", "io.herosim.role=deps"]})

        # each app's install had a cache of its own, labelled with it (destroy removes it, below)
        for name in (hostile, victim):
            assert client.volumes.get(f"herosim-cache-{name}").attrs["Labels"][LABEL_APP] == name
    finally:
        for name in (hostile, victim):
            herosim("destroy", "-a", name, "--confirm", name)
    for name in (hostile, victim):
        assert not client.volumes.list(filters={"label": f"{LABEL_APP}={name}"})
