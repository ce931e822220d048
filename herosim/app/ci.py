"""`herosim ci`: Heroku CI on this machine. A throwaway app of its own: the buildpack's
test-compile (bin/test-compile's environment; requirements-test.txt too when there is one,
Pipenv --dev, Poetry's and uv's default groups; collectstatic skipped), app.json's
environments.test add-ons and env, CI's variables, `test-setup` once then `test` in a
one-off dyno; its exit status is the run's, and the throwaway app is removed whatever
happens."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Callable
from pathlib import Path

from herosim.errors import AppError
from herosim.platform import appjson
from herosim.platform.procfile import RELEASE
from herosim.runtime import oneoff

TEST_DYNO_SIZE = "performance-m"   # Heroku CI runs tests on a Performance-M dyno (DYNO_RAM=2560 in ci_spec)


def git(path: Path, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=path, capture_output=True, text=True, check=False)
    return result.stdout.strip() if result.returncode == 0 else ""


def test_environment(path: Path) -> appjson.Environment:
    from herosim.app.setup import read
    manifest = read(path)
    if manifest is None or manifest.test is None or not manifest.test.scripts.get("test"):
        raise AppError("app.json has no environments.test.scripts.test",
                       hint='the Python buildpack has no default test command: add '
                            '"environments": {"test": {"scripts": {"test": "pytest"}}} to app.json')
    return manifest.test


def ci_variables(path: Path, run_id: str) -> dict[str, str]:
    return {"CI": "true", "HEROKU_TEST_RUN_ID": run_id,
            "HEROKU_TEST_RUN_BRANCH": git(path, "rev-parse", "--abbrev-ref", "HEAD") or "main",
            "HEROKU_TEST_RUN_COMMIT_VERSION": git(path, "rev-parse", "HEAD")}


def run(app, path: Path, output: oneoff.Output, step: Callable[[str], None]) -> int:
    """The test run on `app` (a throwaway App); its exit status. The caller destroys `app`."""
    test = test_environment(path)
    run_id = str(uuid.uuid4())
    values, missing = appjson.config_for(test.env, {})
    if missing:
        raise appjson.missing_error(missing)
    app.state.update_config_vars({**values, **ci_variables(path, run_id)})
    step(f"Test run {run_id} on {app.name}")
    result = app.deployer.build(path, test=True)
    for spec in test.addons:
        app.addons.ensure_plan(spec.plan, {**spec.options, **({"as": spec.as_} if spec.as_ else {})}, result.stack)
    app.addons.start_all(result.stack)
    processes = {kind: command for kind, command in result.processes.items() if kind != RELEASE}
    release = app.releases.create(f"Deploy {result.commit[:8] or 'working tree'}", result.slug_image, processes,
                                  app.state.config_vars(), commit=result.commit)
    for name in ("test-setup", "test"):
        command = test.scripts.get(name)
        if not command:   # the runner's words (ci_spec); `test` is always there (test_environment)
            step(f"No {name} command provided. Skipping.")
            continue
        step(f"Running {name} command `{command}`...")
        status = oneoff.run(app.ctx.client, app.state, release, oneoff.new("test", command), output=output,
                            interactive=False, use_tty=False, to_log=True, size=TEST_DYNO_SIZE)
        if status != 0 or name == "test":
            step(f"{name} exited with {status}")
            return status
    return 0
