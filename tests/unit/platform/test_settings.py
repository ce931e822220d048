"""The app's settings as a typed record: the files herosim wrote before it was typed still read
(every key), unknown keys survive a write, missing ones read as defaults, one place reads and
writes them."""

import json
import shutil
from pathlib import Path

import pytest

from herosim import paths
from herosim.errors import StateError
from herosim.platform.state import AppState, FsOptions, LastBuild, Settings

# settings.json as commit 14880f7 (the last untyped one) wrote it through every one of its writers
WRITTEN_BEFORE = Path(__file__).parent / "data" / "settings_14880f7.json"


@pytest.fixture
def state(tmp_path):
    state = AppState("demo", root=tmp_path)
    paths.private_dir(state.dir)
    return state


def test_a_file_written_before_the_record_was_typed_reads_whole(state):
    shutil.copy(WRITTEN_BEFORE, state.path(paths.SETTINGS))
    settings = state.settings()
    assert settings.router_port == 5006 and settings.source == "/home/dev/microblog"
    assert settings.app_id == "2bb6eb47-bb24-4c9f-abe7-993b92bb20a1"
    assert (settings.created_at, settings.created_by) == ("2026-08-01T10:00:00+00:00", "apps:create")
    assert settings.sizes == {"web": "standard-2x", "run": "performance-m"} and settings.slug_size == 18612345
    assert settings.last_build.python == "3.13.15" and settings.last_build.deps["package_manager"] == "pip"
    assert settings.labs == ("runtime-dyno-metadata", "log-runtime-metrics")
    assert settings.fs == FsOptions(True, ("tmp/*", "*.log"))
    assert settings.maintenance and settings.postdeploy_done
    assert settings.built_commits == ("1a2b3c4d" * 5, "5e6f7a8b" * 5)
    assert settings.unknown == {}


def test_it_is_written_back_as_it_was(state):
    shutil.copy(WRITTEN_BEFORE, state.path(paths.SETTINGS))
    state.update_settings(router_port=5006)
    assert json.loads(state.path(paths.SETTINGS).read_text()) == json.loads(WRITTEN_BEFORE.read_text())


def test_what_an_up_wrote_before_reads_and_keeps_its_meaning(state):
    """A real file of the untyped code: defaults written out (false, [], {}) read as defaults
    and are left out of the next write, which reads the same."""
    state.path(paths.SETTINGS).write_text(json.dumps({
        "strict_fs": False, "fs_allow": [], "source": "/tmp/hello", "router_port": 38247,
        "last_build": {"python": "3.13.15", "deps": {"stack": "herosim-forky", "python": "3.13.15"}},
        "maintenance": False, "sizes": {}, "labs": [], "app_id": "2bb6eb47"}))
    before = state.settings()
    assert before.fs == FsOptions() and not before.maintenance and before.sizes == {} and before.labs == ()
    state.update_settings(source="/tmp/hello")
    assert json.loads(state.path(paths.SETTINGS).read_text()) == {
        "source": "/tmp/hello", "router_port": 38247, "app_id": "2bb6eb47",
        "last_build": {"python": "3.13.15", "deps": {"stack": "herosim-forky", "python": "3.13.15"}}}
    assert state.settings() == before


def test_missing_keys_read_as_defaults(state):
    assert state.settings() == Settings()   # no file yet
    state.path(paths.SETTINGS).write_text(json.dumps({"last_build": {"python": "3.12.9"}}))  # as the conformance suite writes it
    settings = state.settings()
    assert settings.last_build == LastBuild("3.12.9", None) and settings.router_port is None
    assert settings.size_of("web", "basic") == "basic"
    assert settings.last_build.to_dict() == {"python": "3.12.9", "deps": None}


def test_unknown_keys_are_kept_through_a_write(state):
    state.path(paths.SETTINGS).write_text(json.dumps({"router_port": 5010, "from_a_newer_herosim": {"x": [1]}}))
    state.update_settings(maintenance=True)
    assert json.loads(state.path(paths.SETTINGS).read_text()) == {
        "router_port": 5010, "from_a_newer_herosim": {"x": [1]}, "maintenance": True}
    state.update_settings(maintenance=False)
    assert json.loads(state.path(paths.SETTINGS).read_text()) == {"router_port": 5010, "from_a_newer_herosim": {"x": [1]}}


def test_a_setting_that_does_not_exist_is_an_error_not_a_silent_key(state):
    with pytest.raises(TypeError):
        state.update_settings(maintanance=True)
    assert not state.path(paths.SETTINGS).exists()


def test_a_settings_file_that_is_not_an_object_says_how_to_recover(state):
    state.path(paths.SETTINGS).write_text("[1, 2]")
    with pytest.raises(StateError) as info:
        state.settings()
    assert "not a JSON object" in info.value.message and "mv " in info.value.hint


def test_changes_are_one_read_modify_write(state):
    state.update_settings(sizes={"web": "standard-2x"}, labs=("runtime-dyno-metadata",))
    state.change_settings(lambda s: s.with_sizes({"worker": "performance-m"}).with_lab("log-runtime-metrics", True))
    settings = state.settings()
    assert settings.sizes == {"web": "standard-2x", "worker": "performance-m"}
    assert settings.labs == ("runtime-dyno-metadata", "log-runtime-metrics")
    assert settings.with_lab("runtime-dyno-metadata", False).labs == ("log-runtime-metrics",)


def test_the_last_commits_built_are_remembered_newest_last():
    settings = Settings()
    for sha in ("a", "b", "c", "a"):
        settings = settings.with_built(sha, kept=3)
    assert settings.built_commits == ("b", "c", "a")
    assert settings.with_built("d", kept=3).built_commits == ("c", "a", "d")


def test_the_file_stays_private(state):
    import os
    import stat
    state.update_settings(router_port=5006)
    assert stat.S_IMODE(os.stat(state.path(paths.SETTINGS)).st_mode) == 0o600


def test_what_herosim_dev_and_fork_write_reads_and_writes_back(state):
    written = {"router_port": 5007, "fork_of": "microblog", "source": "/home/dev/microblog",
               "dev_synced": {"3f2a9c": ["app.py", "templates/index.html"]}}
    state.path(paths.SETTINGS).write_text(json.dumps(written))
    settings = state.settings()
    assert settings.fork_of == "microblog" and settings.dev_synced == {"3f2a9c": ("app.py", "templates/index.html")}
    state.update_settings(router_port=5007)
    assert json.loads(state.path(paths.SETTINGS).read_text()) == written
