"""pg:backups:download without Docker: the dump is the whole database, so the copy is 0600
and never written through a symbolic link (a dangling one included)."""

import json
import os
import stat
from types import SimpleNamespace

import pytest

from herosim import paths
from herosim.app.pgbackups import Backups
from herosim.errors import HerosimError
from herosim.platform.state import AppState

DUMP = b"PGDMP" + b"\0" * 100


@pytest.fixture
def backups(tmp_path, monkeypatch):
    state = AppState("demo", root=tmp_path / "home")
    paths.private_dir(state.dir / "backups")
    (state.dir / "backups" / "b001.dump").write_bytes(DUMP)
    state.path("backups.json").write_text(json.dumps([{"id": "b001", "status": "Completed", "size": len(DUMP)}]))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return Backups(SimpleNamespace(ctx=SimpleNamespace(state=state, name="demo"))), work


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_the_copy_is_private(backups):
    found, work = backups
    _, target = found.download(None, None)
    assert target.name == "latest.dump" and (work / target).read_bytes() == DUMP and mode(work / target) == 0o600
    _, second = found.download(None, None)
    assert second.name == "latest.dump.1"


def test_a_dangling_link_named_latest_dump_is_not_followed(backups, tmp_path):
    found, work = backups
    elsewhere = tmp_path / "elsewhere.dump"
    (work / "latest.dump").symlink_to(elsewhere)
    _, target = found.download(None, None)
    assert not elsewhere.exists()
    assert target.name == "latest.dump.1" and mode(work / target) == 0o600


def test_an_output_that_is_a_link_is_refused_and_a_file_is_replaced_private(backups, tmp_path):
    found, work = backups
    elsewhere = tmp_path / "elsewhere.dump"
    (work / "out.dump").symlink_to(elsewhere)
    with pytest.raises(HerosimError) as refused:
        found.download(None, work / "out.dump")
    assert "is a symbolic link" in refused.value.message and not elsewhere.exists()
    (work / "mine.dump").write_bytes(b"old")
    os.chmod(work / "mine.dump", 0o644)
    found.download("b001", work / "mine.dump")
    assert (work / "mine.dump").read_bytes() == DUMP and mode(work / "mine.dump") == 0o600
