"""Config vars reach the build's hooks and the dynos, and nothing else: no image (config,
history, layers), no label, no process argument carries one; a var removed with
config:unset is gone from the next build too."""

import re
import subprocess

from tests.support import LABEL_APP, app_name, commit_all, free_port, git_app, herosim, images_contain

CANARY = "canary-6f1d2b9e7c"


def volumes(client, app: str) -> set[str]:
    """The app's volumes (its add-ons', its build cache), and the anonymous ones its images'
    helper containers could leave (the engine is shared: other apps' volumes come and go)."""
    return {v.name for v in client.volumes.list()
            if (v.attrs.get("Labels") or {}).get(LABEL_APP) == app or re.fullmatch("[0-9a-f]{64}", v.name)}


def test_config_vars_never_reach_an_image_a_label_or_a_process_argument(client, herosim_home, tmp_path):
    path = git_app("secret_hooks", tmp_path)
    name, port = app_name("secrets"), free_port()
    volumes_before = volumes(client, name)
    try:
        herosim("config:set", f"API_TOKEN={CANARY}", "-a", name, check=True)
        built = herosim("up", "-d", path, "-a", name, "--port", port)
        assert built.returncode == 0, built.stderr[-3000:]
        assert f"pre_compile sees API_TOKEN: {len(CANARY)} characters" in built.stdout
        assert (f"post_compile sees API_TOKEN: {len(CANARY)} characters, ENV_DIR=/tmp/herosim-env BUILD_DIR=/app"
                in built.stdout)
        import requests
        assert requests.get(f"http://127.0.0.1:{port}/", timeout=30).json() == {
            "token_length": len(CANARY), "build_saw": str(len(CANARY))}
        assert not images_contain(client, name, CANARY.encode())
        assert images_contain(client, name, b"build_saw")   # the scan reads the app's own files
        for container in client.containers.list(all=True, filters={"label": f"{LABEL_APP}={name}"}):
            assert CANARY not in repr(container.labels)
        processes = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
        assert CANARY not in processes
        # Unset, then a new build: the hooks no longer see it (no image kept it for them).
        herosim("config:unset", "API_TOKEN", "-a", name, check=True)
        (path / "app.py").write_text((path / "app.py").read_text() + "\n# a code change\n")
        commit_all(path)
        rebuilt = herosim("up", "-d", path, "-a", name, "--port", port)
        assert rebuilt.returncode == 0, rebuilt.stderr[-3000:]
        assert "post_compile sees API_TOKEN: 0 characters" in rebuilt.stdout
        assert requests.get(f"http://127.0.0.1:{port}/", timeout=30).json() == {"token_length": 0, "build_saw": "0"}
    finally:
        herosim("destroy", "-a", name, "--confirm", name)
    # Nothing of the app remains, anonymous volumes included (helper containers of its images).
    assert volumes(client, name) - volumes_before == set()
    assert not client.images.list(filters={"label": f"{LABEL_APP}={name}"})


def test_no_add_on_password_or_url_is_written_on_a_label(client, herosim_home):
    """Every add-on with credentials (Postgres, the Key-Value Store, a hosted search), created,
    started and rotated: its URLs and passwords are in the app's private record, and on no
    label of anything herosim made for the app."""
    import json
    import os
    import stat
    name = app_name("labels")
    try:
        for plan in ("heroku-postgresql:essential-0", "heroku-redis:mini", "searchbox:starter"):
            herosim("addons:create", plan, "-a", name, check=True)
        herosim("pg:credentials:rotate", "--confirm", name, "-a", name, check=True)
        herosim("redis:credentials", "--reset", "-a", name, check=True)
        record = herosim_home / "apps" / name / "addons.json"
        assert stat.S_IMODE(os.stat(record).st_mode) == 0o600
        values = json.loads(record.read_text())
        assert len(values) == 3
        secrets = {v for entry in values.values() for part in ("config", "secret") for k, v in entry[part].items()
                   if "password" in k or k.endswith("_URL")}
        assert len(secrets) >= 7 and all(len(s) >= 16 for s in secrets)
        found = [*client.containers.list(all=True, filters={"label": f"{LABEL_APP}={name}"}),
                 *client.volumes.list(filters={"label": f"{LABEL_APP}={name}"}),
                 *client.networks.list(filters={"label": f"{LABEL_APP}={name}"})]
        assert len(found) >= 7   # three sidecars, three volumes, the network
        for thing in found:
            labels = repr(thing.attrs.get("Labels") or thing.attrs.get("Config", {}).get("Labels") or {})
            leaked = [s for s in secrets if s in labels or urlsplit_password(s) in labels]
            assert leaked == [], (thing.name, labels)
    finally:
        herosim("destroy", "-a", name, "--confirm", name)


def urlsplit_password(value: str) -> str:
    from urllib.parse import urlsplit
    password = urlsplit(value).password if "://" in value else None
    return password or value
