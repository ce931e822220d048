"""The pre-receive hook's work (`python -m herosim.git.receive`, run by git inside an app's
repository): build the pushed commit, release it and wait for it to run, speaking as Heroku
Git speaks. Exit 0 lets git store the refs; anything else rejects the push, and the running
release is left alone."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from herosim.cli.output import Printer
from herosim.errors import BuildpackError, HerosimError
from herosim.git import checkout, transcript
from herosim.platform.releases import FAILED
from herosim.platform.state import AppState
from herosim.progress import Progress

BUILT_KEPT = 100   # commits remembered as built, for Heroku's duplicate-build warning


class PushProgress:
    """The build's progress as a push shows it: the slug compiler's lines, with the blank
    line the platform prints before compressing the slug."""

    def __init__(self, inner: Progress):
        self.inner = inner

    def step(self, message: str) -> None:
        if message == "Compressing...":
            self.inner.info("")
        self.inner.step(message)

    def detail(self, line: str) -> None:
        self.inner.detail(line)

    def warn(self, summary: str, *lines: str) -> None:
        self.inner.warn(summary, *lines)

    def info(self, text: str) -> None:
        self.inner.info(text)

    def block(self, lines: list[str]) -> None:
        self.inner.block(lines)


def main(stdin=None, environ=None, printer: Printer | None = None) -> int:
    environ = dict(os.environ if environ is None else environ)
    out = printer or Printer()
    git_dir = Path(environ.get("GIT_DIR", ".")).resolve()
    app = git_dir.name.removesuffix(".git")
    decided = transcript.plan(transcript.parse((stdin or sys.stdin).read()))
    for line in decided.notes:
        out.line(line)
    if decided.refused:
        return 1
    if decided.build is None:
        return 0
    return deploy(app, git_dir, decided.build.new, environ, out)


def deploy(app: str, git_dir: Path, sha: str, environ: dict[str, str], out: Printer) -> int:
    state = AppState(app)
    if not state.exists:
        return _refuse(out, app, transcript.failed("Couldn't find that app.",
                                                   f"herosim apps:create {app} makes it"))
    out.line(transcript.COMPRESSING_SOURCE)
    with tempfile.TemporaryDirectory(prefix="herosim-push-") as tmp:
        source = checkout.from_commit(git_dir, sha, Path(tmp) / "src", environ)
        _forget_git_environment()   # what runs next (git in the build folder, the dyno manager) is not this hook
        built_before = sha if sha in state.settings().built_commits else None
        _remember_built(state, sha)
        try:
            app_obj, options, release = _push(app, state, source, out)
        except BuildpackError as exc:
            return _refuse(out, app, transcript.build_rejected(exc.block, exc.reason, exc.diagnosis), built_before)
        except HerosimError as exc:
            return _refuse(out, app, transcript.failed(exc.message, exc.hint, exc.details), built_before)
        except Exception as exc:  # noqa: BLE001 - a Docker failure nobody translated: one line, the push refused
            if not _engine_failure(exc):
                raise
            message = (str(getattr(exc, "explanation", None) or exc).strip().splitlines() or [type(exc).__name__])[0]
            return _refuse(out, app, transcript.failed(f"Docker failed: {message}",
                                                       "check `docker info`; if the engine is healthy, this is a "
                                                       "herosim bug"), built_before)
    if release.status == FAILED:   # the release command failed: the push stands, the old release serves
        return 0
    _verify(app_obj, options.timeouts.boot + 15, out)
    return 0


def _push(app: str, state: AppState, source, out: Printer):
    from herosim.app import App  # the slug compiler and the engine load only when a build runs
    from herosim.engine import client as engine_client
    app_obj = App(engine_client.connect(), PushProgress(out), app, state)
    options = _options(app_obj)
    release = app_obj.deployer.push(source, options, transcript.VERIFIED)
    return app_obj, options, release


def _options(app_obj):
    """The running dyno manager's settings (a push does not restart it for nothing), else
    Heroku's defaults and the HEROSIM_* timeouts of the pusher's environment."""
    from herosim.app import UpOptions
    from herosim.platform.sizes import DEFAULT_SIZE
    from herosim.platform.timeouts import Timeouts
    manager = app_obj.ctx.manager()
    running = manager.ping().settings if manager is not None else None
    if running is None:
        return UpOptions(port=None, timeouts=Timeouts.resolve(), size=DEFAULT_SIZE)
    return UpOptions(port=None, timeouts=running.timeouts, size=running.size, cycle_every=running.cycle_every)


def _verify(app_obj, timeout: float, out: Printer) -> None:
    """The push returns once the web dyno answers (as after `herosim up -d`); a release that
    does not boot is still released, as on Heroku: herosim says so, with its log."""
    url = app_obj.url()
    ok, seen = app_obj.dynos.wait_until_answering(url, timeout)
    if not ok:
        out.line(f"herosim: {app_obj.name} did not answer at {url} ({seen}); its last log lines:")
        for line in app_obj.logs.tail(20, lambda l: l.dyno != "router"):
            out.line(line.render())


def _engine_failure(exc: Exception) -> bool:
    import docker.errors
    import requests.exceptions
    return isinstance(exc, (docker.errors.DockerException, requests.exceptions.ConnectionError))


def _refuse(out: Printer, app: str, lines: list[str], built_before: str | None = None) -> int:
    for line in lines + transcript.rejected_tail(app, built_before):
        out.line(line)
    return 1


def _remember_built(state: AppState, sha: str) -> None:
    state.change_settings(lambda settings: settings.with_built(sha, BUILT_KEPT))


def _forget_git_environment() -> None:
    for key in [k for k in os.environ if k.startswith("GIT_")]:
        del os.environ[key]


if __name__ == "__main__":
    sys.exit(main())
