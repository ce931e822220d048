"""herosim dev's rounds, driven through fakes of the engine and the dyno manager: what is
synced, what rebuilds, what a failure leaves, and that a failed state is not retried until
the next save."""

import contextlib
import subprocess
from types import SimpleNamespace

import pytest

from herosim.app.deploy import UpOptions
from herosim.app.dev import DevSession
from herosim.app.releases import Releases
from herosim.errors import HerosimError
from herosim.platform.state import AppState
from herosim.platform.timeouts import Timeouts
from herosim.progress import Recorder
from herosim.runtime.plan import UP
from tests.unit.app.fakes import view

GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@localhost"]


class FakeManager:
    def __init__(self):
        self.calls = []

    def deploy(self, version, timeout):
        self.calls.append(("deploy", version))
        return [view("web.1", UP)]

    def restart(self, dyno=None, process_type=None, timeout=300):
        self.calls.append(("restart",))
        return ["web.1"]

    def deploy_synced(self, version, synced, timeout):
        self.calls.append(("deploy_synced", version, tuple(synced)))
        return [view("web.1", UP), view("worker.1", UP)]


class FakeApp:
    """What DevSession asks of an App: its context, releases, config vars, a full build."""

    def __init__(self, root, processes):
        state = AppState("devtest")
        self.name = "devtest"
        self.manager = FakeManager()
        self.containers = []
        client = SimpleNamespace(images=SimpleNamespace(list=lambda filters=None: []),
                                 containers=SimpleNamespace(list=lambda filters=None: self.containers))
        self.ctx = SimpleNamespace(client=client, name="devtest", state=state, progress=Recorder(),
                                   manager=lambda: self.manager, changing=contextlib.nullcontext)
        self.ctx.logs = SimpleNamespace(emit=lambda *a: None)
        self.state = state
        self.releases = Releases(self.ctx)
        self.config = SimpleNamespace(all=dict)
        self.dynos = SimpleNamespace(status=lambda: [view("web.1", UP)])
        self.builds = 0
        self.fail_build = False
        self.processes = processes
        self.deployer = SimpleNamespace(up=self._up)

    def _up(self, path, options):
        if self.fail_build:
            raise HerosimError("build failed")
        self.builds += 1
        return self.releases.create(f"Deploy {self.builds}", f"sha256:base{self.builds}", self.processes, {},
                                    release_phase=False)


@pytest.fixture
def tree(tmp_path, monkeypatch):
    monkeypatch.setenv("HEROSIM_HOME", str(tmp_path / "home"))
    root = tmp_path / "app"
    root.mkdir()
    for name, text in {"app.py": "one", "Procfile": "web: gunicorn app:app", "requirements.txt": "flask\n",
                       "old.py": "old"}.items():
        (root / name).write_text(text)
    subprocess.run(GIT + ["init", "-q"], cwd=root, check=True)
    subprocess.run(GIT + ["add", "-A"], cwd=root, check=True)
    subprocess.run(GIT + ["commit", "-qm", "init"], cwd=root, check=True)
    return root


def session(root, processes=None):
    app = FakeApp(root, processes or {"web": "gunicorn app:app"})
    overlays = []

    def overlay(client, name, base, path, files, removed):
        overlays.append((base, tuple(files), tuple(removed)))
        return f"sha256:dev{len(overlays)}"

    copied = []
    options = UpOptions(port=None, timeouts=Timeouts(), size="basic")
    dev = DevSession(app, root, options, sleep=lambda s: None, overlay=overlay,
                     copy_into=lambda container, path, files, removed: copied.append((container.name, files, removed)))
    return dev, app, overlays, copied


def test_code_changes_are_one_layer_over_the_last_full_build_each_a_release(tree):
    dev, app, overlays, _ = session(tree)
    dev.start()
    assert not dev.poll()
    (tree / "app.py").write_text("two")
    assert dev.poll()
    first = dev.apply()
    (tree / "old.py").unlink()
    (tree / "views.py").write_text("new")
    assert dev.poll()
    second = dev.apply()
    assert overlays == [("sha256:base1", ("app.py",), ()), ("sha256:base1", ("app.py", "views.py"), ("old.py",))]
    assert (first.version, first.restarted, second.version) == (2, ("web.1",), 3)
    assert [c.path for c in second.changes] == ["old.py", "views.py"]
    assert second.untracked == ("views.py",)
    releases = app.state.releases()
    assert [r.description for r in releases] == ["Deploy 1", "Dev sync: app.py", "Dev sync: old.py (removed), views.py"]
    assert releases[-1].slug == "sha256:dev2"
    assert app.manager.calls == [("deploy", 2), ("deploy", 3)]
    assert not dev.poll()


def test_a_change_the_build_reads_is_a_full_build(tree):
    dev, app, overlays, _ = session(tree)
    dev.start()
    (tree / "requirements.txt").write_text("flask\nrequests\n")
    (tree / "app.py").write_text("two")
    assert dev.poll()
    announced = []
    result = dev.apply(announced.append)
    assert result.rebuilt == ("requirements.txt (a dependency file)",) and result.version == 2
    assert announced[0].rebuilt == result.rebuilt
    assert app.builds == 2 and overlays == []
    assert not dev.poll()   # the build took the code change too


def test_a_failed_build_is_retried_at_the_next_save_only_and_then_still_builds(tree):
    dev, app, overlays, _ = session(tree)
    dev.start()
    app.fail_build = True
    (tree / "Procfile").write_text("web: gunicorn app:app --workers 3")
    assert dev.poll()
    failed = dev.apply()
    assert failed.error is not None and failed.version is None
    assert not dev.poll()               # nothing new: no retry loop
    app.fail_build = False
    (tree / "app.py").write_text("fix")  # a code-only save: the pending full build runs
    assert dev.poll()
    again = dev.apply()
    assert again.error is None and again.rebuilt and app.builds == 2 and overlays == []


def test_a_failed_release_leaves_the_previous_one_running_and_the_tree_pending(tree):
    dev, app, _, _ = session(tree)
    dev.start()

    def refuse(*args, **kwargs):
        raise HerosimError("Release command failed")

    app.releases.create = refuse
    (tree / "app.py").write_text("two")
    assert dev.poll()
    result = dev.apply()
    assert result.error is not None
    assert dev.pending() and not dev.poll()
    assert app.state.current_release().version == 1


def test_dynos_whose_server_reloads_get_the_files_and_keep_running(tree):
    dev, app, _, copied = session(tree, {"web": "gunicorn app:app --reload", "worker": "python w.py"})
    app.containers = [SimpleNamespace(name="c-web", id="1", labels={"io.herosim.process-type": "web", "io.herosim.dyno": "web.1"}),
                      SimpleNamespace(name="c-worker", id="2", labels={"io.herosim.process-type": "worker",
                                                               "io.herosim.dyno": "worker.1"})]
    dev.start()
    (tree / "app.py").write_text("two")
    (tree / "old.py").unlink()
    assert dev.poll()
    result = dev.apply()
    assert copied == [("c-web", ["app.py"], ["old.py"])]
    assert app.manager.calls == [("deploy_synced", 2, ("web.1",))]
    assert (result.synced, result.restarted, result.reloaders) == (("web.1",), ("worker.1",), ("gunicorn --reload",))


def reloading(tree, processes):
    dev, app, _, copied = session(tree, processes)
    app.containers = [SimpleNamespace(name="c-web", id="1",
                                      labels={"io.herosim.process-type": "web", "io.herosim.dyno": "web.1"})]
    dev.start()
    (tree / "app.py").write_text("two")
    assert dev.poll()
    return dev, app, copied


def test_with_a_release_phase_the_files_reach_a_reloading_server_only_after_it(tree):
    dev, app, copied = reloading(tree, {"web": "gunicorn app:app --reload", "release": "python migrate.py"})
    order = []
    create = app.releases.create

    def create_then_note(*args, **kwargs):
        order.append(("release", len(copied)))
        return create(*args, release_phase=False, **kwargs)

    app.releases.create = create_then_note
    dev.apply()
    assert order == [("release", 0)] and len(copied) == 1


def test_a_slug_that_fails_after_an_early_copy_restarts_the_dynos_on_the_current_release(tree):
    dev, app, copied = reloading(tree, {"web": "gunicorn app:app --reload"})

    def broken(*args):
        raise HerosimError("Building the dev slug failed")

    dev.overlay = broken
    result = dev.apply()
    assert result.error is not None and len(copied) == 1
    assert app.manager.calls == [("restart",)]
    assert app.state.current_release().version == 1
