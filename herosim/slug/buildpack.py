"""The release of heroku-buildpack-python that herosim's slug compiler emulates, and its
constants. Everything the compiler decides or says follows this release."""

RELEASE = "v351"
COMMIT = "b4e7e72"
DATE = "2026-08-18"
NAME = f"heroku/python {RELEASE}"
# How the platform names the buildpack `heroku/python` when its bin/detect fails.
REGISTRY_URL = "https://buildpack-registry.s3.amazonaws.com/buildpacks/heroku/python.tgz"

PIP_VERSION = "26.2.1"
SETUPTOOLS_VERSION = "70.3.0"      # installed beside pip on Python 3.10 to 3.12 only
SETUPTOOLS_MAJORS = ("3.10", "3.11", "3.12")
UV_VERSION = "0.12.5"
POETRY_VERSION = "2.4.1"
PIPENV_VERSION = "2026.7.1"

LATEST_PYTHON = {"3.10": "3.10.21", "3.11": "3.11.16", "3.12": "3.12.14", "3.13": "3.13.15", "3.14": "3.14.7"}
OLDEST_MINOR = 10
NEWEST_MINOR = 14
DEFAULT_MAJOR = "3.14"
DEPRECATED_MAJORS = ("3.10",)
