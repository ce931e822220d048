"""The Python version, decided as heroku-buildpack-python v351 decides it (pure, no Docker)."""

import pytest

from herosim.errors import BuildpackError
from herosim.slug import pyversion
from herosim.slug.managers import PIP, UV, by_name
from herosim.slug.pyversion import Requested


def requested(files, manager="pip", cached=None):
    return pyversion.requested(lambda name: files.get(name), by_name(manager), cached)


@pytest.mark.parametrize("files, manager, cached, expected", [
    ({}, "pip", None, Requested("3.14", "default")),
    ({}, "pip", "3.13.15", Requested("3.13", "cached")),
    ({".python-version": b"3.12\n"}, "pip", "3.13.15", Requested("3.12", ".python-version")),
    ({".python-version": b"# Comments are fine\r\n  3.12.4  \r\n\t\r\n"}, "pip", None, Requested("3.12.4", ".python-version")),
    ({"runtime.txt": b"python-3.11.9\n", ".python-version": b"3.12"}, "pip", None, Requested("3.11.9", "runtime.txt")),
    ({"runtime.txt": b"# comment\n\npython-3.12\n"}, "pip", None, Requested("3.12", "runtime.txt")),
    ({"Pipfile.lock": b'{"_meta": {"requires": {"python_version": "3.11"}}}'}, "pipenv", None,
     Requested("3.11", "Pipfile.lock")),
    ({"Pipfile.lock": b'{"_meta": {"requires": {"python_version": "3.11", "python_full_version": "3.11.2"}}}'},
     "pipenv", None, Requested("3.11.2", "Pipfile.lock")),
])
def test_precedence(files, manager, cached, expected):
    assert requested(files, manager, cached) == expected


@pytest.mark.parametrize("files, expected", [
    ({".python-version ": b"3.12"}, "python-version-file::misspelled"),
    ({"python_version.txt": b"3.12"}, "python-version-file::misspelled"),
    ({"runtime.txt": b"3.12"}, "runtime-txt::invalid-version"),
    ({"runtime.txt": b"python-3.12\npython-3.13\n"}, "runtime-txt::invalid-version"),
    ({".python-version": b"python-3.12"}, "python-version-file::invalid-version"),
    ({".python-version": b"3.12\n3.13\n"}, "python-version-file::multiple-versions"),
    ({".python-version": b"# nothing\n"}, "python-version-file::no-version"),
    ({".python-version": b"\xef\xbb\xbf3.13\r\n"}, "python-version-file::invalid-encoding"),
    ({"Pipfile.lock": b"{not json"}, "pipfile-lock::invalid-json"),
])
def test_invalid_requests(files, expected):
    with pytest.raises(BuildpackError) as error:
        requested(files, "pipenv" if "Pipfile.lock" in files else "pip")
    assert error.value.reason == expected


def test_the_misspelled_name_is_quoted_with_its_trailing_space():
    with pytest.raises(BuildpackError) as error:
        requested({".python-version ": b"3.12"})
    assert error.value.block[3] == "'.python-version '"


def test_a_bom_is_named_as_the_encoding():
    with pytest.raises(BuildpackError) as error:
        requested({".python-version": b"\xef\xbb\xbf# a comment\r\n3.13\r\n"})
    assert error.value.block[:5] == ["Error: Unable to read .python-version.", "",
                                     "Your .python-version file couldn't be read because it's using",
                                     "an unsupported text encoding:",
                                     "Unicode text, UTF-8 (with BOM) text, with CRLF line terminators"]


@pytest.mark.parametrize("version, full", [("3.14", "3.14.7"), ("3.13", "3.13.15"), ("3.12", "3.12.14"),
                                            ("3.11", "3.11.16"), ("3.10", "3.10.21"), ("3.12.3", "3.12.3")])
def test_resolution_to_the_latest_patch(version, full):
    assert pyversion.resolve(Requested(version, ".python-version")) == full


def test_end_of_life_and_unknown_versions():
    with pytest.raises(BuildpackError) as error:
        pyversion.resolve(Requested("3.9", ".python-version"))
    assert error.value.block[0] == "Error: The requested Python version has reached end-of-life."
    assert "Please upgrade to at least Python 3.10 by changing the" in error.value.block
    with pytest.raises(BuildpackError) as error:
        pyversion.resolve(Requested("3.9", "cached"))
    assert error.value.block[0] == "Error: The cached Python version has reached end-of-life."
    with pytest.raises(BuildpackError) as error:
        pyversion.resolve(Requested("3.15", ".python-version"))
    assert error.value.reason == "python-version::unknown-major"


def test_announcements():
    assert pyversion.announcement(Requested("3.14", "default")) == \
        "No Python version was specified. Using the buildpack default: Python 3.14"
    assert pyversion.announcement(Requested("3.13", "cached")) == \
        "No Python version was specified. Using the same major version as the last build: Python 3.13"
    assert pyversion.announcement(Requested("3.12", ".python-version")) == \
        "Using Python 3.12 specified in .python-version"


def test_warnings_in_the_buildpacks_order():
    firsts = [block[0] for block in pyversion.warnings(Requested("3.10.2", "runtime.txt"), "3.10.2", PIP)]
    assert firsts == ["Warning: The runtime.txt file is deprecated.", "Warning: Support for Python 3.10 is deprecated!",
                      "Warning: A Python patch update is available!"]
    assert pyversion.warnings(Requested("3.14", ".python-version"), "3.14.7", PIP) == []
    assert [b[0] for b in pyversion.warnings(Requested("3.14", "default"), "3.14.7", PIP)] == [
        "Warning: No Python version was specified."]


@pytest.mark.parametrize("origin, expected", [("default", "python-version-file::not-found"),
                                               ("runtime.txt", "runtime-txt::not-supported")])
def test_uv_needs_a_python_version_file(origin, expected):
    with pytest.raises(BuildpackError) as error:
        pyversion.warnings(Requested("3.14", origin), "3.14.7", UV)
    assert error.value.reason == expected
