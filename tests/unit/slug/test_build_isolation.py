"""One app's build can change nothing another app's build runs: the volumes each step mounts,
and the dependency layer's key (pure, no Docker)."""

from dataclasses import asdict

import pytest

from herosim.slug import installers, volumes
from herosim.slug.dependencies import DepsInputs, install_env_sha256
from herosim.slug.managers import PIP, PIPENV, UV, by_name


@pytest.mark.parametrize("manager", ["pip", "pipenv", "poetry", "uv"])
def test_no_step_of_an_app_mounts_anything_writable_but_its_own_cache(manager, monkeypatch):
    monkeypatch.delenv(volumes.CACHE_VOLUME_ENV, raising=False)
    install = volumes.mounts(by_name(manager), app_cache=volumes.cache_name("shop"))
    hooks = volumes.mounts(by_name(manager))
    writable = {name for name, spec in {**install, **hooks}.items() if spec["mode"] != "ro"}
    assert writable == {"herosim-cache-shop"} and install["herosim-cache-shop"]["bind"] == installers.CACHE
    assert installers.CACHE not in [spec["bind"] for spec in hooks.values()]       # hooks never see it
    tools = {volumes.TOOLS_VOLUME: {"bind": installers.TOOLS, "mode": "ro"}}
    assert {k: v for k, v in hooks.items()} == (tools if manager in ("uv", "poetry") else {})


def test_each_app_has_its_own_cache_volume(monkeypatch):
    monkeypatch.delenv(volumes.CACHE_VOLUME_ENV, raising=False)
    assert volumes.cache_name("shop") != volumes.cache_name("blog")


def inputs(**changes):
    base = dict(stack="herosim-forky", build_image="sha256:1", python="3.14.8", package_manager="pip",
                tool_version="26.2.1", files_sha256="a", manifest_sha256="b")
    return DepsInputs(**{**base, **changes})


def test_the_layer_key_covers_the_config_vars_the_install_reads():
    plain = install_env_sha256("shop", PIP, {"SECRET_KEY": "x"})
    extra = install_env_sha256("shop", PIP, {"PIP_EXTRA_INDEX_URL": "https://u:token-9a@pkgs.example/simple"})
    assert plain == "" and extra and "token-9a" not in extra
    assert inputs(install_env_sha256=plain).key != inputs(install_env_sha256=extra).key
    assert "token-9a" not in repr(asdict(inputs(install_env_sha256=extra)))
    # the same URL for another app is not the same input (credentials differ between apps)
    assert install_env_sha256("blog", PIP, {"PIP_EXTRA_INDEX_URL": "https://u:token-9a@pkgs.example/simple"}) != extra
    assert install_env_sha256("shop", PIPENV, {"PIP_EXTRA_INDEX_URL": "x"}) != ""
    # uv and Poetry read no config var (lib/uv.sh, lib/poetry.sh)
    assert install_env_sha256("shop", UV, {"PIP_EXTRA_INDEX_URL": "x"}) == ""


def test_a_changed_extra_index_keeps_the_cache_as_the_buildpack_does():
    before, now = inputs(), inputs(install_env_sha256="c")
    assert now.discard_reasons(before) == [] and now.key != before.key


def test_steps_mount_volumes_that_leave_no_volume_in_the_committed_image():
    """`volumes=` would record a VOLUME in the committed image: every later container of it
    would get a volume there (an anonymous one, writable, in the hooks' step too)."""
    mounts = volumes.as_mounts(volumes.mounts(UV, app_cache="herosim-cache-shop"))
    assert {(m["Target"], m["Source"], m["Type"], m["ReadOnly"]) for m in mounts} == {
        (installers.TOOLS, volumes.TOOLS_VOLUME, "volume", True), (installers.CACHE, "herosim-cache-shop", "volume", False)}
