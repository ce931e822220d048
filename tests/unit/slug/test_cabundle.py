import pytest

from herosim.errors import BuildError
from herosim.slug import cabundle


def test_autodetects_in_pips_order(tmp_path):
    a, b = tmp_path / "a.pem", tmp_path / "b.pem"
    a.write_text("A")
    b.write_text("B")
    assert cabundle.find(environ={"SSL_CERT_FILE": str(b), "PIP_CERT": str(a)}) == a
    assert cabundle.find(environ={"SSL_CERT_FILE": str(b), "PIP_CERT": "/nope"}) == b
    assert cabundle.find(environ={}) is None


def test_explicit_bundle_wins_and_must_exist(tmp_path):
    a = tmp_path / "a.pem"
    a.write_text("A")
    assert cabundle.find(str(a), environ={"PIP_CERT": "/etc/other"}) == a
    with pytest.raises(BuildError):
        cabundle.find(str(tmp_path / "missing.pem"), environ={})


def test_build_env_points_installers_at_the_container_copy_only():
    env = cabundle.build_env(cabundle.find(environ={}))
    assert env == {}
    env = cabundle.build_env(__import__("pathlib").Path("/x.pem"))
    assert set(env.values()) == {cabundle.CONTAINER_PATH}
    assert "PIP_FIND_LINKS" not in env and "PIP_EXTRA_INDEX_URL" not in env


def test_slug_size_limits():
    from herosim.errors import BuildError
    from herosim.progress import Recorder
    from herosim.slug import size as slugsize
    quiet, loud = Recorder(), Recorder()
    slugsize.check(100 * slugsize.MB, quiet)
    slugsize.check(301 * slugsize.MB, loud)
    assert quiet.lines == [] and "exceeds our soft limit (300.0M)" in loud.lines[0]
    with pytest.raises(BuildError) as err:
        slugsize.check(1025 * slugsize.MB, quiet)
    assert "is too large (max is 1.0G)" in err.value.message
    assert slugsize.human(48_234_567) == "46.0M"
