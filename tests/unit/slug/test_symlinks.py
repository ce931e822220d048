"""Links in the app's tree are the app's links, never their targets' content: the host reads
nothing through one that leads out of the app (source.inside), the slug keeps a link as a link,
and what bin/pre_compile leaves is unpacked as untrusted data (pure, no Docker)."""

import io
import os
import tarfile

import pytest

from herosim.errors import BuildError
from herosim.progress import Recorder
from herosim.slug import hooks
from herosim.slug.compile import warn_dotenv
from herosim.slug.image import profile_files
from herosim.slug.managers import PIP, UV

SECRET = "aws_secret_access_key = canary-31c7"


@pytest.fixture
def outside(tmp_path):
    """A file of the machine, outside the app (a user's credentials)."""
    secret = tmp_path / "home" / ".aws" / "credentials"
    secret.parent.mkdir(parents=True)
    secret.write_text(f"[default]\n{SECRET}\nAWS_SESSION=1\n")
    return secret


@pytest.fixture
def app(tmp_path):
    root = tmp_path / "app"
    (root / ".profile.d").mkdir(parents=True)
    return root


def test_a_profile_d_python_sh_linked_out_of_the_app_is_never_read(app, outside):
    os.symlink(outside, app / ".profile.d/python.sh")
    with pytest.raises(BuildError) as error:
        profile_files(app, (".profile.d/python.sh",), PIP)
    assert "leads out of the app" in error.value.message and "canary" not in error.value.message


def test_a_profile_d_python_sh_linked_inside_the_app_gets_the_buildpacks_lines_in_its_target(app):
    (app / "config").mkdir()
    (app / "config/profile.sh").write_text("export MINE=1\n")
    os.symlink("../config/profile.sh", app / ".profile.d/python.sh")
    written = profile_files(app, (".profile.d/python.sh", "config/profile.sh"), PIP)
    assert ".profile.d/python.sh" not in written        # the link stays a link
    assert written["config/profile.sh"].startswith("export MINE=1\nexport PIP_DISABLE_PIP_VERSION_CHECK")


def test_a_regular_python_sh_is_appended_to_and_a_root_file_of_the_same_name_is_left_alone(app):
    (app / ".profile.d/python.sh").write_text("export MINE=1\n")
    (app / "python.sh").write_text("echo root\n")
    written = profile_files(app, (".profile.d/python.sh", "python.sh"), UV)
    assert written[".profile.d/python.sh"].startswith("export MINE=1\nexport PATH=")
    assert "python.sh" not in written and set(written) == {
        ".profile.d/python.sh", ".profile.d/WEB_CONCURRENCY.sh", ".profile.d/python.gunicorn.sh"}


def test_a_dotenv_linked_out_of_the_app_is_not_parsed(app, outside):
    os.symlink(outside, app / ".env")
    printer = Recorder()
    warn_dotenv(printer, app, {})
    assert printer.lines == []
    os.unlink(app / ".env")
    (app / ".env").write_text("SECRET_KEY=x\nDEBUG=1\n")
    warn_dotenv(printer, app, {"DEBUG": "0"})
    assert " !       SECRET_KEY" in printer.lines


def tar_of(*members) -> io.BytesIO:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for info, data in members:
            archive.addfile(info, io.BytesIO(data) if data is not None else None)
    buffer.seek(0)
    return buffer


def member(name, kind=tarfile.REGTYPE, linkname="", data=b"", mode=0o644):
    info = tarfile.TarInfo(name)
    info.type, info.linkname, info.mode = kind, linkname, mode
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    return info, (data if kind == tarfile.REGTYPE else None)


def unpack(tmp_path, *members):
    target = tmp_path / "out"
    target.mkdir(exist_ok=True)
    with tarfile.open(fileobj=tar_of(*members)) as archive:
        archive.extractall(target, filter=hooks.hook_output_filter)
    return target


def test_a_link_the_hook_left_stays_a_link_whatever_it_names(tmp_path, outside):
    target = unpack(tmp_path, member("app/fonts", tarfile.SYMTYPE, "/usr/share/fonts"),
                    member("app/creds", tarfile.SYMTYPE, str(outside)), member("app/up", tarfile.SYMTYPE, "../../x"),
                    member("app/run", data=b"#!/bin/sh\n", mode=0o4755), member("/abs/file", data=b"x"))
    assert os.readlink(target / "app/fonts") == "/usr/share/fonts"
    assert os.readlink(target / "app/creds") == str(outside)
    assert os.readlink(target / "app/up") == "../../x"
    assert oct((target / "app/run").stat().st_mode & 0o7777) == "0o755"   # no set-uid bit
    assert (target / "abs/file").read_bytes() == b"x"                      # an absolute name lands inside


@pytest.mark.parametrize("bad", [
    member("app/home", tarfile.SYMTYPE, "/HOME"),              # then a file through the link, below
    member("app/../../escape", data=b"x"),
    member("app/passwd", tarfile.LNKTYPE, "/etc/passwd"),      # a hard link to a file of the machine
    member("app/tty", tarfile.CHRTYPE),
])
def test_nothing_is_written_outside_the_folder_or_through_a_link(tmp_path, outside, bad):
    info, data = bad
    if info.issym():
        info.linkname = str(outside.parent)
        members = [(info, data), member("app/home/credentials", data=b"overwritten")]
    else:
        members = [(info, data)]
    with pytest.raises(tarfile.FilterError):
        unpack(tmp_path, *members)
    assert SECRET in outside.read_text()
    assert not (tmp_path / "escape").exists()
